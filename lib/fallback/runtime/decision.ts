/**
 * The on-demand fallback decision: a pure function from (previous state, one observation, config) to the
 * fallback group's desired size. The controller Lambda calls it once a minute; tests feed it whole timelines.
 *
 * Sizes are in "fallback units": instances when the fallback group is unweighted, capacity units when it carries
 * the main group's weights (`fallbackWeighted`, the main group's types have different weights).
 *
 * Hysteresis:
 * - the shortfall is what the main group wants minus what serves (InService, Healthy, not drained by the interruption
 *   handler: a drained host is InService to Auto Scaling but serves nothing) or is arriving (Pending, Pending:Wait,
 *   Pending:Proceed): ordinary scale-out on spot is not matched with on-demand;
 * - engage only after the main group has been short of its desired capacity for `engageAfterMs` with failed
 *   launches in that streak (or for `engageWithoutFailuresAfterMs` without them, e.g. capacity that never arrives);
 *   a shortfall that clears before that (normal launch latency) never engages;
 * - once engaged, grow at once when the shortfall grows and launches failed since the last growth (spot is known
 *   to be dry); a larger shortfall without failed launches must last `engageAfterMs` first, like the engagement;
 * - shrink only to the largest need seen over the last `releaseAfterMs`, and then by at most one instance per run,
 *   handing those capacity units back to the main group (`handbackUnits`: the controller raises the main group's
 *   desired capacity by them before it lowers the fallback), so spot launches the replacement instead of the
 *   main group's target tracking having to notice the load first; the next instance goes back only once the main
 *   group has nothing pending, so capacity dips by one instance, for one launch, at most;
 * - never above `maxFallbackInstances` instances, and never above what the main group wants in total (a scale-to-zero
 *   or kill switch that drops the main group's desired capacity also drops the fallback at once, with no handback).
 */

export interface FallbackDecisionConfig {
  /** Shortfall with failed launches must last this long before on-demand is added. */
  readonly engageAfterMs: number;
  /** Shortfall without any failed launch must last this long before on-demand is added. */
  readonly engageWithoutFailuresAfterMs: number;
  /** Spot must cover the capacity for this long before the fallback hands it back. */
  readonly releaseAfterMs: number;
  /** The fallback group never has more instances than this. */
  readonly maxFallbackInstances: number;
  /** Capacity units of the main group one fallback instance covers at least (the smallest type weight; 1 unweighted). */
  readonly unitsPerInstance: number;
  /**
   * The fallback group carries the main group's weights, so its size counts capacity units, not instances; the cap
   * is then `maxFallbackInstances * unitsPerInstance` units, which no more than `maxFallbackInstances` instances fill.
   * @default false
   */
  readonly fallbackWeighted?: boolean;
}

/** What the controller saw in one run. */
export interface FallbackObservation {
  /** Epoch milliseconds. */
  readonly at: number;
  /** The main group's desired capacity (capacity units: instances, or GPUs when weighted). */
  readonly desiredCapacity: number;
  /**
   * Capacity units of the main group that serve: InService, Healthy, and not drained (no `DRAINED_TAG_KEY` tag).
   * Hosts, not serving capacity, is what made a rebalance drain invisible: the host stays InService and Healthy.
   */
  readonly servingCapacity: number;
  /**
   * Capacity units InService but not serving (drained or Unhealthy), for the reason text only.
   * @default 0
   */
  readonly notServingCapacity?: number;
  /**
   * Capacity units of the main group's instances on their way in (Pending, Pending:Wait, Pending:Proceed).
   * @default 0
   */
  readonly pendingCapacity?: number;
  /** Failed launch activities of the main group not counted by an earlier run. */
  readonly launchFailures: number;
  /** Those failures by error code, for the reason text. */
  readonly failureCodes?: Readonly<Record<string, number>>;
}

/** Kept between runs (SSM parameter); plain JSON. */
export interface FallbackState {
  readonly version: 1;
  readonly mode: 'standby' | 'engaged';
  /** The fallback group's desired size this state decided (fallback units). */
  readonly desiredFallback: number;
  /** Start of the current shortfall streak, epoch ms. */
  readonly troubleSince?: number;
  /** Failed launches counted since `troubleSince`. */
  readonly failuresInStreak: number;
  /** Fallback units needed, as change points `[at, needed]`, covering the last release window. */
  readonly window: ReadonlyArray<readonly [number, number]>;
  /** Failed launches (during a shortfall) since the fallback last engaged or grew. */
  readonly failuresSinceGrowth?: number;
  /** Start of the current streak in which the need was above the fallback's size, epoch ms. */
  readonly growthWantedSince?: number;
  /**
   * Ids of the main group's failed launch activities already counted (the controller's; the decision carries them).
   * Absent before the first run: the controller then counts only the last minute's failures.
   */
  readonly countedFailureIds?: readonly string[];
}

