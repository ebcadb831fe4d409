import { z } from 'zod';
import type { OnDemandPrice, UnitPrice } from '../types';
import { formatIssues, unitPriceSchema } from './schema';

/**
 * The recorded sources of the committed snapshot's on-demand and unit prices (pricing/sources/price-sources.json),
 * and the pure functions that turn them into snapshot entries (scripts/snapshot-from-sources.ts does the I/O).
 * Each entry's origin names its source and date, so a reader can check every figure without this code.
 */

export const SOURCES_FORMAT = 'gpu-spot-fleet/price-sources@1';

const isoDay = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a YYYY-MM-DD date');
const sha = z.string().regex(/^[0-9a-f]{40}$/, 'must be a 40-hex git object id');

/** A generated price table committed in a public repository, read at one commit. */
const gitFileSourceSchema = z.object({
  id: z.string().min(1),
  region: z.string().min(1),
  repo: z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'must be owner/name'),
  path: z.string().min(1),
  commit: sha,
  committedOn: isoDay,
  /** Git blob id of `path` at `commit`: the script refuses any other file content. */
  blob: sha,
  /** A line the file must contain that says what it was generated from, and when, for which region. */
  header: z.string().min(1),
  validOn: isoDay,
  variable: z.string().min(1),
  generatedBy: z.string().min(1),
  /** Instance families taken from the file (the GPU families of the public spot data). */
  families: z.array(z.string().min(1)).min(1),
});

/** A price stated on a dated public AWS page, quoted. */
const pageSourceSchema = z.object({
  id: z.string().min(1),
  resource: unitPriceSchema.shape.resource,
  region: z.string().min(1),
  usdPerUnit: z.number().finite().positive(),
  unit: z.string().min(1),
  validOn: isoDay,
  url: z.string().url().startsWith('https://aws.amazon.com/', 'must be a page of AWS'),
  title: z.string().min(1),
  /** How the date is known. */
  dated: z.string().min(1),
  /** The page's words that say which region the figure is for. */
  regionQuote: z.string().min(1),
  /** The page's words that state the figure. */
  quote: z.string().min(1),
  /** The figure as the page writes it; it must appear in `quote`. */
  figure: z.string().min(1),
  /** The unit conversion from `figure` to `usdPerUnit`, when there is one. */
  conversion: z.string().min(1).optional(),
  note: z.string().min(1).optional(),
});

export const priceSourcesSchema = z.object({
  format: z.literal(SOURCES_FORMAT),
  notes: z.array(z.string()),
  onDemand: z.array(gitFileSourceSchema),
  units: z.array(pageSourceSchema),
});

export type PriceSources = z.infer<typeof priceSourcesSchema>;
export type GitFileSource = PriceSources['onDemand'][number];
export type PageSource = PriceSources['units'][number];

/** Parses the manifest; problems name the field and the rule, so a bad edit is found before any file is read. */
export function parsePriceSources(json: unknown, file: string): PriceSources {
  const parsed = priceSourcesSchema.safeParse(json);
  if (!parsed.success) throw new Error(`${file} is malformed: ${formatIssues(parsed.error, 10)}`);
  const m = parsed.data;
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const u of m.units) {
    const key = `${u.region} ${u.resource}`;
    if (seen.has(key)) problems.push(`units: two sources for ${u.resource} in ${u.region}`);
    seen.add(key);
    if (!u.quote.includes(u.figure)) problems.push(`units[${u.id}]: the quote does not contain the figure ${JSON.stringify(u.figure)}`);
    // Without a conversion the figure is the price itself, so it must read as exactly usdPerUnit.
    if (!u.conversion && Number(u.figure.replace(/^\$/, '')) !== u.usdPerUnit) {
      problems.push(`units[${u.id}]: figure ${u.figure} is not usdPerUnit ${u.usdPerUnit} and no conversion is stated`);
    }
  }
  const regions = new Set<string>();
  for (const s of m.onDemand) {
    if (regions.has(s.region)) problems.push(`onDemand: two sources for ${s.region}`);
    regions.add(s.region);
    if (!s.header.includes(s.region)) problems.push(`onDemand[${s.id}]: the header does not name the region ${s.region}`);
  }
  if (problems.length) throw new Error(`${file}: ${problems.join('; ')}`);
  return m;
}

