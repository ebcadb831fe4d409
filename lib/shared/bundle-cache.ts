import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

// A build cache for the Lambda bundles, so a `cdk synth` whose handler code and dependencies did not change reuses
// the last bundle instead of running esbuild again (the three handlers took about 1 s of a 5 s synth on 2 cores).
// An entry is reused only when every file esbuild read for it (its metafile inputs, node_modules included) still has
// the same contents, and its key covers the esbuild version, the build options, tsconfig.json and package-lock.json.
// Anything unreadable or malformed is a miss: the worst case is the build that would have run anyway.

/** One output file of a bundle (index.js, index.js.map). */
export interface BundleFile {
  readonly name: string;
  readonly contents: Uint8Array;
}

/** What a build returns: its files and the paths (relative to the project root) of every file it read. */
export interface BundleBuild {
  readonly files: readonly BundleFile[];
  readonly inputs: readonly string[];
}

export interface BundleCacheOptions {
  /** Where package-lock.json is; input paths are relative to it. */
  readonly projectRoot: string;
  /** Everything besides the inputs' contents that decides the output (entry, options, esbuild version). */
  readonly key: unknown;
  /** Cache directory. @default `<projectRoot>/node_modules/.cache/gpu-spot-fleet/bundles` */
  readonly directory?: string;
}

interface CacheRecord {
  readonly inputs: Record<string, string>;
  readonly files: ReadonlyArray<{ readonly name: string; readonly base64: string }>;
}

const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');

function fileHash(file: string): string | undefined {
  try {
    return sha256(fs.readFileSync(file));
  } catch {
    return undefined;
  }
}

/** The files of `build()`, or of the last build with the same key whose inputs are all unchanged. */
export function cachedBundle(options: BundleCacheOptions, build: () => BundleBuild): readonly BundleFile[] {
  const root = options.projectRoot;
  const directory = options.directory ?? path.join(root, 'node_modules', '.cache', 'gpu-spot-fleet', 'bundles');
  const key = sha256(JSON.stringify([
    options.key,
    fileHash(path.join(root, 'package-lock.json')) ?? null,
    fileHash(path.join(root, 'tsconfig.json')) ?? null,
  ]));
  const recordFile = path.join(directory, `${key}.json`);

  const cached = readRecord(recordFile);
  if (cached && Object.entries(cached.inputs).every(([input, hash]) => fileHash(path.join(root, input)) === hash)) {
    return cached.files.map((f) => ({ name: f.name, contents: Buffer.from(f.base64, 'base64') }));
  }

  const built = build();
  const inputs: Record<string, string> = {};
  for (const input of built.inputs) {
    const hash = fileHash(path.join(root, input));
    // An input that cannot be read now cannot be checked later: keep the build, do not cache it.
    if (hash === undefined) return built.files;
    inputs[input] = hash;
  }
  const record: CacheRecord = {
    inputs,
    files: built.files.map((f) => ({ name: f.name, base64: Buffer.from(f.contents).toString('base64') })),
  };
  try {
    fs.mkdirSync(directory, { recursive: true });
    // Write then rename, so a concurrent synth never reads half a record.
    const temporary = `${recordFile}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, JSON.stringify(record));
    fs.renameSync(temporary, recordFile);
  } catch {
    // A read-only checkout still synthesizes; it only bundles every time.
  }
  return built.files;
}

function readRecord(file: string): CacheRecord | undefined {
  try {
    const record = JSON.parse(fs.readFileSync(file, 'utf8')) as CacheRecord;
    const valid = record && typeof record.inputs === 'object' && record.inputs !== null && Object.keys(record.inputs).length > 0 &&
      Object.values(record.inputs).every((h) => typeof h === 'string') &&
      Array.isArray(record.files) && record.files.length > 0 &&
      record.files.every((f) => typeof f?.name === 'string' && typeof f?.base64 === 'string' && !f.name.includes('/') && !f.name.includes('\\'));
    return valid ? record : undefined;
  } catch {
    return undefined;
  }
}