export type FallbackAction = 'hold' | 'engage' | 'grow' | 'shrink' | 'release';

export interface FallbackDecision {
  readonly action: FallbackAction;
  /** Human-readable: what was seen, the rule applied, what happens. */
  readonly reason: string;
  readonly previousFallback: number;
  readonly desiredFallback: number;
  /** Main group capacity units missing (desired minus serving and pending). */
  readonly shortfall: number;
  /** Fallback units (instances, or capacity units when weighted) that would cover the shortfall (before the cap). */
  readonly neededInstances: number;
  /** True when `maxFallbackInstances` held the fallback below what was needed. */
  readonly capped: boolean;
  /**
   * Main group capacity units to add to the main group's desired capacity before the fallback shrinks: what spot
   * takes back. 0 unless the fallback shrinks because spot has covered it for the release window.
   */
  readonly handbackUnits: number;
  readonly state: FallbackState;
}

export const INITIAL_STATE: FallbackState = { version: 1, mode: 'standby', desiredFallback: 0, failuresInStreak: 0, window: [] };

/**
 * State for a controller that finds no stored state but a fallback group already at `currentFallback`
 * (state lost or first run after an upgrade): it holds what runs for a full release window rather than
 * dropping capacity it cannot account for.
 */
export function stateFromGroup(currentFallback: number, at: number): FallbackState {
  if (currentFallback <= 0) return INITIAL_STATE;
  return { version: 1, mode: 'engaged', desiredFallback: currentFallback, failuresInStreak: 0, window: [[at, currentFallback]] };
}

