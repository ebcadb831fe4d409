import {
  decideFallback,
  duration,
  FallbackDecisionConfig,
  fallbackConfigProblems,
  FallbackDecision,
  FallbackObservation,
  FallbackState,
  INITIAL_STATE,
  stateFromGroup,
} from '../../../lib/fallback/runtime/decision';

const MIN = 60_000;
const CONFIG: FallbackDecisionConfig = {
  engageAfterMs: 5 * MIN,
  engageWithoutFailuresAfterMs: 15 * MIN,
  releaseAfterMs: 15 * MIN,
  maxFallbackInstances: 4,
  unitsPerInstance: 1,
};

/** One observation per minute; `steps[i]` is what the controller sees at minute i. */
interface Step {
  readonly desired: number;
  readonly inService: number;
  readonly pending?: number;
  readonly failures?: number;
}

function run(steps: readonly Step[], config = CONFIG, start: FallbackState = INITIAL_STATE): FallbackDecision[] {
  let state = start;
  return steps.map((s, i) => {
    const obs: FallbackObservation = {
      at: i * MIN,
      desiredCapacity: s.desired,
      servingCapacity: s.inService,
      pendingCapacity: s.pending,
      launchFailures: s.failures ?? 0,
      failureCodes: s.failures ? { InsufficientInstanceCapacity: s.failures } : undefined,
    };
    const d = decideFallback(state, obs, config);
    state = d.state;
    return d;
  });
}

const repeat = (n: number, s: Step): Step[] => Array.from({ length: n }, () => s);
const desiredOf = (ds: FallbackDecision[]) => ds.map((d) => d.desiredFallback);
const changes = (ds: FallbackDecision[]) => ds.filter((d) => d.desiredFallback !== d.previousFallback).length;

/**
 * A small world: the main group wants `desired`; spot capacity is `spotAvailable(t)`; the fallback group's
 * instances come into service `launchMinutes` after the controller asks for them.
 */
function simulate(minutes: number, desired: number, base: number, spotAvailable: (t: number) => number, launchMinutes = 2) {
  let state = INITIAL_STATE;
  const asked: number[] = [];
  const rows: Array<{ t: number; main: number; fallbackInService: number; decision: FallbackDecision }> = [];
  for (let t = 0; t < minutes; t++) {
    const main = base + Math.min(desired - base, spotAvailable(t));
    const fallbackInService = t >= launchMinutes ? asked[t - launchMinutes] : 0;
    const decision = decideFallback(state, {
      at: t * MIN,
      desiredCapacity: desired,
      servingCapacity: main,
      launchFailures: main < desired ? 1 : 0,
    }, CONFIG);
    state = decision.state;
    asked.push(decision.desiredFallback);
    rows.push({ t, main, fallbackInService, decision });
  }
  return rows;
}

