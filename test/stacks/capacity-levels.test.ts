import { staging } from '../../config/environments';
import { EnvironmentConfig } from '../../config/types';
import { buildCostReport } from '../../lib/pricing/report/model';
import { renderCostReportMarkdown } from '../../lib/pricing/report/markdown';
import { diffCostReports } from '../../lib/pricing/report/diff';
import { renderCostDiffMarkdown } from '../../lib/pricing/report/diff-markdown';
import { environmentHours } from '../../lib/stacks/cost-inputs';
import { fixtureEstimate } from '../support/prices';
import { replayCapacityMinutes } from '../support/replay-actions';
import { buildEnvironmentStack, resourcesOfType } from '../support/stacks';

// Time-of-day capacity end to end: config -> the stack's scheduled actions, and config -> the estimate's capacity
// profile, which must be the hours those actions hold; the report and cost:diff show the profile.

const CORE_HOURS = { days: ['MON', 'TUE', 'WED', 'THU', 'FRI'] as const, start: '09:00', end: '17:00', minCapacity: 4 };
const withLevels = (cfg: EnvironmentConfig, schedule: Partial<NonNullable<EnvironmentConfig['schedule']>>): EnvironmentConfig =>
  ({ ...cfg, schedule: { ...cfg.schedule!, ...schedule } });
const stagingCore = withLevels(staging, { capacity: [{ ...CORE_HOURS, days: [...CORE_HOURS.days] }] });
// Weekdays plus a Saturday-night batch whose level spans both DST switches (01:00-04:00 Sunday, Berlin).
const stagingBatch = withLevels(staging, {
  periods: [...staging.schedule!.periods, { days: ['SAT'], start: '22:00', end: '06:00' }],
  capacity: [{ ...CORE_HOURS, days: [...CORE_HOURS.days] }, { days: ['SUN'], start: '01:00', end: '04:00', minCapacity: 6 }],
});

const actionsOf = (cfg: EnvironmentConfig): Array<Record<string, any>> =>
  Object.entries(resourcesOfType(buildEnvironmentStack(cfg).template, 'AWS::AutoScaling::ScheduledAction')).map(([id, r]) => ({ id, ...r.Properties }));