export function decideFallback(state: FallbackState, obs: FallbackObservation, config: FallbackDecisionConfig): FallbackDecision {
  const weighted = config.fallbackWeighted === true;
  // Main group units per fallback unit, and fallback units per (smallest) instance.
  const unitsPerFallbackUnit = weighted ? 1 : config.unitsPerInstance;
  const instanceStep = weighted ? config.unitsPerInstance : 1;
  const cap = config.maxFallbackInstances * instanceStep;
  const pending = Math.max(0, obs.pendingCapacity ?? 0);
  const shortfall = Math.max(0, obs.desiredCapacity - obs.servingCapacity - pending);
  const neededInstances = Math.ceil(shortfall / unitsPerFallbackUnit);
  const demandCap = Math.ceil(Math.max(0, obs.desiredCapacity) / unitsPerFallbackUnit);
  const previous = state.desiredFallback;
  const unit = weighted ? 'capacity unit(s)' : 'instance(s)';
  const capText = weighted
    ? `maxFallbackInstances ${config.maxFallbackInstances} (${fmt(cap)} capacity units at the smallest weight ${fmt(config.unitsPerInstance)})`
    : `maxFallbackInstances ${config.maxFallbackInstances}`;

  const troubleSince = shortfall > 0 ? (state.troubleSince ?? obs.at) : undefined;
  const failuresInStreak = shortfall > 0 ? (state.troubleSince !== undefined ? state.failuresInStreak : 0) + obs.launchFailures : 0;
  const failuresSinceGrowth = (state.failuresSinceGrowth ?? 0) + (shortfall > 0 ? obs.launchFailures : 0);
  const window = slideWindow(state.window, obs.at, neededInstances, config.releaseAfterMs);
  const failures = failureText(obs);
  const idle = Math.max(0, obs.notServingCapacity ?? 0);
  const seen = `main group serving ${fmt(obs.servingCapacity)}${pending > 0 ? ` + ${fmt(pending)} pending` : ''}` +
    `${idle > 0 ? ` (${fmt(idle)} more in service but drained or unhealthy)` : ''} of desired ${fmt(obs.desiredCapacity)} capacity units`;

  const decide = (
    action: FallbackAction,
    desired: number,
    reason: string,
    extra: { capped?: boolean; handbackUnits?: number; grew?: boolean; growthWantedSince?: number } = {},
  ): FallbackDecision => ({
    action,
    reason,
    previousFallback: previous,
    desiredFallback: desired,
    shortfall,
    neededInstances,
    capped: extra.capped ?? false,
    handbackUnits: extra.handbackUnits ?? 0,
    state: {
      version: 1,
      mode: desired > 0 ? 'engaged' : 'standby',
      desiredFallback: desired,
      troubleSince,
      failuresInStreak,
      window,
      failuresSinceGrowth: extra.grew || desired === 0 ? 0 : failuresSinceGrowth,
      growthWantedSince: extra.growthWantedSince,
      countedFailureIds: state.countedFailureIds,
    },
  });

  if (state.mode === 'standby' || previous === 0) {
    if (shortfall === 0) return decide('hold', 0, `spot covers the group (${seen}); no fallback`);
    const streak = obs.at - (troubleSince ?? obs.at);
    const wait = failuresInStreak > 0 ? config.engageAfterMs : config.engageWithoutFailuresAfterMs;
    if (streak < wait) {
      return decide('hold', 0,
        `short ${fmt(shortfall)} for ${duration(streak)} with ${failuresInStreak} failed launch(es)${failures}; ` +
        `fallback engages after ${duration(wait)} (${seen})`);
    }
    const desired = Math.min(cap, neededInstances, demandCap);
    const capped = desired < neededInstances && desired === cap;
    return decide('engage', desired,
      `short ${fmt(shortfall)} for ${duration(streak)} with ${failuresInStreak} failed launch(es)${failures} ` +
      `(rule: ${duration(wait)}); adding ${fmt(desired)} on-demand ${unit}` +
      `${capped ? `, capped at ${capText} (needed ${fmt(neededInstances)})` : ''} (${seen})`,
      { capped, grew: true });
  }

  // Engaged. Growth follows the current need; a growth without failed launches since the last one waits engageAfter.
  const growTo = Math.min(cap, neededInstances, demandCap);
  if (growTo > previous) {
    const growthWantedSince = state.growthWantedSince ?? obs.at;
    const streak = obs.at - growthWantedSince;
    const capped = growTo < neededInstances && growTo === cap;
    const limit = capped ? `, capped at ${capText}` : '';
    if (failuresSinceGrowth > 0 || streak >= config.engageAfterMs) {
      const why = failuresSinceGrowth > 0
        ? `${failuresSinceGrowth} failed launch(es) since the fallback last grew${failures}`
        : `no failed launch since the fallback last grew, but for ${duration(streak)} (rule: ${duration(config.engageAfterMs)})`;
      return decide('grow', growTo,
        `spot still short ${fmt(shortfall)}, ${why}; fallback grows ${fmt(previous)} -> ${fmt(growTo)}${limit} (${seen})`,
        { capped, grew: true });
    }
    return decide('hold', previous,
      `spot short ${fmt(shortfall)}, more than the fallback's ${fmt(previous)} ${unit} cover, for ${duration(streak)} with no failed launch ` +
      `since the fallback last grew; it grows after ${duration(config.engageAfterMs)} (${seen})`,
      { growthWantedSince });
  }

  // Shrink only to the largest need over the release window, within the cap and the group's own demand.
  const windowNeed = Math.max(...window.map(([, n]) => n));
  const target = Math.min(cap, windowNeed, demandCap);
  const capped = target < windowNeed && target === cap;
  const limit = capped ? `, capped at ${capText}` : '';
  if (target >= previous) {
    return decide('hold', previous,
      shortfall > 0
        ? `spot still short ${fmt(shortfall)}${failures}; fallback holds ${fmt(previous)}${limit} (${seen})`
        : `spot covers the group but the fallback holds ${fmt(previous)} until spot has covered it for ${duration(config.releaseAfterMs)} (${seen})`,
      { capped: capped && target === previous });
  }
  const hardLimit = Math.min(cap, demandCap);
  if (hardLimit < previous) {
    // The main group wants less, or the cap went down: at once, and nothing is handed back.
    const why = demandCap <= cap
      ? `the main group now wants only ${fmt(obs.desiredCapacity)} capacity units`
      : `maxFallbackInstances is ${config.maxFallbackInstances}`;
    return decide(hardLimit === 0 ? 'release' : 'shrink', hardLimit,
      `${why}; fallback ${hardLimit === 0 ? 'released' : 'shrinks'} ${fmt(previous)} -> ${fmt(hardLimit)} at once (${seen})`,
      { capped: hardLimit === cap && hardLimit < windowNeed });
  }
  // Spot has covered the difference for the release window: one instance back per run, handed to the main group,
  // and the next one only once the last one's replacement is in service (so capacity dips by one instance at most).
  if (pending > 0) {
    return decide('hold', previous,
      `spot has covered all but ${fmt(windowNeed)} ${unit} of it for ${duration(config.releaseAfterMs)}, but the main group has ` +
      `${fmt(pending)} capacity unit(s) pending; the fallback holds ${fmt(previous)} and hands the next instance back once they are in service (${seen})`);
  }
  const desired = Math.max(target, previous - instanceStep);
  const handbackUnits = (previous - desired) * unitsPerFallbackUnit;
  return decide(desired === 0 ? 'release' : 'shrink', desired,
    `spot has covered all but ${fmt(windowNeed)} ${unit} of it for ${duration(config.releaseAfterMs)}; ` +
    `fallback ${desired === 0 ? 'released' : 'shrinks'} ${fmt(previous)} -> ${fmt(desired)}` +
    `${desired > target ? ` (one instance per run, towards ${fmt(target)})` : ''}, ` +
    `handing ${fmt(handbackUnits)} capacity unit(s) back to the main group (${seen})`,
    { handbackUnits });
}

