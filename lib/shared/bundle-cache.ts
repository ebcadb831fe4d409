import { createHash, randomUUID } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

// A build cache for the Lambda bundles, so a `cdk synth` whose handler code and dependencies did not change reuses
// the last bundle instead of running esbuild again (the three handlers took about 1 s of a 5 s synth on 2 cores).
// An entry is reused only when every file esbuild read for it (its metafile inputs, node_modules included) still has
// the same contents, and its key covers the esbuild version, the build options, tsconfig.json and package-lock.json.
// A build is cached only when no input changed since shortly before it started (else the recorded hash could belong
// to newer bytes than esbuild read), and every output file carries its own hash, checked on reuse. Anything
// unreadable, malformed or mismatched is a miss: the worst case is the build that would have run anyway.

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
  readonly files: ReadonlyArray<{ readonly name: string; readonly base64: string; readonly sha256: string }>;
}

/**
 * Files modified this close to the build's start (or later) are not trusted to be the bytes esbuild read: mtime
 * granularity is coarse on some file systems (FAT 2 s, HFS+ 1 s).
 */
const MTIME_MARGIN_MS = 2000;

const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');

function fileHash(file: string): string | undefined {
  try {
    return sha256(fs.readFileSync(file));
  } catch {
    return undefined;
  }
}

function modifiedAtMs(file: string): number | undefined {
  try {
    return fs.statSync(file).mtimeMs;
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
    const files = cached.files.map((f) => ({ name: f.name, contents: Buffer.from(f.base64, 'base64'), sha256: f.sha256 }));
    // A record damaged on disk (bad base64 decodes silently) is a miss, never a broken bundle.
    if (files.every((f) => sha256(f.contents) === f.sha256)) return files.map(({ name, contents }) => ({ name, contents }));
  }

  const startedMs = Date.now();
  const built = build();
  const inputs: Record<string, string> = {};
  for (const input of built.inputs) {
    const file = path.join(root, input);
    const hash = fileHash(file);
    const modified = modifiedAtMs(file);
    // An input that cannot be read now cannot be checked later, and one changed since the build began may not be
    // the bytes esbuild read: keep the build, do not cache it.
    if (hash === undefined || modified === undefined || modified >= startedMs - MTIME_MARGIN_MS) return built.files;
    inputs[input] = hash;
  }
  const record: CacheRecord = {
    inputs,
    files: built.files.map((f) => ({ name: f.name, base64: Buffer.from(f.contents).toString('base64'), sha256: sha256(f.contents) })),
  };
  try {
    fs.mkdirSync(directory, { recursive: true });
    // Write then rename, so a concurrent synth never reads half a record.
    const temporary = `${recordFile}.${randomUUID()}.tmp`;
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
      record.files.every((f) => typeof f?.name === 'string' && typeof f?.base64 === 'string' && typeof f?.sha256 === 'string' &&
        !f.name.includes('/') && !f.name.includes('\\'));
    return valid ? record : undefined;
  } catch {
    return undefined;
  }
}
