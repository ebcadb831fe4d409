import type { InstanceOffering, OnDemandPrice, SpotPrice, UnitPrice } from '../types';
import { AwsClients, pricingApiRegionFor } from './aws-clients';
import { mapPool, withDeadline } from './concurrency';
import type { LookupContext } from './context';
import { PricingLookupError, describeError } from './errors';
import { describeOfferings } from './preflight';
import { UNIT_QUERIES, UnitQuery, getAllProducts, onDemandInstanceFilters, parsePriceList } from './price-list';
import type { RegionRequest } from './requests';
import { describeSpotHistory, spotStatistics } from './spot-history';

/** Which parts to ask for: on-demand covers instance prices, unit prices and offerings (all slow-moving). */
export interface LivePartsWanted {
  readonly onDemand: boolean;
  readonly spot: boolean;
}

export interface LiveRegionResult {
  readonly region: string;
  readonly onDemand?: { prices: OnDemandPrice[]; units: UnitPrice[]; offerings: InstanceOffering[] };
  readonly spot?: { prices: SpotPrice[] };
}

/** The lookup context's settings `lookUpLive` reads (the context satisfies them), plus the clients. */
export type LiveOptions = Pick<LookupContext, 'now' | 'concurrency' | 'timeoutMs' | 'spotLookbackDays' | 'calls' | 'warn'> & {
  readonly clients: AwsClients;
};

const day = (d: Date) => d.toISOString().slice(0, 10);

/** Groups unit queries that share a product query (NAT hours and NAT GB come from one answer). */
function unitGroups(): UnitQuery[][] {
  const groups = new Map<string, UnitQuery[]>();
  for (const q of UNIT_QUERIES) {
    const key = `${q.serviceCode} ${JSON.stringify(q.filters('REGION'))}`;
    groups.set(key, [...(groups.get(key) ?? []), q]);
  }
  return [...groups.values()];
}

type Task = { label: string; run: (signal: AbortSignal) => Promise<void> };

/**
 * Asks AWS for the wanted parts of every region, all lookups at once through a bounded pool. Every failure is
 * collected and thrown together as one PricingLookupError; nothing is filled in with a guess.
 */
