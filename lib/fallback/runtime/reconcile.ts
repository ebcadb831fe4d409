import { duration, FallbackState, stateFromGroup } from './decision';
import type { StoredState } from './state-store';

/**
 * A stored state older than this is not used. The controller runs every minute, so an older state means it did not
 * run in between (schedule disabled, throttled, failing): its shortfall streak and release window describe a fleet
 * that may have changed since, and acting on them could engage at once on an old streak or relaunch on-demand
 * hosts that are long gone. Ten missed runs; the controller's not-running alarm fires before that.
 */
export const STATE_MAX_AGE_MS = 10 * 60_000;

export type RebuildReason = 'missing' | 'unreadable' | 'stale' | 'mismatch';

export interface ReconciledState {
  /** The state the decision starts from: the stored one, or one rebuilt from the fallback group's real size. */
  readonly state: FallbackState;
  /** Set when the stored state was not used as it was. */
  readonly rebuilt?: {
    readonly reason: RebuildReason;
    /** What was found and what the controller does about it, for the log and the topic. */
    readonly text: string;
    /** Whether operators hear of it: a rebuild that touches capacity does; a first run with no fallback does not. */
    readonly notify: boolean;
  };
}

/**
 * Checks the stored state against its age and the fallback group's real desired capacity. Whatever is off, the
 * group's real size wins: the controller adopts it (holding what runs for a full release window, as after a lost
 * state) and starts its timers again, so it never resizes on the strength of a state that no longer describes the
 * fleet. An operator who zeroes the fallback by hand is followed, not undone: the fallback engages again only after
 * a new shortfall lasts `engageAfter`.
 */
export function reconcileState(stored: StoredState, fallbackDesired: number, now: number): ReconciledState {
  const rebuild = (reason: RebuildReason, text: string, notify: boolean, keepIds?: readonly string[]): ReconciledState => ({
    state: { ...stateFromGroup(fallbackDesired, now), ...(keepIds ? { countedFailureIds: keepIds } : {}) },
    rebuilt: { reason, text, notify },
  });
  const adopts = fallbackDesired > 0
    ? `adopts the fallback group's ${fallbackDesired} and holds it for a full release window before handing back`
    : 'starts in standby with the fallback group at 0';
  if (stored.kind === 'missing') {
    return rebuild('missing', `no stored state; the controller ${adopts}`, fallbackDesired > 0);
  }
  if (stored.kind === 'unreadable') {
    return rebuild('unreadable', `the stored state is unreadable (${stored.raw.slice(0, 200)}); the controller ${adopts}`, true);
  }
  const { state, savedAt } = stored;
  const differs = state.desiredFallback !== fallbackDesired
    ? `; it said the fallback group should be at ${state.desiredFallback}, the group is at ${fallbackDesired}`
    : '';
  if (savedAt === undefined || now - savedAt > STATE_MAX_AGE_MS) {
    const age = savedAt === undefined ? 'of unknown age' : `${duration(now - savedAt)} old (saved ${new Date(savedAt).toISOString()})`;
    return rebuild(
      'stale',
      `the stored state is ${age}, older than ${duration(STATE_MAX_AGE_MS)}: the controller did not run in between ` +
      `(schedule disabled, throttled or failing)${differs}; it ${adopts}`,
      state.desiredFallback > 0 || fallbackDesired > 0,
    );
  }
  if (state.desiredFallback !== fallbackDesired) {
    return rebuild(
      'mismatch',
      `the fallback group's desired capacity is ${fallbackDesired}, not the ${state.desiredFallback} the controller last decided: ` +
      `it was changed outside the controller (by hand, or a deploy that lowered its MaxSize) or the last run failed after resizing; ` +
      `the controller ${adopts}, and engages again only after a new shortfall`,
      true,
      state.countedFailureIds,
    );
  }
  return { state };
}