describe('GpuFleetStack with schedule.capacity', () => {
  test('the stack passes the levels to its schedule: start, level changes and stop in Europe/Berlin', () => {
    const actions = actionsOf(stagingCore);
    expect(actions.map((a) => [a.id.replace(/[0-9A-F]{8}$/, ''), a.Recurrence, a.TimeZone, a.MinSize, a.MaxSize, a.DesiredCapacity])).toEqual([
      ['ScheduleStart0', '0 8 * * 1-5', 'Europe/Berlin', 1, 6, undefined],
      ['ScheduleStop0', '0 20 * * 1-5', 'Europe/Berlin', 0, 0, 0],
      ['ScheduleLevel0', '0 9 * * 1-5', 'Europe/Berlin', 4, 6, undefined],
      ['ScheduleLevel1', '0 17 * * 1-5', 'Europe/Berlin', 1, 6, undefined],
    ]);
  });

  test('without levels the estimate gets no profile (the committed environments price as before)', () => {
    expect(environmentHours(staging, 2026)).toEqual({ hoursPerMonth: 261, scheduleDescription: 'MON-FRI 08:00-20:00 Europe/Berlin' });
    expect(fixtureEstimate(staging).inputs.capacityProfile).toBeUndefined();
  });

  test('the estimate prices each level\'s hours: 87 h at min 1 (burst 2, the average) and 174 h at min 4 (burst 3)', () => {
    expect(environmentHours(stagingCore, 2026)).toEqual({
      hoursPerMonth: 261,
      scheduleDescription: 'MON-FRI 08:00-20:00 Europe/Berlin; min 4 MON-FRI 09:00-17:00',
      capacityProfile: [{ minCapacity: 1, hours: 87 }, { minCapacity: 4, hours: 174 }],
    });
    const before = fixtureEstimate(staging);
    const after = fixtureEstimate(stagingCore);
    expect(after.fleet.spotUnits).toBeCloseTo((87 * 2 + 174 * 3) / 261, 12);
    // One more spot instance for 174 h at the fixture's $0.50 p50.
    const spot = (e: typeof before) => e.components.find((c) => c.id === 'spot-burst')!.monthlyUsd;
    expect(spot(after) - spot(before)).toBeCloseTo(174 * 0.5, 9);
  });

  // The replay runs the stack's own actions through every month of the pricing year (2026 with the fixture prices) and
  // must give the profile the estimate priced, hour for hour, with the Saturday-night level across both DST switches.
  test.each([['core hours', stagingCore], ['core hours + a Saturday-night batch across the DST switches', stagingBatch]])(
    'the actions hold the profile the estimate prices, over the whole pricing year: %s',
    (_name, cfg) => {
      const actions = actionsOf(cfg);
      const minutes = new Map<number, number>();
      for (let month = 1; month <= 12; month++) {
        for (const [min, m] of replayCapacityMinutes(actions, cfg.schedule!.timeZone, 2026, month)) minutes.set(min, (minutes.get(min) ?? 0) + m);
      }
      const replayed = [...minutes].sort(([a], [b]) => a - b).map(([minCapacity, m]) => ({ minCapacity, hours: m / 60 / 12 }));
      const priced = fixtureEstimate(cfg).inputs.capacityProfile!;
      expect(priced.map((l) => l.minCapacity)).toEqual(replayed.map((l) => l.minCapacity));
      priced.forEach((l, i) => expect(l.hours).toBeCloseTo(replayed[i].hours, 9));
    },
  );

  test('the report shows the profile; cost:diff lists a profile change as a risk and cost change', () => {
    const base = buildCostReport([fixtureEstimate(staging)]);
    const head = buildCostReport([fixtureEstimate(stagingCore)]);
    const md = renderCostReportMarkdown(head);
    expect(md).toContain(
      '- Minimum capacity by time of day (schedule.capacity), hours a month: min 1 instance for 87 h, min 4 instances for 174 h; each hour is priced with the burst its minimum needs',
    );
    expect(renderCostReportMarkdown(base)).not.toContain('Minimum capacity by time of day');
    expect(head.environments[0].inputs.capacityProfile).toEqual([{ minCapacity: 1, hours: 87 }, { minCapacity: 4, hours: 174 }]);

    const d = diffCostReports(base, head).environments[0];
    expect(d.status).toBe('changed');
    expect(d.risk.changes).toEqual([
      { field: 'schedule', before: 'MON-FRI 08:00-20:00 Europe/Berlin', after: 'MON-FRI 08:00-20:00 Europe/Berlin; min 4 MON-FRI 09:00-17:00' },
      { field: 'schedule.capacity (hours a month at each minimum)', before: 'none', after: '87 h at min 1, 174 h at min 4' },
    ]);
    // Same prices on both sides: the whole change is the code's, re-priced with the base's (absent) profile.
    expect(d.priceMovementUsd).toBe(0);
    expect(d.codeChangeUsd).toBe(d.changeUsd);
    expect(d.changeUsd).toBeGreaterThan(0);
    expect(renderCostDiffMarkdown(diffCostReports(base, head), head)).toContain(
      'schedule.capacity (hours a month at each minimum) none → 87 h at min 1, 174 h at min 4',
    );
  });

  test('cost:diff re-prices a base with a profile at the head\'s prices: no price movement between equal reports', () => {
    const report = buildCostReport([fixtureEstimate(stagingBatch)]);
    const d = diffCostReports(report, report).environments[0];
    expect(d).toMatchObject({ status: 'unchanged', changeUsd: 0, priceMovementUsd: 0, codeChangeUsd: 0, notes: [] });
  });
});
