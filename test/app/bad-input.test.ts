import * as fs from 'fs';
import * as path from 'path';
import { AppCopy, STACK_TRACE_LINE } from '../support/app-copy';

// Bad input through the whole app, the way a user meets it: edit a committed file, run `tsx bin/app.ts`. The app
// exits 1 with a message written for the user (no stack trace) and writes no template.

function expectRefused(run: ReturnType<AppCopy['synth']>, message: string) {
  expect(run.stderr).toContain(message);
  expect(run.stderr).not.toMatch(STACK_TRACE_LINE);
  expect(run.status).toBe(1);
  expect(fs.existsSync(path.join(run.outdir, 'GpuFleet-dev.template.json'))).toBe(false);
}

describe('bin/app.ts refuses bad input with a message, not a stack trace', () => {
  let copy: AppCopy;
  beforeEach(() => {
    copy = new AppCopy();
  });
  afterEach(() => copy.remove());

  // The two silent failures issue 10 measured, in one run: each used to synthesize a template without a word (dev ran
  // 24/7, $196.61 -> $531.22 a month; prod lost its fallback).
  test('a misspelled schedule in dev and fallback in prod stop synth, each named with the field meant', () => {
    const run = copy
      .edit('config/environments.ts',
        "  schedule: {\n    timeZone: 'Europe/Berlin',\n    periods: [{ days: ['MON', 'TUE', 'WED', 'THU', 'FRI'], start: '08:00', end: '19:00' }],",
        "  schedul: {\n    timeZone: 'Europe/Berlin',\n    periods: [{ days: ['MON', 'TUE', 'WED', 'THU', 'FRI'], start: '08:00', end: '19:00' }],")
      .edit('config/environments.ts', 'fallback: { maxInstances: 4,', 'fallbak: { maxInstances: 4,')
      .synth();
    expectRefused(run, [
      'Invalid environment config (2 problems); fix config/environments.ts:',
      '  - `dev.schedul` is not a field; did you mean `schedule`?',
      '  - `prod.fallbak` is not a field; did you mean `fallback`?',
      '',
    ].join('\n'));
  });

  test('a bad construct prop that only the construct validates (InterruptionHandler: at most 10000 per hour)', () => {
    // config/ bounds it too, so the composition passes the bad value itself, as code built on the library would.
    // The stack's id says which environment.
    const run = copy.edit('lib/stacks/gpu-fleet-stack.ts', 'interruptionsPerHourAlarm: cfg.interruption.interruptionsPerHourAlarm,', 'interruptionsPerHourAlarm: 20000,').synth();
    expectRefused(run,
      'GpuFleet-dev: InterruptionHandler props are invalid:\n' +
      '  - interruptionsPerHourAlarm (20000) must be an integer from 1 to 10000: the alarm fires above this many interruptions per hour');
  });

  test('a bug (not a GpuFleetError) keeps its stack trace for the report', () => {
    const run = copy.edit('bin/app.ts', 'const envs = validateEnvironments(ENVIRONMENTS);',
      "const envs = validateEnvironments(ENVIRONMENTS);\n  if (envs.length) throw new TypeError('a bug');").synth();
    expect(run.stderr).toContain('TypeError: a bug');
    expect(run.stderr).toMatch(STACK_TRACE_LINE);
    expect(run.status).toBe(1);
  });
});