describe('decideFallback: a simulated spot outage', () => {
  test('an outage is covered by on-demand within engageAfter plus the launch time, and recovery hands back to spot one instance a minute, without flapping', () => {
    // 6 wanted, 2 on-demand base; spot has all 4 until minute 10, none until minute 40, then all again.
    const rows = simulate(90, 6, 2, (t) => (t >= 10 && t < 40 ? 0 : 4));
    const total = (r: (typeof rows)[number]) => r.main + r.fallbackInService;

    expect(rows[9].decision.desiredFallback).toBe(0);
    // Engages 5 minutes into the outage (minute 15), the on-demand hosts serve 2 minutes later.
    expect(rows.find((r) => r.decision.action === 'engage')?.t).toBe(15);
    expect(rows[15].decision.desiredFallback).toBe(4);
    expect(total(rows[17])).toBe(6);
    const belowTarget = rows.filter((r) => total(r) < 6).map((r) => r.t);
    expect(belowTarget).toEqual([10, 11, 12, 13, 14, 15, 16]);
    // Spot returns at 40; the fallback stays for releaseAfter (15 min), then hands one instance a minute back.
    expect(rows[54].decision.desiredFallback).toBe(4);
    expect(rows.slice(55, 59).map((r) => [r.decision.action, r.decision.desiredFallback, r.decision.handbackUnits])).toEqual([
      ['shrink', 3, 1], ['shrink', 2, 1], ['shrink', 1, 1], ['release', 0, 1],
    ]);
    expect(rows[55].decision.reason).toBe(
      'spot has covered all but 0 instance(s) of it for 15m 0s; fallback shrinks 4 -> 3 (one instance per run, towards 0), ' +
      'handing 1 capacity unit(s) back to the main group (main group serving 6 of desired 6 capacity units)',
    );
    expect(changes(rows.map((r) => r.decision))).toBe(5);
    expect(rows.slice(59).every((r) => r.decision.action === 'hold' && r.decision.desiredFallback === 0)).toBe(true);
  });

  test('the engage reason names the shortfall, its duration, the failures, the rule and what is added', () => {
    const ds = run([...repeat(6, { desired: 6, inService: 3, failures: 2 })]);
    expect(ds[5].action).toBe('engage');
    expect(ds[5].reason).toBe(
      'short 3 for 5m 0s with 12 failed launch(es) (this run: InsufficientInstanceCapacity x2) (rule: 5m 0s); ' +
      'adding 3 on-demand instance(s) (main group serving 3 of desired 6 capacity units)',
    );
    expect(ds[4].action).toBe('hold');
    expect(ds[4].reason).toBe(
      'short 3 for 4m 0s with 10 failed launch(es) (this run: InsufficientInstanceCapacity x2); fallback engages after 5m 0s ' +
      '(main group serving 3 of desired 6 capacity units)',
    );
  });
});

describe('decideFallback: handing capacity back to the main group', () => {
  test('after target tracking scaled the main group in, the fallback hands back one instance at a time and spot refills with no re-engagement', () => {
    // 8 hosts are wanted; while 3 fallback hosts carried load, the main group's target tracking scaled it in to 5.
    let mainDesired = 5;
    const arrivals: number[] = []; // minute at which each handed-back spot launch comes into service
    let state = stateFromGroup(3, 0);
    const rows: Array<{ t: number; decision: FallbackDecision; mainDesired: number; serving: number }> = [];
    for (let t = 0; t < 60; t++) {
      const inService = 5 + arrivals.filter((a) => a <= t).length;
      const pending = arrivals.filter((a) => a > t).length;
      const decision = decideFallback(state, { at: t * MIN, desiredCapacity: mainDesired, servingCapacity: inService, pendingCapacity: pending, launchFailures: 0 }, CONFIG);
      state = decision.state;
      // The controller: main group first (spot launches in 2 minutes), then the fallback shrinks.
      for (let u = 0; u < decision.handbackUnits; u++) arrivals.push(t + 2);
      mainDesired += decision.handbackUnits;
      rows.push({ t, decision, mainDesired, serving: inService + decision.desiredFallback });
    }
    // One instance per run, and the next only once the last replacement is in service (launches take 2 minutes).
    expect(rows.slice(14, 21).map((r) => [r.decision.action, r.decision.desiredFallback, r.decision.handbackUnits, r.mainDesired])).toEqual([
      ['hold', 3, 0, 5], ['shrink', 2, 1, 6], ['hold', 2, 0, 6], ['shrink', 1, 1, 7], ['hold', 1, 0, 7], ['release', 0, 1, 8], ['hold', 0, 0, 8],
    ]);
    expect(rows[16].decision.reason).toBe(
      'spot has covered all but 0 instance(s) of it for 15m 0s, but the main group has 1 capacity unit(s) pending; the fallback holds 2 ' +
      'and hands the next instance back once they are in service (main group serving 5 + 1 pending of desired 6 capacity units)',
    );
    // Hosts serving (main in service + fallback): never more than one instance below the 8 wanted, back at 8 after.
    expect(Math.min(...rows.map((r) => r.serving))).toBe(7);
    expect(rows.slice(21).every((r) => r.serving === 8)).toBe(true);
    // The pending replacements are arriving capacity, not shortfall: nothing engages again.
    expect(rows.filter((r) => r.decision.action === 'engage' || r.decision.action === 'grow')).toEqual([]);
    expect(rows.every((r) => r.decision.shortfall === 0)).toBe(true);
  });

  test('a drop of the main group or a lower cap shrinks at once and hands nothing back', () => {
    const engaged = run(repeat(6, { desired: 6, inService: 2, failures: 1 }));
    const [lower] = run([{ desired: 6, inService: 6 }], { ...CONFIG, maxFallbackInstances: 2 }, engaged[5].state);
    expect(lower).toMatchObject({ action: 'shrink', desiredFallback: 2, handbackUnits: 0 });
    const [drop] = run([{ desired: 3, inService: 3 }], CONFIG, engaged[5].state);
    expect(drop).toMatchObject({ action: 'shrink', desiredFallback: 3, handbackUnits: 0 });
  });
});