export async function lookUpLive(
  regions: readonly RegionRequest[],
  wanted: ReadonlyMap<string, LivePartsWanted>,
  options: LiveOptions,
): Promise<LiveRegionResult[]> {
  const { clients, calls, warn } = options;
  const problems: string[] = [];
  const tasks: Task[] = [];
  const results = new Map<string, { onDemand: OnDemandPrice[]; units: UnitPrice[]; offerings: InstanceOffering[]; spot: SpotPrice[] }>();
  const end = options.now;
  const start = new Date(end.getTime() - options.spotLookbackDays * 86_400_000);

  for (const r of regions) {
    const want = wanted.get(r.region) ?? { onDemand: true, spot: true };
    const acc = { onDemand: [] as OnDemandPrice[], units: [] as UnitPrice[], offerings: [] as InstanceOffering[], spot: [] as SpotPrice[] };
    results.set(r.region, acc);
    const pricingEndpoint = pricingApiRegionFor(r.region);
    if (want.onDemand) {
      for (const type of r.instanceTypes) {
        tasks.push({
          label: `Pricing GetProducts (AmazonEC2 ${type} ${r.region}, on-demand Linux)`,
          run: async (signal) => {
            const entries = await getAllProducts(clients.pricingFor(r.region), 'AmazonEC2', onDemandInstanceFilters(type, r.region), signal, () => calls.getProducts++);
            const parsed = parsePriceList(entries, `GetProducts AmazonEC2 ${type} ${r.region}`);
            parsed.problems.forEach((p) => warn(`pricing: ${p}`));
            const hourly = parsed.prices.filter((p) => p.unit === 'Hrs' && p.usdPerUnit > 0);
            if (hourly.length === 0) {
              problems.push(
                `pricing: the AWS Price List has no on-demand Linux price for ${type} in ${r.region} ` +
                  `(GetProducts returned ${entries.length} product(s), ${parsed.problems.length} unreadable); ` +
                  `check the type exists in ${r.region}, or remove it from the fleet's instanceTypes`,
              );
              return;
            }
            const distinct = [...new Set(hourly.map((p) => p.usdPerUnit))].sort((a, b) => b - a);
            if (distinct.length > 1) {
              warn(`pricing: the AWS Price List has ${distinct.length} on-demand prices for ${type} in ${r.region} (${distinct.join(', ')} USD/h); using the highest`);
            }
            const chosen = hourly.find((p) => p.usdPerUnit === distinct[0])!;
            acc.onDemand.push({
              instanceType: type,
              region: r.region,
              usdPerHour: chosen.usdPerUnit,
              source: 'live',
              validOn: chosen.validOn,
              origin: `AWS Price List API GetProducts (AmazonEC2, sku ${chosen.sku}, via ${pricingEndpoint})`,
            });
          },
        });
      }
      for (const group of unitGroups()) {
        const first = group[0];
        tasks.push({
          label: `Pricing GetProducts (${first.serviceCode} ${group.map((q) => q.resource).join('/')} ${r.region})`,
          run: async (signal) => {
            const entries = await getAllProducts(clients.pricingFor(r.region), first.serviceCode, first.filters(r.region), signal, () => calls.getProducts++);
            const parsed = parsePriceList(entries, `GetProducts ${first.serviceCode} ${r.region}`);
            parsed.problems.forEach((p) => warn(`pricing: ${p}`));
            for (const q of group) {
              // Tiered prices (SQS's free first million, Lambda's volume tiers): the first paid tier, so a
              // free tier never prices a component at $0.
              const paid = parsed.prices
                .filter((p) => q.accept(p.attributes) && p.usdPerUnit > 0)
                .sort((a, b) => a.beginRange - b.beginRange);
              if (paid.length === 0) {
                problems.push(
                  `pricing: the AWS Price List has no ${q.resource} price in ${r.region} ` +
                    `(${first.serviceCode}, ${entries.length} product(s) matched the filters); ` +
                    'use -c pricing=snapshot, or report the changed Price List attributes',
                );
                continue;
              }
              acc.units.push({
                resource: q.resource,
                region: r.region,
                usdPerUnit: paid[0].usdPerUnit,
                unit: q.unit,
                source: 'live',
                validOn: paid[0].validOn,
                origin: `AWS Price List API GetProducts (${first.serviceCode}, sku ${paid[0].sku}, via ${pricingEndpoint})`,
              });
            }
          },
        });
      }
      tasks.push({
        label: `EC2 DescribeInstanceTypeOfferings/DescribeInstanceTypes (${r.region})`,
        run: async (signal) => {
          const out = await describeOfferings(
            clients.ec2For(r.region), r.region, r.instanceTypes, r.availabilityZones, signal,
            () => calls.describeInstanceTypeOfferings++, () => calls.describeInstanceTypes++,
          );
          out.problems.forEach((p) => warn(`pricing: ${p}`));
          acc.offerings.push(...out.offerings.map((o) => ({ ...o, origin: 'EC2 DescribeInstanceTypeOfferings + DescribeInstanceTypes', validOn: day(end) })));
        },
      });
    }
    if (want.spot) {
      tasks.push({
        label: `EC2 DescribeSpotPriceHistory (${r.region}, ${r.instanceTypes.join(', ')})`,
        run: async (signal) => {
          const out = await describeSpotHistory(
            clients.ec2For(r.region),
            { instanceTypes: r.instanceTypes, availabilityZones: r.availabilityZones, start, end },
            signal,
            () => calls.describeSpotPriceHistory++,
          );
          out.problems.forEach((p) => warn(`pricing: ${p}`));
          for (const type of r.instanceTypes) {
            for (const az of r.availabilityZones) {
              const stats = spotStatistics(out.points.filter((p) => p.instanceType === type && p.availabilityZone === az), start, end);
              if (!stats) continue;
              acc.spot.push({
                instanceType: type,
                region: r.region,
                availabilityZone: az,
                ...stats,
                source: 'live',
                validOn: day(end),
                origin: `EC2 DescribeSpotPriceHistory (Linux/UNIX, ${options.spotLookbackDays} days to ${end.toISOString().slice(0, 16)}Z, time-weighted)`,
              });
            }
          }
        },
      });
    }
  }

  const settled = await mapPool(tasks, options.concurrency, (t) => withDeadline(t.label, options.timeoutMs, t.run));
  settled.forEach((s, i) => {
    if (s.status === 'rejected') {
      problems.push(s.reason instanceof PricingLookupError ? s.reason.problems.join('; ') : `pricing: ${tasks[i].label} failed: ${describeError(s.reason)}`);
    }
  });
  if (problems.length > 0) throw new PricingLookupError(problems);

  return regions.map((r) => {
    const want = wanted.get(r.region) ?? { onDemand: true, spot: true };
    const acc = results.get(r.region)!;
    return {
      region: r.region,
      ...(want.onDemand ? { onDemand: { prices: acc.onDemand, units: acc.units, offerings: acc.offerings } } : {}),
      ...(want.spot ? { spot: { prices: acc.spot } } : {}),
    };
  });
}
