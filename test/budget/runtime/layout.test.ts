import * as fs from 'fs';
import * as path from 'path';

// Issue 10 layout: Lambda code in lib/<concern>/runtime/, never importing aws-cdk-lib or constructs, directly or
// through a lib/ module it imports (lib/shared is shared with the constructs, so it is followed too).
const RUNTIME = path.join(__dirname, '../../../lib/budget/runtime');
const IMPORT = /(?:import|export)\s[^'"]*?from\s+'([^']+)'|require\('([^']+)'\)/g;

function importsOf(file: string): string[] {
  return [...fs.readFileSync(file, 'utf8').matchAll(IMPORT)].map((m) => m[1] ?? m[2]);
}

/** Every package a file reaches, following relative imports. */
function packagesReached(entry: string): Map<string, string> {
  const packages = new Map<string, string>();
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const spec of importsOf(file)) {
      if (spec.startsWith('.')) visit(`${path.resolve(path.dirname(file), spec)}.ts`);
      else packages.set(spec, path.relative(path.join(__dirname, '../../..'), file));
    }
  };
  visit(entry);
  return packages;
}

describe('lib/budget/runtime', () => {
  const files = fs.readdirSync(RUNTIME).filter((f) => f.endsWith('.ts'));

  test('holds the handler entry, env parsing and one module per responsibility', () => {
    expect(files.sort()).toEqual(['fleet-actions.ts', 'group.ts', 'handler.ts', 'messages.ts', 'process-event.ts', 'report.ts', 'settings.ts', 'types.ts']);
  });

  test.each(files)('%s reaches neither aws-cdk-lib nor constructs', (file) => {
    const reached = packagesReached(path.join(RUNTIME, file));
    const forbidden = [...reached].filter(([pkg]) => pkg === 'constructs' || pkg === 'aws-cdk-lib' || pkg.startsWith('aws-cdk-lib/'));
    expect(forbidden).toEqual([]);
  });

  test('the handler reads its variable names from lib/shared/kill-switch-env.ts (one list both sides import)', () => {
    const settings = fs.readFileSync(path.join(RUNTIME, 'settings.ts'), 'utf8');
    expect(settings).toContain("from '../../shared/kill-switch-env'");
    expect(settings).not.toMatch(/'KILL_SWITCH_[A-Z_]+'/);
  });

  test('the check is live: a construct file reaches aws-cdk-lib', () => {
    expect([...packagesReached(path.join(RUNTIME, '../kill-switch.ts')).keys()]).toContain('aws-cdk-lib');
  });
});