/** Change points of `needed` that still matter for the window ending at `at` (the one in force at its start included). */
function slideWindow(
  window: ReadonlyArray<readonly [number, number]>,
  at: number,
  needed: number,
  releaseAfterMs: number,
): ReadonlyArray<readonly [number, number]> {
  const points = window.length > 0 && window[window.length - 1][1] === needed ? [...window] : [...window, [at, needed] as const];
  const start = at - releaseAfterMs;
  let first = 0;
  while (first + 1 < points.length && points[first + 1][0] <= start) first++;
  return points.slice(first);
}

function failureText(obs: FallbackObservation): string {
  const codes = Object.entries(obs.failureCodes ?? {}).filter(([, n]) => n > 0);
  return codes.length ? ` (this run: ${codes.map(([c, n]) => `${c} x${n}`).join(', ')})` : '';
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2);
}

/** `5m 0s`, `45s`. */
export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s >= 60 ? `${Math.floor(s / 60)}m ${s % 60}s` : `${s}s`;
}

/** Bounds on the settings; the construct checks them at synth and the controller again at start. */
export const FALLBACK_LIMITS = {
  minWaitMinutes: 1,
  /** The release window is kept in an SSM parameter (4 KB): one change point per minute at most. */
  maxWaitMinutes: 120,
  maxInstances: 1000,
} as const;

/** Every problem with a config, one line each (name, value, rule); empty when valid. */
export function fallbackConfigProblems(config: FallbackDecisionConfig): string[] {
  const problems: string[] = [];
  const minutes = (name: string, ms: number) => {
    const m = ms / 60_000;
    if (!Number.isInteger(m) || m < FALLBACK_LIMITS.minWaitMinutes || m > FALLBACK_LIMITS.maxWaitMinutes) {
      problems.push(`${name} (${duration(ms)}) must be whole minutes from ${FALLBACK_LIMITS.minWaitMinutes} to ${FALLBACK_LIMITS.maxWaitMinutes}: the controller runs once a minute`);
    }
  };
  minutes('engageAfter', config.engageAfterMs);
  minutes('engageWithoutFailuresAfter', config.engageWithoutFailuresAfterMs);
  minutes('releaseAfter', config.releaseAfterMs);
  if (config.engageWithoutFailuresAfterMs < config.engageAfterMs) {
    problems.push(`engageWithoutFailuresAfter (${duration(config.engageWithoutFailuresAfterMs)}) must be >= engageAfter (${duration(config.engageAfterMs)}): failed launches are the stronger evidence`);
  }
  if (config.releaseAfterMs < config.engageAfterMs) {
    problems.push(`releaseAfter (${duration(config.releaseAfterMs)}) must be >= engageAfter (${duration(config.engageAfterMs)}): releasing faster than engaging makes the fallback flap`);
  }
  const n = config.maxFallbackInstances;
  if (!Number.isInteger(n) || n < 1 || n > FALLBACK_LIMITS.maxInstances) {
    problems.push(`maxFallbackInstances (${n}) must be a whole number from 1 to ${FALLBACK_LIMITS.maxInstances}; leave the fallback out to disable it`);
  }
  if (!Number.isFinite(config.unitsPerInstance) || config.unitsPerInstance <= 0) {
    problems.push(`unitsPerInstance (${config.unitsPerInstance}) must be a number > 0 (the smallest instance type weight, 1 when unweighted)`);
  }
  return problems;
}
