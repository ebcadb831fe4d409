/**
 * The on-demand fallback decision: a pure function from (previous state, one observation, config) to the
 * fallback group's desired size. The controller Lambda calls it once a minute; tests feed it whole timelines.
 *
 * Hysteresis:
 * - engage only after the main group has been short of its desired capacity for `engageAfterMs` with failed
 *   launches in that streak (or for `engageWithoutFailuresAfterMs` without them, e.g. launches stuck pending);
 *   a shortfall that clears before that (normal launch latency) never engages;
 * - once engaged, grow at once when the shortfall grows (spot is known to be dry), but shrink only to the
 *   largest need seen over the last `releaseAfterMs`: capacity goes back to spot only after spot has covered
 *   it for that long, so an oscillating input cannot make the fallback oscillate;
 * - never above `maxFallbackInstances`, and never above what the main group wants in total (a scale-to-zero
 *   or kill switch that drops the main group's desired capacity also drops the fallback at once).
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
}

/** What the controller saw in one run. */
export interface FallbackObservation {
  /** Epoch milliseconds. */
  readonly at: number;
  /** The main group's desired capacity (capacity units: instances, or GPUs when weighted). */
  readonly desiredCapacity: number;
  /** Capacity units of the main group's InService instances. */
  readonly inServiceCapacity: number;
  /** Failed launch activities of the main group since the previous run. */
  readonly launchFailures: number;
  /** Those failures by error code, for the reason text. */
  readonly failureCodes?: Readonly<Record<string, number>>;
}

/** Kept between runs (SSM parameter); plain JSON. */
export interface FallbackState {
  readonly version: 1;
  readonly mode: 'standby' | 'engaged';
  /** The fallback group's desired size this state decided. */
  readonly desiredFallback: number;
  /** Start of the current shortfall streak, epoch ms. */
  readonly troubleSince?: number;
  /** Failed launches counted since `troubleSince`. */
  readonly failuresInStreak: number;
  /** Instances needed, as change points `[at, needed]`, covering the last release window. */
  readonly window: ReadonlyArray<readonly [number, number]>;
  /** Newest scaling activity start time the controller has counted, epoch ms. */
  readonly activitiesSeenUntil?: number;
}

export type FallbackAction = 'hold' | 'engage' | 'grow' | 'shrink' | 'release';

export interface FallbackDecision {
  readonly action: FallbackAction;
  /** Human-readable: what was seen, the rule applied, what happens. */
  readonly reason: string;
  readonly previousFallback: number;
  readonly desiredFallback: number;
  /** Main group capacity units missing. */
  readonly shortfall: number;
  /** Fallback instances that would cover the shortfall (before the cap). */
  readonly neededInstances: number;
  /** True when `maxFallbackInstances` held the fallback below what was needed. */
  readonly capped: boolean;
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
  const shortfall = Math.max(0, obs.desiredCapacity - obs.inServiceCapacity);
  const neededInstances = Math.ceil(shortfall / config.unitsPerInstance);
  const demandCap = Math.ceil(Math.max(0, obs.desiredCapacity) / config.unitsPerInstance);
  const previous = state.desiredFallback;

  const troubleSince = shortfall > 0 ? (state.troubleSince ?? obs.at) : undefined;
  const failuresInStreak = shortfall > 0 ? (state.troubleSince !== undefined ? state.failuresInStreak : 0) + obs.launchFailures : 0;
  const window = slideWindow(state.window, obs.at, neededInstances, config.releaseAfterMs);
  const failures = failureText(obs);
  const seen = `main group in service ${fmt(obs.inServiceCapacity)} of desired ${fmt(obs.desiredCapacity)} capacity units`;

  const decide = (action: FallbackAction, desired: number, reason: string, capped = false): FallbackDecision => ({
    action,
    reason,
    previousFallback: previous,
    desiredFallback: desired,
    shortfall,
    neededInstances,
    capped,
    state: {
      version: 1,
      mode: desired > 0 ? 'engaged' : 'standby',
      desiredFallback: desired,
      troubleSince,
      failuresInStreak,
      window,
      activitiesSeenUntil: state.activitiesSeenUntil,
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
    const desired = Math.min(config.maxFallbackInstances, neededInstances, demandCap);
    const capped = desired < neededInstances;
    return decide('engage', desired,
      `short ${fmt(shortfall)} for ${duration(streak)} with ${failuresInStreak} failed launch(es)${failures} ` +
      `(rule: ${duration(wait)}); adding ${desired} on-demand instance(s)` +
      `${capped ? `, capped at maxFallbackInstances ${config.maxFallbackInstances} (needed ${neededInstances})` : ''} (${seen})`,
      capped);
  }

  // Engaged: follow the largest need over the release window, within the cap and the group's own demand.
  const windowNeed = Math.max(...window.map(([, n]) => n));
  const target = Math.min(config.maxFallbackInstances, windowNeed, demandCap);
  const capped = target < windowNeed && target === config.maxFallbackInstances;
  const limit = capped ? `, capped at maxFallbackInstances ${config.maxFallbackInstances}` : '';
  if (target > previous) {
    return decide('grow', target,
      `spot still short ${fmt(shortfall)}${failures}; fallback grows ${previous} -> ${target}${limit} (${seen})`, capped);
  }
  if (target === previous) {
    return decide('hold', target,
      shortfall > 0
        ? `spot still short ${fmt(shortfall)}${failures}; fallback holds ${target}${limit} (${seen})`
        : `spot covers the group but the fallback holds ${target} until spot has covered it for ${duration(config.releaseAfterMs)} (${seen})`,
      capped);
  }
  const why = demandCap < windowNeed && demandCap === target
    ? `the main group now wants only ${fmt(obs.desiredCapacity)} capacity units`
    : target < windowNeed
      ? `maxFallbackInstances is ${config.maxFallbackInstances}`
      : `spot has covered all but ${windowNeed} instance(s) of it for ${duration(config.releaseAfterMs)}`;
  return decide(target === 0 ? 'release' : 'shrink', target,
    `${why}; fallback ${target === 0 ? 'released' : 'shrinks'} ${previous} -> ${target}, capacity back on spot (${seen})`, capped);
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