describe('decideFallback: pending capacity and growth while engaged', () => {
  test('pending launches are arriving capacity, not shortfall', () => {
    const ds = run(repeat(20, { desired: 4, inService: 1, pending: 3 }));
    expect(desiredOf(ds)).toEqual(new Array(20).fill(0));
    expect(ds[0].shortfall).toBe(0);
    expect(ds[0].reason).toBe('spot covers the group (main group serving 1 + 3 pending of desired 4 capacity units); no fallback');
  });

  test('while engaged, an ordinary spot scale-out (launches pending) is not matched with on-demand', () => {
    const ds = run([
      ...repeat(6, { desired: 6, inService: 4, failures: 1 }), // engages 2
      ...repeat(3, { desired: 10, inService: 4, pending: 4 }), // target tracking scales out; spot launches
      ...repeat(5, { desired: 10, inService: 8 }),
    ]);
    expect(ds[5]).toMatchObject({ action: 'engage', desiredFallback: 2 });
    expect(desiredOf(ds.slice(6))).toEqual(new Array(8).fill(2));
    expect(ds[6].reason).toBe('spot still short 2; fallback holds 2 (main group serving 4 + 4 pending of desired 10 capacity units)');
  });

  test('while engaged, a larger shortfall without failed launches since the last growth waits engageAfter', () => {
    const ds = run([...repeat(6, { desired: 6, inService: 4, failures: 1 }), ...repeat(6, { desired: 8, inService: 4 })]);
    expect(desiredOf(ds.slice(5))).toEqual([2, 2, 2, 2, 2, 2, 4]);
    expect(ds[6]).toMatchObject({ action: 'hold', desiredFallback: 2 });
    expect(ds[6].reason).toBe(
      "spot short 4, more than the fallback's 2 instance(s) cover, for 0s with no failed launch since the fallback last grew; " +
      'it grows after 5m 0s (main group serving 4 of desired 8 capacity units)',
    );
    expect(ds[11]).toMatchObject({ action: 'grow', desiredFallback: 4 });
    expect(ds[11].reason).toBe(
      'spot still short 4, no failed launch since the fallback last grew, but for 5m 0s (rule: 5m 0s); fallback grows 2 -> 4 ' +
      '(main group serving 4 of desired 8 capacity units)',
    );
  });

  test('while engaged, a failed launch since the last growth lets the fallback grow at once', () => {
    const ds = run([...repeat(6, { desired: 6, inService: 4, failures: 1 }), { desired: 8, inService: 4 }, { desired: 8, inService: 4, failures: 1 }]);
    expect(ds[6]).toMatchObject({ action: 'hold', desiredFallback: 2 });
    expect(ds[7]).toMatchObject({ action: 'grow', desiredFallback: 4 });
    expect(ds[7].state.failuresSinceGrowth).toBe(0);
    expect(ds[7].state.growthWantedSince).toBeUndefined();
  });

  test('the failures that engaged the fallback do not count for a later growth', () => {
    const ds = run([...repeat(6, { desired: 6, inService: 4, failures: 1 }), { desired: 8, inService: 4 }]);
    expect(ds[5].state.failuresSinceGrowth).toBe(0);
    expect(ds[6].action).toBe('hold');
    expect(ds[6].state).toMatchObject({ failuresSinceGrowth: 0, growthWantedSince: 6 * MIN });
  });
});

