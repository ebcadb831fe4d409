import { quantity, unitPrice } from '../format';
import type { PriceBook } from '../price-book';
import type { UnitPrice, UnitResource } from '../types';
import type { FleetShape, RootVolumeRate } from './fleet-shape';
import type { ChurnFigures } from './interruption';
import { requireUnit, validUnit } from './prices';
import { CostComponent, CostComponentId, CostModelEnvironment, EstimateNotes, SmallPartsUsage } from './types';

/** Hours the estimate spans: the fleet's, and an always-on resource's (NAT, alarms). */
export interface EstimateHours {
  readonly fleet: number;
  readonly alwaysOn: number;
}

export interface PricedComponents {
  readonly components: readonly CostComponent[];
  /** Unit prices the components used, in order (a price may appear twice; the report lists it once). */
  readonly units: readonly UnitPrice[];
  /** Root volume USD per instance-hour (gp3 is billed per GB-month); 0 when gp3 is not priced (see `notPriced`). */
  readonly ebsPerInstanceHour: number;
  /** The same with its basis; null when gp3 is not priced. */
  readonly rootVolume: RootVolumeRate | null;
  /** Lines left out for want of a price, e.g. `NAT gateways (1)`: the report lists them under "Not priced". */
  readonly notPriced: readonly string[];
}

/**
 * The estimate's lines: instances (on-demand base, on-demand burst, spot burst), root volumes, NAT gateways and the
 * small parts. Throws `CostModelError` when gp3 or (with created NAT gateways) NAT has no usable price; a small part
 * without a price is left out with a warning.
 */
