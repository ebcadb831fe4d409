import { quantity } from '../format';
import { CapacityProfileLevel, CostModelEnvironment, CostModelError, EstimateNotes } from './types';

/**
 * Time-of-day capacity: the schedule can hold the group's minimum capacity at different levels by hour and weekday.
 * The schedule side (lib/schedule) counts, hour by hour in the schedule's time zone (DST-correct), how many hours a
 * month each level holds; here each hour's burst is the larger of the average burst and the level above the base,
 * capped at the group's room, and the month's burst is their hour-weighted mean. Every line of the estimate is linear
 * in burst units x hours, so pricing that mean is pricing the profile hour by hour.
 */
export function profiledEnvironment(env: CostModelEnvironment, hoursPerMonth: number, profile: readonly CapacityProfileLevel[] | undefined, notes: EstimateNotes): CostModelEnvironment {
  if (!profile || profile.length === 0) return env;
  const total = profile.reduce((a, l) => a + l.hours, 0);
  const bad = profile.find((l) => !(Number.isFinite(l.hours) && l.hours >= 0 && Number.isInteger(l.minCapacity) && l.minCapacity >= 0));
  if (bad || Math.abs(total - hoursPerMonth) > 0.01) {
    throw new CostModelError(
      `${env.name}: the capacity profile (${profile.map((l) => `${l.hours} h at min ${l.minCapacity}`).join(', ')}) must give whole ` +
        `minimum capacities >= 0 and hours >= 0 that add up to the month's ${hoursPerMonth} h (they add up to ${quantity(total)})`,
    );
  }
  if (hoursPerMonth === 0) return env;
  const f = env.fleet;
  const room = Math.max(0, f.maxSize - f.onDemandBaseCapacity);
  const average = env.usage.averageSpotInstances;
  const burst = (l: CapacityProfileLevel) => Math.min(room, Math.max(average, l.minCapacity - f.onDemandBaseCapacity));
  const weighted = profile.reduce((a, l) => a + l.hours * burst(l), 0) / hoursPerMonth;
  notes.assumptions.push(
    `Time-of-day capacity: ${profile.map((l) => `min ${l.minCapacity} for ${quantity(l.hours)} h`).join(', ')}; each hour's burst is ` +
      `the larger of usage.averageSpotInstances (${quantity(average)}) and the minimum above the base, capped at ${room}: ` +
      `${quantity(weighted)} on average.`,
  );
  return { ...env, usage: { ...env.usage, averageSpotInstances: weighted } };
}