describe('decideFallback: standby', () => {
  test('spot covering the group holds at zero and says so', () => {
    const [d] = run([{ desired: 4, inService: 4 }]);
    expect(d).toMatchObject({ action: 'hold', desiredFallback: 0, shortfall: 0, neededInstances: 0, capped: false });
    expect(d.reason).toBe('spot covers the group (main group serving 4 of desired 4 capacity units); no fallback');
    expect(d.state.mode).toBe('standby');
  });

  test('a shortfall that clears before engageAfter (normal launch latency) never engages', () => {
    const ds = run([...repeat(4, { desired: 4, inService: 2, failures: 1 }), { desired: 4, inService: 4 }, ...repeat(4, { desired: 4, inService: 2, failures: 1 })]);
    expect(desiredOf(ds)).toEqual(new Array(9).fill(0));
    // The streak restarted at minute 5, failures counted from there.
    expect(ds[8].state.troubleSince).toBe(5 * MIN);
    expect(ds[8].state.failuresInStreak).toBe(4);
  });

  test('a shortfall without failed launches waits engageWithoutFailuresAfter, not engageAfter', () => {
    const ds = run(repeat(16, { desired: 3, inService: 1 }));
    expect(ds[14].action).toBe('hold');
    expect(ds[14].reason).toContain('fallback engages after 15m 0s');
    expect(ds[15].action).toBe('engage');
    expect(ds[15].desiredFallback).toBe(2);
    expect(ds[15].reason).toContain('with 0 failed launch(es) (rule: 15m 0s)');
  });

  test('failures later in a streak switch it to the shorter rule, counted from the streak start', () => {
    const ds = run([...repeat(5, { desired: 3, inService: 1 }), { desired: 3, inService: 1, failures: 1 }]);
    expect(ds[5].action).toBe('engage');
    expect(ds[5].state.failuresInStreak).toBe(1);
  });

  test('failures with no shortfall (another AZ or type launched) do not count', () => {
    const ds = run(repeat(10, { desired: 3, inService: 3, failures: 3 }));
    expect(desiredOf(ds)).toEqual(new Array(10).fill(0));
    expect(ds[9].state.failuresInStreak).toBe(0);
  });

  test('in-service above desired (scale-in under way) is no shortfall', () => {
    const [d] = run([{ desired: 2, inService: 5 }]);
    expect(d.shortfall).toBe(0);
  });
});