/** One price as the generated file writes it. */
export interface GeneratedPrice {
  readonly instanceType: string;
  readonly usdPerHour: number;
  /** The number exactly as written, e.g. `3.468000`, quoted in the origin. */
  readonly text: string;
}

/**
 * The `"type": price` pairs of one region's block of a generated Go price map
 * (`var X = map[string]map[ec2types.InstanceType]float64{ "us-east-1": { ... }, ... }`).
 */
export function parseGeneratedRegion(goSource: string, variable: string, region: string): GeneratedPrice[] {
  const start = goSource.indexOf(`var ${variable} =`);
  if (start < 0) throw new Error(`no \`var ${variable} =\` in the file`);
  const open = goSource.indexOf(`"${region}": {`, start);
  if (open < 0) throw new Error(`${variable} has no block for ${region}`);
  const close = goSource.indexOf('}', open + region.length + 4);
  if (close < 0) throw new Error(`${variable}["${region}"] is not closed`);
  const block = goSource.slice(open + region.length + 4, close);
  const prices: GeneratedPrice[] = [];
  for (const m of block.matchAll(/"([a-z0-9-]+\.[a-z0-9-]+)":\s*([0-9]+(?:\.[0-9]+)?)/g)) {
    const usdPerHour = Number(m[2]);
    if (!(usdPerHour > 0)) throw new Error(`${variable}["${region}"]["${m[1]}"] = ${m[2]} is not a positive price`);
    prices.push({ instanceType: m[1], usdPerHour, text: m[2] });
  }
  if (prices.length === 0) throw new Error(`${variable}["${region}"] holds no prices`);
  return prices;
}

const familyOf = (instanceType: string) => instanceType.slice(0, instanceType.indexOf('.'));

/** The on-demand entries a generated file gives for its region's GPU families, each with an origin naming it. */
export function onDemandFromGitFile(source: GitFileSource, goSource: string): OnDemandPrice[] {
  if (!goSource.includes(source.header)) {
    throw new Error(`${source.repo} ${source.path} at ${source.commit} does not contain its recorded header "${source.header}"`);
  }
  const families = new Set(source.families);
  const rows = parseGeneratedRegion(goSource, source.variable, source.region).filter((p) => families.has(familyOf(p.instanceType)));
  const missing = source.families.filter((f) => !rows.some((p) => familyOf(p.instanceType) === f));
  if (missing.length) throw new Error(`${source.repo} ${source.path} has no ${source.region} price for the families ${missing.join(', ')}`);
  return rows.map((p) => ({
    instanceType: p.instanceType,
    region: source.region,
    usdPerHour: p.usdPerHour,
    source: 'snapshot',
    validOn: source.validOn,
    origin:
      `${source.repo} ${source.path} at commit ${source.commit} (committed ${source.committedOn}, header "${source.header}"): ` +
      `${source.variable}["${source.region}"]["${p.instanceType}"] = ${p.text}, generated by ${source.generatedBy}`,
  }));
}

/** The unit entries of the dated AWS pages, each origin quoting the page, its date and region. */
export function unitsFromPages(sources: readonly PageSource[]): UnitPrice[] {
  return sources.map((s) => ({
    resource: s.resource,
    region: s.region,
    usdPerUnit: s.usdPerUnit,
    unit: s.unit,
    source: 'snapshot',
    validOn: s.validOn,
    origin:
      `${s.url} (${s.title}; ${s.dated}): "${s.regionQuote}" ... "${s.quote}"` +
      (s.conversion ? `; unit conversion: ${s.conversion}` : '') +
      (s.note ? `; ${s.note}` : '') +
      `. Priced for ${s.region} only.`,
  }));
}
