import { GpuFleetError } from '../../shared/errors';

/**
 * A price lookup that cannot give a trustworthy answer. `problems` holds one line per thing that is wrong, each
 * naming what, where, the rule and what to do; the message joins them so a synth failure shows them all at once.
 */
export class PricingLookupError extends GpuFleetError {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(problems.length === 1 ? problems[0] : `pricing: ${problems.length} problems:\n- ${problems.join('\n- ')}`);
    this.name = 'PricingLookupError';
    this.problems = problems;
  }
}

/** `err` as one readable line, whatever was thrown (SDK errors carry `name`, `$metadata` and a message). */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    const name = err.name && err.name !== 'Error' ? `${err.name}: ` : '';
    return `${name}${err.message || '(no message)'}${status ? ` (HTTP ${status})` : ''}`;
  }
  return String(err);
}
