import { CostModelError, estimateEnvironmentCost } from '../../../lib/pricing/estimate';
import { threeTypeEnv, threeTypeTable } from '../support/fixtures';

// Time-of-day capacity, the estimate side: hours a month at each minimum capacity (the schedule counts them hour by
// hour in its time zone), priced as each hour's burst.

const SPOT_P50 = (0.22 + 0.4 + 0.23 + 0.45 + 0.24 + 0.42) / 6;

test('each hour runs the larger of the average burst and the minimum above the base, capped at the room', () => {
  // staging: base 1, max 6, average burst 2. 100 h at min 1 (burst 2), 60 h at min 5 (burst 4), 40 h at min 9 (capped: 5)
  const profile = [{ minCapacity: 1, hours: 100 }, { minCapacity: 5, hours: 60 }, { minCapacity: 9, hours: 40 }];
  const e = estimateEnvironmentCost(threeTypeEnv(), threeTypeTable(), { hoursPerMonth: 200, capacityProfile: profile });
  const burstHours = 100 * 2 + 60 * 4 + 40 * 5; // 640 spot instance-hours
  expect(e.components.find((c) => c.id === 'spot-burst')!.monthlyUsd).toBeCloseTo(burstHours * SPOT_P50, 9);
  expect(e.fleet.spotUnits).toBeCloseTo(640 / 200, 12);
  expect(e.assumptions).toContain(
    'Time-of-day capacity: min 1 for 100 h, min 5 for 60 h, min 9 for 40 h; each hour\'s burst is the larger of usage.averageSpotInstances (2) and the minimum above the base, capped at 5: 3.2 on average.',
  );
  // The report carries the configured average and the profile, so cost:diff can price the same fleet again.
  expect(e.inputs.environment.usage.averageSpotInstances).toBe(2);
  expect(e.inputs.capacityProfile).toEqual(profile);
});

test('a profile whose hours do not add up to the month is an error naming both', () => {
  expect(() => estimateEnvironmentCost(threeTypeEnv(), threeTypeTable(), { hoursPerMonth: 200, capacityProfile: [{ minCapacity: 2, hours: 150 }] }))
    .toThrow(new CostModelError('staging: the capacity profile (150 h at min 2) must give whole minimum capacities >= 0 and hours >= 0 that add up to the month\'s 200 h (they add up to 150)'));
});

test('no profile: the burst is the average every hour, as before', () => {
  const e = estimateEnvironmentCost(threeTypeEnv(), threeTypeTable(), { hoursPerMonth: 200 });
  expect(e.fleet.spotUnits).toBe(2);
  expect(e.inputs.capacityProfile).toBeUndefined();
});
