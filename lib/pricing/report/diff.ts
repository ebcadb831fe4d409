import { estimateEnvironmentCost, PriceUsed } from '../estimate';
import { roundCents } from '../format';
import { BUCKET_LABELS } from '../types';
import type { InstanceOffering, InterruptionFrequency, OnDemandPrice, PriceTable, SpotPrice, UnitPrice, UnitResource } from '../types';
import type { CostReport, ReportEnvironment } from './model';
import { RiskDiff, riskDiff } from './risk';

/**
 * `cost:diff`: what a pull request changes, per environment and component, with the change split into what the
 * code did and what price movement did. The split re-prices the base report's fleet (it carries its inputs) with the
 * head report's prices: base-at-head-prices minus base is price movement, head minus base-at-head-prices is code.
 */

export interface ComponentDiff {
  readonly id: string;
  readonly label: string;
  /** null when the component is absent on that side. */
  readonly beforeUsd: number | null;
  readonly afterUsd: number | null;
  readonly changeUsd: number;
}

export interface EnvironmentDiff {
  readonly environment: string;
  readonly status: 'added' | 'removed' | 'changed' | 'unchanged';
  readonly beforeUsd: number | null;
  readonly afterUsd: number | null;
  readonly changeUsd: number;
  /** Change over base in percent; null when the environment is new or removed. */
  readonly changePercent: number | null;
  readonly budgetUsd: number | null;
  readonly components: readonly ComponentDiff[];
  /** The part of the change caused by price movement; null when it cannot be told (new/removed, or re-pricing failed). */
  readonly priceMovementUsd: number | null;
  /** The part caused by the code (config, fleet shape); null when it cannot be told. */
  readonly codeChangeUsd: number | null;
  /** Why the split is missing, or which base prices the head did not have. */
  readonly notes: readonly string[];
  /** Config changes that move cost or risk, and the worst case before and after. */
  readonly risk: RiskDiff;
  /** The endpoint's cost per 1,000 requests before and after (null: no endpoint, or it serves no hours). */
  readonly costPer1kRequests: { readonly beforeUsd: number | null; readonly afterUsd: number | null; readonly requestsPerSecondAfter: number | null };
}

export interface CostDiff {
  readonly environments: readonly EnvironmentDiff[];
  readonly beforeUsd: number;
  readonly afterUsd: number;
  readonly changeUsd: number;
  readonly priceMovementUsd: number | null;
  readonly codeChangeUsd: number | null;
}

/** Builds a price table from report price lines (only the parts the cost model reads). */
export function priceTableFromReport(prices: readonly PriceUsed[], offerings: readonly InstanceOffering[]): PriceTable {
  const onDemand: OnDemandPrice[] = [];
  const spot: SpotPrice[] = [];
  const units: UnitPrice[] = [];
  for (const p of prices) {
    const prov = { source: p.source, validOn: p.validOn, origin: p.origin };
    if (p.market === 'on-demand') onDemand.push({ instanceType: p.instanceType, region: p.region, usdPerHour: p.usdPerHour, ...prov });
    else if (p.market === 'spot') {
      spot.push({
        instanceType: p.instanceType, region: p.region, availabilityZone: p.availabilityZone, currentUsdPerHour: p.currentUsdPerHour,
        p50UsdPerHour: p.usdPerHour, p90UsdPerHour: p.p90UsdPerHour, samples: p.samples, ...prov,
      });
    } else units.push({ resource: p.resource as UnitResource, region: p.region, usdPerUnit: p.usdPerUnit, unit: p.unit, ...prov });
  }
  return { onDemand, spot, units, offerings };
}

const key = (p: PriceUsed) =>
  p.market === 'unit' ? `unit|${p.resource}|${p.region}` : p.market === 'spot' ? `spot|${p.instanceType}|${p.region}|${p.availabilityZone}` : `od|${p.instanceType}|${p.region}`;

/** Prices the base environment's fleet with the head's prices; base prices fill what the head lacks. */
function repriceBase(base: ReportEnvironment, head: CostReport): { expectedUsd: number; fallbacks: string[] } {
  const headPrices = new Map<string, PriceUsed>();
  for (const e of head.environments) for (const p of e.prices) if (!headPrices.has(key(p))) headPrices.set(key(p), p);
  const fallbacks: string[] = [];
  const merged: PriceUsed[] = [...headPrices.values()];
  for (const p of base.prices) {
    if (!headPrices.has(key(p))) {
      merged.push(p);
      fallbacks.push(key(p).split('|').slice(1).join(' '));
    }
  }
  // Offerings: the head's view where it has one for the type, else the base's.
  const headOfferings = head.environments.flatMap((e) => e.inputs.offerings);
  const offerings = base.inputs.offerings.map(
    (o) => headOfferings.find((h) => h.instanceType === o.instanceType && h.region === o.region) ?? o,
  );
  // Interruption buckets (they price the churn line): the head's for each type, else the base's.
  const interruption = new Map<string, InterruptionFrequency>();
  for (const env of [...head.environments, base]) {
    for (const p of env.spotPools ?? []) {
      const k = `${env.region} ${p.instanceType}`;
      const bucket = BUCKET_LABELS.indexOf(p.bucket as (typeof BUCKET_LABELS)[number]);
      if (bucket < 0 || interruption.has(k)) continue;
      interruption.set(k, {
        instanceType: p.instanceType, region: env.region, bucket, label: p.bucket!, savingsPercent: p.savingsVsOnDemandPercent ?? 0,
        source: 'snapshot', validOn: env.prices[0]?.validOn ?? '1970-01-01', origin: 'from the cost report',
      });
    }
  }
  const table = { ...priceTableFromReport(merged, offerings), interruption: [...interruption.values()] };
  const e = estimateEnvironmentCost(base.inputs.environment, table, {
    hoursPerMonth: base.inputs.hoursPerMonth,
    scheduleDescription: base.inputs.scheduleDescription,
    smallParts: base.inputs.smallParts,
    ...(base.inputs.capacityProfile ? { capacityProfile: base.inputs.capacityProfile } : {}),
  });
  return { expectedUsd: e.monthly.expectedUsd, fallbacks };
}