export function costComponents(
  env: CostModelEnvironment,
  shape: FleetShape,
  book: PriceBook,
  hours: EstimateHours,
  smallParts: SmallPartsUsage,
  notes: EstimateNotes,
  churn: Pick<ChurnFigures, 'expectedUsd' | 'lowUsd' | 'highUsd' | 'basis'>,
): PricedComponents {
  const f = env.fleet;
  const H = hours.fleet;
  const { base, baseInstances, unitWord } = shape;
  const components: CostComponent[] = [];
  const fixed = (id: CostComponentId, label: string, monthly: number, basis: string) =>
    components.push({ id, label, monthlyUsd: monthly, lowUsd: monthly, highUsd: monthly, basis });

  const baseOd = shape.baseOnDemand.usdPerHour;
  fixed('on-demand-base', 'On-demand base', baseInstances * baseOd * H, `${baseInstances} x ${base.name} x ${unitPrice(baseOd)}/h x ${quantity(H)} h`);
  if (shape.onDemandBurstUnits > 0) {
    fixed(
      'on-demand-burst',
      'On-demand above base',
      shape.onDemandBurstUnits * shape.onDemandPerUnit * H,
      `${quantity(shape.onDemandBurstUnits)} ${unitWord}s x ${unitPrice(shape.onDemandPerUnit)}/${unitWord}-h (${base.name}) x ${quantity(H)} h`,
    );
  }
  if (shape.hasSpot) {
    components.push({
      id: 'spot-burst',
      label: 'Spot burst',
      monthlyUsd: shape.spotUnits * shape.spotExpectedPerUnit * H,
      lowUsd: shape.spotUnits * shape.spotLowPerUnit * H,
      highUsd: shape.spotUnits * shape.spotHighPerUnit * H,
      basis:
        `${quantity(shape.spotUnits)} ${unitWord}s x ${unitPrice(shape.spotExpectedPerUnit)}/${unitWord}-h ` +
        `(p50 over ${shape.favoured.length} favoured pools) x ${quantity(H)} h`,
    });
    components.push({ id: 'spot-churn', label: 'Spot churn (interruptions)', monthlyUsd: churn.expectedUsd, lowUsd: churn.lowUsd, highUsd: churn.highUsd, basis: churn.basis });
  }

  const units: UnitPrice[] = [];
  const notPriced: string[] = [];
  // A table without a traced price for a line (the committed snapshot has unit prices for us-east-1 only) leaves the
  // line out and names it: the lookup's rules make these prices required whenever they come from AWS or the cache.
  // One warning for all of them (estimate.ts), so a snapshot without unit prices does not print five.
  const leftOut = (label: string, _resource: UnitResource) => {
    notPriced.push(label);
  };
  const gp3 = book.unit('ebs-gp3-gb-month') ? requireUnit(env, book, 'ebs-gp3-gb-month') : undefined;
  const instanceHours = shape.instancesRunning * H;
  if (gp3) {
    units.push(gp3);
    fixed(
      'ebs',
      'EBS gp3 root volumes',
      (f.rootVolumeGiB * gp3.usdPerUnit * instanceHours) / hours.alwaysOn,
      `${f.rootVolumeGiB} GiB x ${unitPrice(gp3.usdPerUnit)}/GB-month x ${quantity(instanceHours)} instance-h / ${hours.alwaysOn} h`,
    );
  } else leftOut('EBS gp3 root volumes', 'ebs-gp3-gb-month');

  const natGateways = f.existingVpc ? 0 : f.natGateways;
  if (f.existingVpc) {
    notes.assumptions.push('Existing VPC: its NAT gateways are not this stack\'s cost and are left out.');
  } else if (natGateways > 0) {
    const nat = book.unit('nat-gateway-hour') ? requireUnit(env, book, 'nat-gateway-hour') : undefined;
    if (nat) {
      units.push(nat);
      // NAT gateways are not scheduled: they run every hour of the month.
      fixed('nat-gateway', 'NAT gateways', natGateways * nat.usdPerUnit * hours.alwaysOn, `${natGateways} x ${unitPrice(nat.usdPerUnit)}/h x ${hours.alwaysOn} h`);
    } else leftOut(`NAT gateways (${natGateways})`, 'nat-gateway-hour');
    notes.assumptions.push('NAT data processing (per GB) is not estimated: it depends on traffic (model downloads, images).');
  }

  const small = (id: CostComponentId, label: string, parts: [UnitResource, number, string, string?][]) => {
    let total = 0;
    const basis: string[] = [];
    for (const [resource, qty, qtyWord, rateNote] of parts) {
      const p = book.unit(resource);
      if (!p) {
        notPriced.push(label);
        return;
      }
      validUnit(env, p);
      units.push(p);
      total += qty * p.usdPerUnit;
      basis.push(`${quantity(qty)} ${qtyWord} x ${unitPrice(p.usdPerUnit)}${rateNote ? ` ${rateNote}` : ''}`);
    }
    fixed(id, label, total, basis.join(' + '));
  };
  small('cloudwatch-alarms', 'CloudWatch alarms', [['cloudwatch-alarm-month', smallParts.cloudwatchAlarms, 'alarm metrics']]);
  small('lambda', 'Lambda', [
    ['lambda-request', smallParts.lambdaRequestsPerMonth, 'requests'],
    lambdaDuration(smallParts, book, notes),
  ]);
  small('sqs', 'SQS', [['sqs-request', smallParts.sqsRequestsPerMonth, 'requests']]);

  const ebsPerInstanceHour = gp3 ? (f.rootVolumeGiB * gp3.usdPerUnit) / hours.alwaysOn : 0;
  const rootVolume = gp3
    ? { usdPerInstanceHour: ebsPerInstanceHour, basis: `${f.rootVolumeGiB} GiB x ${unitPrice(gp3.usdPerUnit)}/GB-month / ${hours.alwaysOn} h = ${unitPrice(ebsPerInstanceHour)}/h` }
    : null;
  return { components, units, notPriced, ebsPerInstanceHour, rootVolume };
}

/** The instance lines: what the fleet's hours and spot share move. */
export const INSTANCE_COMPONENTS: readonly CostComponentId[] = ['on-demand-base', 'on-demand-burst', 'spot-burst', 'spot-churn'];

/** What the Lambda line's basis says when arm64 duration is priced at the x86 rate. */
export const X86_RATE_NOTE = 'x86 rate (no Arm price in the price table)';

/**
 * Which duration price the functions' GB-seconds take: Arm's for arm64 functions (Arm duration is billed under its
 * own usage type, about 20% below x86: https://aws.amazon.com/lambda/pricing/), else x86's. Without an Arm price
 * in the table, arm64 duration is priced at the x86 rate, an upper bound, and the basis and a warning say so.
 */
function lambdaDuration(smallParts: SmallPartsUsage, book: PriceBook, notes: EstimateNotes): [UnitResource, number, string, string?] {
  const gbs = smallParts.lambdaGbSecondsPerMonth;
  if (smallParts.lambdaArchitecture !== 'arm64') return ['lambda-gb-second', gbs, 'GB-s'];
  if (book.unit('lambda-gb-second-arm')) return ['lambda-gb-second-arm', gbs, 'Arm GB-s'];
  if (book.unit('lambda-gb-second')) {
    notes.assumptions.push(`Lambda: the functions run on arm64; their duration is priced at the ${X86_RATE_NOTE}, so it errs high.`);
  }
  return ['lambda-gb-second', gbs, 'Arm GB-s', `(${X86_RATE_NOTE})`];
}
