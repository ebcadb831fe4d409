import * as fs from 'fs';
import * as path from 'path';
import { DrillError } from '../../scripts/drill';
import { failureText, GpuFleetError } from '../../lib/shared/errors';

const ROOT = path.join(__dirname, '..', '..');

/** Every module of lib/ and config/ except Lambda runtime code (its errors are the runtime's, see errors.ts). */
function modules(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'runtime' ? [] : modules(rel);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [rel] : [];
  });
}

/** Exported classes that are errors, by `<file>: <name>`. */
function errorClasses(): Map<string, new (...args: never[]) => Error> {
  const found = new Map<string, new (...args: never[]) => Error>();
  for (const file of [...modules('lib'), ...modules('config')]) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const exports = require(path.join(ROOT, file)) as Record<string, unknown>;
    for (const [name, value] of Object.entries(exports)) {
      if (typeof value === 'function' && value.prototype instanceof Error) found.set(`${file}: ${name}`, value as new () => Error);
    }
  }
  return found;
}

describe('one error base class', () => {
  const classes = errorClasses();

  test('finds the error classes of lib/ and config/ (the scan is not vacuous)', () => {
    const names = [...classes.keys()].map((k) => k.split(': ')[1]);
    expect(names).toEqual(expect.arrayContaining([
      'FleetConfigError', 'GpuFleetPropsError', 'InterruptionConfigError', 'BudgetConfigError', 'ScheduleConfigError',
      'FallbackConfigError', 'DashboardConfigError', 'PlacementScoreError', 'CostModelError', 'PricingLookupError', 'CostReportError',
    ]));
  });

  test('every error class of lib/ and config/ derives from GpuFleetError', () => {
    const strays = [...classes].filter(([, cls]) => cls !== GpuFleetError && !(cls.prototype instanceof GpuFleetError)).map(([k]) => k);
    expect(strays).toEqual([]);
  });

  test('the drill script\'s error too', () => {
    expect(new DrillError('x')).toBeInstanceOf(GpuFleetError);
  });

  test('a subclass keeps its own name, so logs and stack traces tell them apart', () => {
    for (const [key, cls] of classes) expect({ key, name: cls.name }).toEqual({ key, name: key.split(': ')[1] });
    const err = new (classes.get('lib/fleet/gpu-fleet.ts: GpuFleetPropsError')! as unknown as new (m: string) => Error)('bad');
    expect(err.name).toBe('GpuFleetPropsError');
    expect(String(err)).toBe('GpuFleetPropsError: bad');
  });
});

describe('failureText: what an entry point prints', () => {
  test('a GpuFleetError: its message, no stack trace', () => {
    const text = failureText(new GpuFleetError('dev.fleet.minSize (4) must be <= maxSize (2)'));
    expect(text).toBe('dev.fleet.minSize (4) must be <= maxSize (2)');
  });

  test('anything else: the stack, for a bug report', () => {
    const bug = new TypeError('cannot read properties of undefined');
    expect(failureText(bug)).toBe(bug.stack);
    expect(failureText(bug)).toMatch(/^TypeError: cannot read properties of undefined\n\s+at /);
    expect(failureText('a string')).toBe('a string');
  });
});