describe('decideFallback: engaged', () => {
  const outage = repeat(6, { desired: 6, inService: 4, failures: 1 }); // engages 2 at minute 5

  test('grows at once when the shortfall grows', () => {
    const ds = run([...outage, { desired: 6, inService: 3, failures: 1 }]);
    expect(ds[5].desiredFallback).toBe(2);
    expect(ds[6]).toMatchObject({ action: 'grow', desiredFallback: 3, previousFallback: 2 });
    expect(ds[6].reason).toBe(
      'spot still short 3, 1 failed launch(es) since the fallback last grew (this run: InsufficientInstanceCapacity x1); ' +
      'fallback grows 2 -> 3 (main group serving 3 of desired 6 capacity units)',
    );
  });

  test('holds while spot stays short and says so', () => {
    const ds = run([...outage, { desired: 6, inService: 4 }]);
    expect(ds[6]).toMatchObject({ action: 'hold', desiredFallback: 2 });
    expect(ds[6].reason).toBe('spot still short 2; fallback holds 2 (main group serving 4 of desired 6 capacity units)');
  });

  test('holds while spot recovers, until spot has covered the group for releaseAfter', () => {
    const ds = run([...outage, ...repeat(18, { desired: 6, inService: 6 })]);
    expect(ds[6].reason).toBe(
      'spot covers the group but the fallback holds 2 until spot has covered it for 15m 0s (main group serving 6 of desired 6 capacity units)',
    );
    expect(ds[20].desiredFallback).toBe(2);
    expect(ds[21]).toMatchObject({ action: 'shrink', desiredFallback: 1, handbackUnits: 1 });
    expect(ds[22]).toMatchObject({ action: 'release', desiredFallback: 0, handbackUnits: 1 });
    expect(ds[22].state).toMatchObject({ mode: 'standby', desiredFallback: 0, failuresInStreak: 0 });
    expect(ds[23]).toMatchObject({ action: 'hold', desiredFallback: 0, handbackUnits: 0 });
  });

  test('a partial recovery shrinks to the largest need of the release window, not below', () => {
    const ds = run([...outage, { desired: 6, inService: 3, failures: 1 }, ...repeat(20, { desired: 6, inService: 5 })]);
    expect(ds[6].desiredFallback).toBe(3);
    expect(desiredOf(ds).slice(7, 22)).toEqual(new Array(15).fill(3));
    expect(ds[22]).toMatchObject({ action: 'shrink', desiredFallback: 2, previousFallback: 3, handbackUnits: 1 });
    expect(ds[22].reason).toBe(
      'spot has covered all but 1 instance(s) of it for 15m 0s; fallback shrinks 3 -> 2 (one instance per run, towards 1), ' +
      'handing 1 capacity unit(s) back to the main group (main group serving 5 of desired 6 capacity units)',
    );
    expect(ds[23]).toMatchObject({ action: 'shrink', desiredFallback: 1, previousFallback: 2, handbackUnits: 1 });
    expect(ds[23].reason).toBe(
      'spot has covered all but 1 instance(s) of it for 15m 0s; fallback shrinks 2 -> 1, ' +
      'handing 1 capacity unit(s) back to the main group (main group serving 5 of desired 6 capacity units)',
    );
    expect(ds.slice(24).map((d) => d.action)).toEqual(['hold', 'hold', 'hold']);
  });

  test('a drop of the main group to zero (scale-to-zero, kill switch) releases at once', () => {
    const ds = run([...outage, { desired: 0, inService: 0 }]);
    expect(ds[6]).toMatchObject({ action: 'release', desiredFallback: 0, handbackUnits: 0 });
    expect(ds[6].reason).toBe(
      'the main group now wants only 0 capacity units; fallback released 2 -> 0 at once (main group serving 0 of desired 0 capacity units)',
    );
  });

  test('a scale-in of the main group shrinks the fallback to what the group still wants', () => {
    const ds = run([...repeat(6, { desired: 6, inService: 2, failures: 1 }), { desired: 2, inService: 0, failures: 1 }]);
    expect(ds[5].desiredFallback).toBe(4);
    expect(ds[6]).toMatchObject({ action: 'shrink', desiredFallback: 2 });
    expect(ds[6].reason).toContain('the main group now wants only 2 capacity units; fallback shrinks 4 -> 2');
  });
});

describe('decideFallback: the cap', () => {
  test('engaging never goes above maxFallbackInstances and says it was capped', () => {
    const ds = run(repeat(6, { desired: 10, inService: 2, failures: 1 }));
    expect(ds[5]).toMatchObject({ action: 'engage', desiredFallback: 4, neededInstances: 8, capped: true });
    expect(ds[5].reason).toContain('adding 4 on-demand instance(s), capped at maxFallbackInstances 4 (needed 8)');
  });

  test('growing stops at the cap and holding at it reports the cap', () => {
    const ds = run([...repeat(6, { desired: 10, inService: 7, failures: 1 }), { desired: 10, inService: 2, failures: 1 }, { desired: 10, inService: 1 }]);
    expect(ds[5].desiredFallback).toBe(3);
    expect(ds[6]).toMatchObject({ action: 'grow', desiredFallback: 4, capped: true });
    expect(ds[6].reason).toContain('fallback grows 3 -> 4, capped at maxFallbackInstances 4');
    expect(ds[7]).toMatchObject({ action: 'hold', desiredFallback: 4, capped: true });
    expect(ds[7].reason).toContain('fallback holds 4, capped at maxFallbackInstances 4');
  });

  test('a lower cap after a redeploy shrinks a running fallback to it', () => {
    const engaged = run(repeat(6, { desired: 6, inService: 2, failures: 1 }));
    const [d] = run([{ desired: 6, inService: 2 }], { ...CONFIG, maxFallbackInstances: 1 }, engaged[5].state);
    expect(d).toMatchObject({ action: 'shrink', desiredFallback: 1, capped: true });
    expect(d.reason).toContain('maxFallbackInstances is 1; fallback shrinks 4 -> 1');
  });

  test('no timeline of any shape takes the fallback above the cap or above the group demand', () => {
    // Deterministic pseudo-random timelines (LCG), 200 of 120 minutes.
    let seed = 42;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const violations: string[] = [];
    for (let k = 0; k < 200; k++) {
      const steps = Array.from({ length: 120 }, () => {
        const desired = Math.floor(rnd() * 12);
        return { desired, inService: Math.floor(rnd() * (desired + 1)), failures: rnd() < 0.5 ? Math.floor(rnd() * 4) : 0 };
      });
      run(steps).forEach((d, i) => {
        if (d.desiredFallback > CONFIG.maxFallbackInstances || d.desiredFallback > steps[i].desired || d.desiredFallback < 0) {
          violations.push(`timeline ${k} minute ${i}: ${d.desiredFallback} (desired ${steps[i].desired})`);
        }
      });
    }
    expect(violations).toEqual([]);
  });
});

