import * as fs from 'fs';
import * as path from 'path';
import { AssetHashType, DockerImage } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { BundleFile, cachedBundle } from './bundle-cache';

/** How a function's code is bundled. */
export interface BundledCodeOptions {
  /** Emit a source map (stack traces in the logs name our files and lines). @default true */
  readonly sourceMap?: boolean;
  /** @default 'node24' */
  readonly target?: string;
}

/**
 * The function's code, bundled by esbuild's JS API in this process: no `npx esbuild` spawn per function (that
 * spawn was ~0.3 s of synth per function) and never Docker. Same arguments as NodejsFunction's local bundling
 * (bundle, minify, platform node, the AWS SDK v3 left to the runtime); source map paths are relative to the project
 * root. The asset hash is taken from the output, so an unchanged bundle keeps its hash wherever cdk.out is. A bundle
 * whose inputs did not change since the last synth comes from the build cache (lib/shared/bundle-cache.ts).
 */
export function bundledCode(entry: string, options: BundledCodeOptions = {}): lambda.Code {
  const projectRoot = findProjectRoot(entry);
  return lambda.Code.fromAsset(path.dirname(entry), {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // Required by the type; never used, because local bundling always succeeds or throws.
      image: DockerImage.fromRegistry('public.ecr.aws/docker/library/node:24'),
      local: {
        tryBundle(outputDir: string): boolean {
          for (const file of bundle(entry, projectRoot, options)) {
            fs.writeFileSync(path.join(outputDir, file.name), file.contents);
          }
          return true;
        },
      },
    },
  });
}

// One build per entry and options in a process (every environment's stack bundles the same handler code), and across
// processes the build cache of bundle-cache.ts (a synth whose handler code and dependencies did not change).
const builds = new Map<string, readonly BundleFile[]>();

function bundle(entry: string, projectRoot: string, options: BundledCodeOptions): readonly BundleFile[] {
  // Loaded here, not at module scope: only a synth that bundles pays for it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const esbuild = require('esbuild') as typeof import('esbuild');
  const buildOptions = {
    entryPoints: [path.relative(projectRoot, entry)],
    absWorkingDir: projectRoot,
    bundle: true,
    target: options.target ?? 'node24',
    platform: 'node' as const,
    // The path only names the output files (index.js, index.js.map) and makes the source map's paths relative to
    // the project root, so the bytes (and the asset hash) do not depend on where cdk.out is. Nothing is written here.
    outfile: 'index.js',
    write: false as const,
    minify: true,
    sourcemap: options.sourceMap ?? true,
    external: ['@aws-sdk/*'],
    logLevel: 'warning' as const,
  };
  const key = JSON.stringify([projectRoot, esbuild.version, buildOptions]);
  let files = builds.get(key);
  if (!files) {
    files = cachedBundle({ projectRoot, key: [esbuild.version, buildOptions] }, () => {
      const out = esbuild.buildSync({ ...buildOptions, metafile: true });
      return {
        files: out.outputFiles.map((f) => ({ name: path.basename(f.path), contents: f.contents })),
        inputs: Object.keys(out.metafile.inputs),
      };
    });
    builds.set(key, files);
  }
  return files;
}

function findProjectRoot(from: string): string {
  let dir = path.dirname(from);
  while (!fs.existsSync(path.join(dir, 'package-lock.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`bundledCode: no package-lock.json above ${from}`);
    dir = parent;
  }
  return dir;
}