/** Compares two cost reports. */
export function diffCostReports(base: CostReport, head: CostReport): CostDiff {
  const names = [...head.environments.map((e) => e.environment)];
  for (const e of base.environments) if (!names.includes(e.environment)) names.push(e.environment);
  const environments = names.map((name): EnvironmentDiff => {
    const b = base.environments.find((e) => e.environment === name);
    const h = head.environments.find((e) => e.environment === name);
    const ids: { id: string; label: string }[] = [];
    for (const c of [...(b?.components ?? []), ...(h?.components ?? [])]) {
      if (!ids.some((x) => x.id === c.id)) ids.push({ id: c.id, label: c.label });
    }
    const components = ids.map(({ id, label }): ComponentDiff => {
      const before = b?.components.find((c) => c.id === id)?.monthlyUsd ?? null;
      const after = h?.components.find((c) => c.id === id)?.monthlyUsd ?? null;
      return { id, label, beforeUsd: before, afterUsd: after, changeUsd: roundCents((after ?? 0) - (before ?? 0)) };
    });
    const beforeUsd = b ? b.monthly.expectedUsd : null;
    const afterUsd = h ? h.monthly.expectedUsd : null;
    const changeUsd = roundCents((afterUsd ?? 0) - (beforeUsd ?? 0));
    const notes: string[] = [];
    let priceMovementUsd: number | null = null;
    let codeChangeUsd: number | null = null;
    if (b && h) {
      try {
        const r = repriceBase(b, head);
        priceMovementUsd = roundCents(roundCents(r.expectedUsd) - b.monthly.expectedUsd);
        codeChangeUsd = roundCents(changeUsd - priceMovementUsd);
        if (r.fallbacks.length) notes.push(`priced with the base's own price (the head has none): ${r.fallbacks.join(', ')}`);
      } catch (err) {
        notes.push(`could not re-price the base fleet with the head's prices, so the change is not split: ${(err as Error).message}`);
      }
    } else {
      notes.push(b ? 'environment removed by this change' : 'environment added by this change');
    }
    const risk = riskDiff(b, h);
    const costPer1kRequests = {
      beforeUsd: b?.endpoint?.costPer1kRequestsUsd ?? null,
      afterUsd: h?.endpoint?.costPer1kRequestsUsd ?? null,
      requestsPerSecondAfter: h?.endpoint?.requestsPerSecond ?? null,
    };
    const costUnchanged =
      changeUsd === 0 && components.every((c) => c.changeUsd === 0) && costPer1kRequests.beforeUsd === costPer1kRequests.afterUsd;
    return {
      environment: name,
      status: !b ? 'added' : !h ? 'removed' : costUnchanged && risk.changes.length === 0 && risk.worstCaseChangeUsd === 0 ? 'unchanged' : 'changed',
      risk,
      costPer1kRequests,
      beforeUsd,
      afterUsd,
      changeUsd,
      changePercent: b && h && beforeUsd! > 0 ? ((afterUsd! - beforeUsd!) / beforeUsd!) * 100 : null,
      budgetUsd: h ? h.budget.monthlyLimitUsd : null,
      components,
      priceMovementUsd,
      codeChangeUsd,
      notes,
    };
  });
  const total = (f: (e: EnvironmentDiff) => number | null) => roundCents(environments.reduce((a, e) => a + (f(e) ?? 0), 0));
  const split = environments.every((e) => e.status === 'added' || e.status === 'removed' || e.priceMovementUsd !== null);
  const priceMovementUsd = split ? total((e) => e.priceMovementUsd) : null;
  const changeUsd = total((e) => e.changeUsd);
  return {
    environments,
    beforeUsd: total((e) => e.beforeUsd),
    afterUsd: total((e) => e.afterUsd),
    changeUsd,
    priceMovementUsd,
    codeChangeUsd: priceMovementUsd === null ? null : roundCents(changeUsd - priceMovementUsd),
  };
}