describe('decideFallback: flapping input', () => {
  test('a shortfall that comes and goes every minute never engages', () => {
    const steps = Array.from({ length: 60 }, (_, i) => (i % 2 === 0 ? { desired: 6, inService: 3, failures: 2 } : { desired: 6, inService: 6 }));
    expect(changes(run(steps))).toBe(0);
  });

  test('once engaged, flapping spot keeps the fallback steady instead of following it', () => {
    const steps = [
      ...repeat(6, { desired: 6, inService: 3, failures: 1 }),
      ...Array.from({ length: 60 }, (_, i) => (i % 3 === 0 ? { desired: 6, inService: 3, failures: 1 } : { desired: 6, inService: 6 })),
    ];
    const ds = run(steps);
    expect(changes(ds)).toBe(1);
    expect(ds[ds.length - 1].desiredFallback).toBe(3);
  });

  test('each change of the fallback is at least releaseAfter after the previous shrink point', () => {
    // Need oscillates 0/4 with a 20-minute period: engage, hold through, release only after 15 quiet minutes.
    const steps = Array.from({ length: 200 }, (_, i) => (i % 40 < 20 ? { desired: 6, inService: 2, failures: 1 } : { desired: 6, inService: 6 }));
    const ds = run(steps);
    const at = ds.map((d, i) => (d.desiredFallback !== d.previousFallback ? i : -1)).filter((i) => i >= 0);
    expect(at).toEqual([5, 35, 36, 37, 38, 45, 75, 76, 77, 78, 85, 115, 116, 117, 118, 125, 155, 156, 157, 158, 165, 195, 196, 197, 198]);
    expect(ds.filter((d) => d.action === 'release').length).toBe(5);
  });
});

describe('decideFallback: weighted groups', () => {
  test('a shortfall in GPUs is covered by enough instances of the smallest weight', () => {
    const ds = run(repeat(6, { desired: 8, inService: 3, failures: 1 }), { ...CONFIG, unitsPerInstance: 4 });
    expect(ds[5]).toMatchObject({ action: 'engage', desiredFallback: 2, neededInstances: 2, shortfall: 5 });
  });

  test('a weighted fallback group is sized in capacity units, capped at maxFallbackInstances times the smallest weight', () => {
    const weighted = { ...CONFIG, unitsPerInstance: 2, fallbackWeighted: true };
    const ds = run(repeat(6, { desired: 16, inService: 4, failures: 1 }), weighted);
    expect(ds[5]).toMatchObject({ action: 'engage', desiredFallback: 8, neededInstances: 12, shortfall: 12, capped: true });
    expect(ds[5].reason).toBe(
      'short 12 for 5m 0s with 6 failed launch(es) (this run: InsufficientInstanceCapacity x1) (rule: 5m 0s); ' +
      'adding 8 on-demand capacity unit(s), capped at maxFallbackInstances 4 (8 capacity units at the smallest weight 2) (needed 12) ' +
      '(main group serving 4 of desired 16 capacity units)',
    );
    // Not over-provisioned: a 5-unit shortfall asks for 5 units, not ceil(5 / 2) = 3 instances of up to 4 units each.
    const small = run(repeat(6, { desired: 9, inService: 4, failures: 1 }), weighted);
    expect(small[5]).toMatchObject({ action: 'engage', desiredFallback: 5 });
  });

  test('a weighted fallback hands back one smallest instance (its weight in units) per run', () => {
    const weighted = { ...CONFIG, unitsPerInstance: 2, fallbackWeighted: true };
    const ds = run([...repeat(6, { desired: 9, inService: 4, failures: 1 }), ...repeat(19, { desired: 9, inService: 9 })], weighted);
    expect(ds.slice(20).map((d) => [d.desiredFallback, d.handbackUnits])).toEqual([[5, 0], [3, 2], [1, 2], [0, 1], [0, 0]]);
  });

  test('fractional capacity is shown with two decimals', () => {
    const [d] = run([{ desired: 2.5, inService: 1 }]);
    expect(d.reason).toContain('short 1.50 for 0s');
  });
});

