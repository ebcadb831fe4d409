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

/** One file of a public repository at one commit: what both kinds of git sources name and the script checks. */
const gitFileFields = {
  repo: z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'must be owner/name'),
  path: z.string().min(1),
  /** The commit the file is read at (for unit sources, the one that last changed it: the script checks git log). */
  commit: sha,
  /** `commit`'s committer date, as git writes it (the committer's own time zone). */
  committedOn: isoDay,
  /** Git blob id of `path` at `commit`: the script refuses any other file content. */
  blob: sha,
};

/** A generated price table committed in a public repository, read at one commit. */
const gitFileSourceSchema = z.object({
  id: z.string().min(1),
  region: z.string().min(1),
  ...gitFileFields,
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

/**
 * A unit price read from one line of a text file committed in a public repository (e.g. a cost tool's golden test
 * output), at the commit that last changed it, with the file that sets the region the line was priced for.
 */
const gitUnitSourceSchema = z.object({
  id: z.string().min(1),
  resource: unitPriceSchema.shape.resource,
  region: z.string().min(1),
  usdPerUnit: z.number().finite().positive(),
  unit: z.string().min(1),
  /** The commit date of `commit` (the last change of the file): the figures were in the file on that day. */
  validOn: isoDay,
  ...gitFileFields,
  /** What the file is and how its figures were produced. */
  generatedBy: z.string().min(1),
  /** The line the figure is on, exactly as in the file apart from leading and trailing blanks. */
  line: z.string().min(1),
  /** The resource block of the file the line belongs to (a Terraform address such as `aws_nat_gateway.nat`). */
  block: z.string().regex(/^[a-z0-9_]+\.[A-Za-z0-9_-]+$/, 'must be a Terraform address <type>.<name>'),
  /** The figure as the line writes it, e.g. `$32.85`; it must appear in `line`. */
  figure: z.string().regex(/^\$[0-9]+(\.[0-9]+)?$/, 'must be a dollar figure such as $32.85'),
  /** How many units the figure is for, e.g. 730 (hours), 40 (GB), 1000000 (requests). */
  per: z.number().finite().positive(),
  /** `cent`: the figure is a monthly cost rounded to the cent, so it pins the price only to within half a cent / per. */
  rounding: z.enum(['none', 'cent']),
  /** The arithmetic from `figure` to `usdPerUnit`, written out. */
  conversion: z.string().min(1),
  /** The file, at the same commit, whose line sets the region the figure was priced for. */
  regionFile: z.object({ path: z.string().min(1), blob: sha, line: z.string().min(1) }),
  note: z.string().min(1).optional(),
});

export const priceSourcesSchema = z.object({
  format: z.literal(SOURCES_FORMAT),
  notes: z.array(z.string()),
  onDemand: z.array(gitFileSourceSchema),
  units: z.array(pageSourceSchema),
  unitsFromGitFiles: z.array(gitUnitSourceSchema).default([]),
});

export type PriceSources = z.infer<typeof priceSourcesSchema>;
export type GitFileSource = PriceSources['onDemand'][number];
export type PageSource = PriceSources['units'][number];
export type GitUnitSource = PriceSources['unitsFromGitFiles'][number];

const dollars = (figure: string) => Number(figure.slice(1));

/** Parses the manifest; problems name the field and the rule, so a bad edit is found before any file is read. */
export function parsePriceSources(json: unknown, file: string): PriceSources {
  const parsed = priceSourcesSchema.safeParse(json);
  if (!parsed.success) throw new Error(`${file} is malformed: ${formatIssues(parsed.error, 10)}`);
  const m = parsed.data;
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const u of [...m.units, ...m.unitsFromGitFiles]) {
    const key = `${u.region} ${u.resource}`;
    if (seen.has(key)) problems.push(`units: two sources for ${u.resource} in ${u.region}`);
    seen.add(key);
  }
  for (const u of m.units) {
    if (!u.quote.includes(u.figure)) problems.push(`units[${u.id}]: the quote does not contain the figure ${JSON.stringify(u.figure)}`);
    // Without a conversion the figure is the price itself, so it must read as exactly usdPerUnit.
    if (!u.conversion && Number(u.figure.replace(/^\$/, '')) !== u.usdPerUnit) {
      problems.push(`units[${u.id}]: figure ${u.figure} is not usdPerUnit ${u.usdPerUnit} and no conversion is stated`);
    }
  }
  for (const u of m.unitsFromGitFiles) {
    const at = `unitsFromGitFiles[${u.id}]`;
    if (!u.line.includes(u.figure)) problems.push(`${at}: the line does not contain the figure ${JSON.stringify(u.figure)}`);
    // The conversion is checked, not only written: per x usdPerUnit must give the figure (to the cent when rounded).
    const implied = u.per * u.usdPerUnit;
    const off = Math.abs(implied - dollars(u.figure));
    // Not rounded: equal but for float error, relative to the figure (an absolute 1e-9 would let a $0.0000133334
    // figure pass for $0.0000133330 or $0.0000133338).
    if (u.rounding === 'cent' ? off > 0.005 + 1e-9 : off > 1e-9 * Math.max(implied, dollars(u.figure))) {
      problems.push(
        `${at}: ${u.per} x usdPerUnit ${u.usdPerUnit} = ${implied} is not the figure ${u.figure}` + (u.rounding === 'cent' ? ' to the cent' : ''),
      );
    }
    if (!u.regionFile.line.includes(`"${u.region}"`)) problems.push(`${at}: the region file's line does not set the region "${u.region}"`);
    if (u.validOn !== u.committedOn) problems.push(`${at}: validOn ${u.validOn} must be the commit date ${u.committedOn} of the file's last change`);
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

const trimmedLines = (text: string) => text.split('\n').map((l) => l.trim());

/**
 * The unit entry one recorded line gives. `file` and `regionFile` are the texts of `source.path` and
 * `source.regionFile.path` at `source.commit` (the script has checked their blob ids). Refuses a file whose block lacks
 * the line, and a region file that does not set exactly the recorded region or does not declare the block's resource.
 */
export function unitFromGitFile(source: GitUnitSource, file: string, regionFile: string): UnitPrice {
  const where = `${source.repo} ${source.path} at ${source.commit}`;
  const lines = trimmedLines(file);
  const start = lines.indexOf(source.block);
  if (start < 0) throw new Error(`${where} has no block ${source.block}`);
  const end = lines.indexOf('', start);
  if (!lines.slice(start + 1, end < 0 ? undefined : end).includes(source.line)) {
    throw new Error(`${where} has no line "${source.line}" in the block ${source.block}`);
  }
  const rf = `${source.repo} ${source.regionFile.path} at ${source.commit}`;
  const regionLines = trimmedLines(regionFile).filter((l) => /^region\s*=/.test(l));
  if (regionLines.length !== 1 || regionLines[0] !== source.regionFile.line) {
    throw new Error(`${rf} must set the region once, as "${source.regionFile.line}"; it has ${JSON.stringify(regionLines)}`);
  }
  const dot = source.block.indexOf('.');
  const declaration = `resource "${source.block.slice(0, dot)}" "${source.block.slice(dot + 1)}"`;
  if (!regionFile.includes(declaration)) throw new Error(`${rf} does not declare ${declaration}`);
  return unitOfGitSource(source);
}

/** The snapshot entry of a recorded line, its origin quoting the line, the commit and the region (no file read). */
export function unitOfGitSource(source: GitUnitSource): UnitPrice {
  return {
    resource: source.resource,
    region: source.region,
    usdPerUnit: source.usdPerUnit,
    unit: source.unit,
    source: 'snapshot',
    validOn: source.validOn,
    origin:
      `${source.repo} ${source.path} at commit ${source.commit} (its last change, committed ${source.committedOn}; blob ${source.blob}; ` +
      `${source.generatedBy}): ${source.block}: "${source.line}"; region: ${source.regionFile.path} "${source.regionFile.line}"; ` +
      `conversion: ${source.conversion}` +
      (source.note ? `; ${source.note}` : '') +
      `. Priced for ${source.region} only.`,
  };
}
