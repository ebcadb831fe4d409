/**
 * Number and text formatting shared by the estimate's explanations, the report and the diff.
 * Hand-written rather than `toLocaleString` because ICU data differs between Node builds, and the report must be
 * byte-identical on every machine.
 */

/** Rounds to cents; `-0` becomes `0` so it never prints as `-$0.00`. */
export function roundCents(x: number): number {
  const r = Math.round(x * 100) / 100;
  return Object.is(r, -0) ? 0 : r;
}

function groupThousands(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** `$1,234.56`, `-$12.00`. */
export function usd(x: number): string {
  assertFinite(x, 'usd');
  const r = roundCents(x);
  const [whole, cents] = Math.abs(r).toFixed(2).split('.');
  return `${r < 0 ? '-' : ''}$${groupThousands(whole)}.${cents}`;
}

/** `+$12.00` / `-$12.00` / `$0.00`: for changes. */
export function signedUsd(x: number): string {
  const r = roundCents(x);
  return r > 0 ? `+${usd(r)}` : usd(r);
}

/** A price per hour or per unit with enough digits for Lambda-sized prices: `$0.8048`, `$0.0000166667`. */
export function unitPrice(x: number): string {
  assertFinite(x, 'unitPrice');
  // Six significant digits, written out in full: `$0.0000002`, never `$2e-7`.
  if (x !== 0 && Math.abs(x) < 0.01) return `$${Number(x.toPrecision(6)).toFixed(12).replace(/0+$/, '')}`;
  return `$${x.toFixed(4)}`;
}

/** `12.3%` with one decimal; `+` for positive changes when `signed`. */
export function percent(x: number, signed = false): string {
  assertFinite(x, 'percent');
  const r = Math.round(x * 10) / 10;
  const s = (Object.is(r, -0) ? 0 : r).toFixed(1);
  return `${signed && r > 0 ? '+' : ''}${s}%`;
}

/** Hours or counts: `1,000,000`, `253.17` (up to 2 decimals). */
export function quantity(x: number): string {
  assertFinite(x, 'quantity');
  const [whole, frac] = String(Math.round(x * 100) / 100).split('.');
  return frac ? `${groupThousands(whole)}.${frac}` : groupThousands(whole);
}

function assertFinite(x: number, what: string): void {
  // A NaN reaching a formatter is a bug upstream; failing here beats printing "$NaN" in a PR comment.
  if (!Number.isFinite(x)) throw new Error(`internal error: ${what}() was given ${x}; a cost figure must be a finite number`);
}