describe('decideFallback: state', () => {
  test('the release window keeps only the change points that still matter', () => {
    const ds = run([...repeat(6, { desired: 6, inService: 2, failures: 1 }), ...repeat(30, { desired: 6, inService: 6 })]);
    expect(ds[5].state.window).toEqual([[0, 4]]);
    expect(ds[6].state.window).toEqual([[0, 4], [6 * MIN, 0]]);
    expect(ds[35].state.window).toEqual([[6 * MIN, 0]]);
  });

  test('the counted failure ids are carried through', () => {
    const [d] = run([{ desired: 1, inService: 1 }], CONFIG, { ...INITIAL_STATE, countedFailureIds: ['a-1', 'a-2'] });
    expect(d.state.countedFailureIds).toEqual(['a-1', 'a-2']);
  });

  test('a lost state rebuilt from a running fallback group holds it for a full release window', () => {
    const start = stateFromGroup(3, 0);
    expect(start).toEqual({ version: 1, mode: 'engaged', desiredFallback: 3, failuresInStreak: 0, window: [[0, 3]] });
    const ds = run(repeat(18, { desired: 6, inService: 6 }), CONFIG, start);
    expect(ds[14].desiredFallback).toBe(3);
    expect(desiredOf(ds.slice(15))).toEqual([2, 1, 0]);
    expect(ds[17]).toMatchObject({ action: 'release', desiredFallback: 0 });
    expect(stateFromGroup(0, 0)).toBe(INITIAL_STATE);
  });
});

describe('fallbackConfigProblems', () => {
  test('a valid config has none', () => {
    expect(fallbackConfigProblems(CONFIG)).toEqual([]);
  });

  test('every rule is named with its value', () => {
    expect(fallbackConfigProblems({
      engageAfterMs: 30_000,
      engageWithoutFailuresAfterMs: 0,
      releaseAfterMs: 121 * MIN,
      maxFallbackInstances: 0,
      unitsPerInstance: 0,
    })).toEqual([
      'engageAfter (30s) must be whole minutes from 1 to 120: the controller runs once a minute',
      'engageWithoutFailuresAfter (0s) must be whole minutes from 1 to 120: the controller runs once a minute',
      'releaseAfter (121m 0s) must be whole minutes from 1 to 120: the controller runs once a minute',
      'engageWithoutFailuresAfter (0s) must be >= engageAfter (30s): failed launches are the stronger evidence',
      'maxFallbackInstances (0) must be a whole number from 1 to 1000; leave the fallback out to disable it',
      'unitsPerInstance (0) must be a number > 0 (the smallest instance type weight, 1 when unweighted)',
    ]);
    expect(fallbackConfigProblems({ ...CONFIG, releaseAfterMs: 2 * MIN, maxFallbackInstances: 2.5 })).toEqual([
      'releaseAfter (2m 0s) must be >= engageAfter (5m 0s): releasing faster than engaging makes the fallback flap',
      'maxFallbackInstances (2.5) must be a whole number from 1 to 1000; leave the fallback out to disable it',
    ]);
  });

  test('durations print as minutes and seconds', () => {
    expect(duration(90_500)).toBe('1m 31s');
    expect(duration(-5)).toBe('0s');
  });
});
