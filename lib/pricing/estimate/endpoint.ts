import { quantity, unitPrice, usd } from '../format';
import type { PriceBook } from '../price-book';
import type { UnitPrice, UnitResource } from '../types';
import type { EstimateHours } from './components';
import type { FleetShape } from './fleet-shape';
import type { ChurnFigures } from './interruption';
import { validUnit } from './prices';
import {
  CostComponent,
  CostModelEnvironment,
  EndpointEstimate,
  EndpointLine,
  EstimateNotes,
  LcuFigures,
  ServingCostInputs,
} from './types';

/**
 * The serving endpoint's lines: the load balancer's hours and LCUs at the expected load, the S3 gateway endpoint
 * (free), the ECR interface endpoints when configured, and the model and image downloads of every launch. Pure.
 * A line without a price in the table is named in `notPriced` (never $0): the snapshot holds only traced prices.
 */

/** What one LCU covers per dimension (EC2 targets). https://aws.amazon.com/elasticloadbalancing/pricing/ */
export const LCU_CAPACITY = {
  newConnectionsPerSecond: 25,
  activeConnectionsPerMinute: 3000,
  processedGbPerHour: 1,
  ruleEvaluationsPerSecond: 1000,
  /** Rule evaluations = requests x (rules processed - 10 free). */
  freeRules: 10,
} as const;

/**
 * Rules the endpoint's listener processes per request, at most: the /metrics 403 (ServingEndpoint.metricsBlockRule)
 * and, with `allowedPaths`, the rule forwarding them (ServingEndpoint.allowedPathsRule); the default action is not a
 * rule. Two at most (one with `allowedPaths` that cannot match /metrics, as staging's and prod's `/v1/*`), within the
 * 10 free, so still no rule-evaluation LCUs.
 */
const LISTENER_RULES = 2;
/** NAT and ALB bill decimal GB; model and image sizes are GiB. */
export const GB_PER_GIB = 1.073741824;
/** `ecr.api` and `ecr.dkr`, each billed per AZ it has an interface in. */
export const ECR_INTERFACE_ENDPOINTS = 2;
/** Assumption without a configured figure: a weekly image or model change, each replacing every running host. */
export const ROLLOUTS_PER_MONTH = 4;
/** Assumption without interruption data: spot replacements a month per spot instance running all month. */
export const REPLACEMENTS_PER_SPOT_INSTANCE = 4;

/**
 * The four dimensions of one hour at the expected load; the largest is billed. Active connections are the concurrent
 * ones (Little's law: each request holds its connection for `requestSeconds`), which for long, streamed model
 * answers can outgrow new connections when clients keep connections alive.
 */
export function lcuFigures(
  load: Pick<ServingCostInputs, 'requestsPerSecond' | 'bytesPerRequest' | 'requestsPerConnection' | 'requestSeconds'>,
): LcuFigures {
  const rps = load.requestsPerSecond;
  const dimensions: [LcuFigures['dimension'], number][] = [
    ['new connections', rps / load.requestsPerConnection / LCU_CAPACITY.newConnectionsPerSecond],
    ['active connections', (rps * load.requestSeconds) / LCU_CAPACITY.activeConnectionsPerMinute],
    ['processed bytes', (rps * load.bytesPerRequest * 3600) / 1e9 / LCU_CAPACITY.processedGbPerHour],
    ['rule evaluations', (rps * Math.max(0, LISTENER_RULES - LCU_CAPACITY.freeRules)) / LCU_CAPACITY.ruleEvaluationsPerSecond],
  ];
  const [dimension, perHour] = dimensions.reduce((a, b) => (b[1] > a[1] ? b : a));
  return {
    newConnections: dimensions[0][1],
    activeConnections: dimensions[1][1],
    processedBytes: dimensions[2][1],
    ruleEvaluations: dimensions[3][1],
    perHour,
    dimension,
  };
}

/** Launches a month and how they were counted. */
export function launchesPerMonth(
  s: ServingCostInputs,
  shape: FleetShape,
  churn: Pick<ChurnFigures, 'interruptionsPerMonth' | 'unknownBucketPools' | 'pricesDownload'>,
  hours: EstimateHours,
): { perMonth: number; basis: string[]; interruptions: number } {
  if (s.launchesPerMonth !== undefined) {
    return { perMonth: s.launchesPerMonth, basis: [`${quantity(s.launchesPerMonth)} (serving.expectedLoad.launchesPerMonth)`], interruptions: 0 };
  }
  const hosts = shape.instancesRunning;
  const hostsText = `${quantity(hosts)} host${hosts === 1 ? '' : 's'} running on average`;
  const basis: string[] = [];
  const scheduled = s.scheduledStartsPerMonth * hosts;
  if (s.scheduledStartsPerMonth > 0) {
    basis.push(`${quantity(scheduled)} at schedule starts (${quantity(s.scheduledStartsPerMonth)} starts a month x ${hostsText})`);
  }
  let interruptions = 0;
  if (shape.hasSpot && shape.spotUnits > 0) {
    if (churn.unknownBucketPools.length === 0) {
      interruptions = churn.interruptionsPerMonth;
      basis.push(`${quantity(interruptions)} spot replacements (the interruptions a month of the churn line)`);
    } else {
      const runShare = hours.alwaysOn > 0 ? hours.fleet / hours.alwaysOn : 0;
      // Spot instances, not usage.averageSpotInstances: that counts capacity units (GPUs, throughput units).
      interruptions = shape.spotInstances * REPLACEMENTS_PER_SPOT_INSTANCE * runShare;
      basis.push(
        `${quantity(interruptions)} spot replacements (assumption, no interruption bucket for ${churn.unknownBucketPools.join(', ')}: ` +
          `${REPLACEMENTS_PER_SPOT_INSTANCE} a month per spot instance x ${quantity(shape.spotInstances)} x ${quantity(runShare * 100)}% of the month run)`,
      );
    }
  }
  const rollouts = ROLLOUTS_PER_MONTH * hosts;
  basis.push(`${quantity(rollouts)} in rollouts (assumption: ${ROLLOUTS_PER_MONTH} a month, each replacing the ${hostsText})`);
  return { perMonth: scheduled + interruptions + rollouts, basis, interruptions };
}

export interface EndpointParts {
  /** The priced lines, as components of the estimate. */
  readonly components: readonly CostComponent[];
  readonly units: readonly UnitPrice[];
  readonly notPriced: readonly string[];
  /** Everything but the cost per 1,000 requests, which needs the estimate's total. */
  readonly figures: Omit<EndpointEstimate, 'costPer1kRequestsUsd' | 'costPer1kBasis' | 'excludes'>;
}

const NOT_PRICED = (resource: UnitResource) =>
  `not priced: no ${resource} price in the price table (the snapshot holds no traced one; use live pricing, -c pricing=live)`;

/** The endpoint's lines; undefined when the environment serves nothing. */
export function endpointParts(
  env: CostModelEnvironment,
  shape: FleetShape,
  book: PriceBook,
  hours: EstimateHours,
  churn: Pick<ChurnFigures, 'interruptionsPerMonth' | 'unknownBucketPools' | 'pricesDownload'>,
  notes: EstimateNotes,
): EndpointParts | undefined {
  const s = env.serving;
  if (!s) return undefined;
  const H = hours.fleet;
  const lines: EndpointLine[] = [];
  const components: CostComponent[] = [];
  const units: UnitPrice[] = [];
  const notPriced: string[] = [];
  const line = (id: EndpointLine['id'], label: string, resource: UnitResource | undefined, quantityOf: number, basis: (price: string) => string) => {
    const p = resource ? book.unit(resource) : undefined;
    if (resource && !p) {
      lines.push({ id, label, monthlyUsd: null, basis: `${basis('(no price)')}; ${NOT_PRICED(resource)}` });
      notPriced.push(label);
      return;
    }
    if (p) units.push(validUnit(env, p));
    const monthly = p ? quantityOf * p.usdPerUnit : 0;
    const text = basis(p ? unitPrice(p.usdPerUnit) : '$0');
    lines.push({ id, label, monthlyUsd: monthly, basis: text });
    components.push({ id, label, monthlyUsd: monthly, lowUsd: monthly, highUsd: monthly, basis: text });
  };

  // The load balancer exists all month: scaling the fleet to zero does not stop its hours.
  line('endpoint-alb', 'Endpoint: ALB hours', 'alb-hour', hours.alwaysOn, (p) => `1 ALB x ${p}/h x ${hours.alwaysOn} h (all month, also while the fleet is scaled to zero)`);
  const lcu = lcuFigures(s);
  line(
    'endpoint-lcu',
    `Endpoint: LCUs (${quantity(s.requestsPerSecond)} rps, ${quantity(s.bytesPerRequest)} B/request)`,
    'alb-lcu-hour',
    lcu.perHour * H,
    (p) => `${lcu.perHour.toPrecision(3)} LCU (${lcu.dimension}, the largest of the four dimensions) x ${p}/LCU-h x ${quantity(H)} h the fleet serves`,
  );
  if (s.s3GatewayEndpoint) {
    line('s3-gateway-endpoint', 'S3 gateway endpoint', undefined, 0,
      () => 'gateway endpoints have no hourly or data charge (https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html); model and ECR layer downloads through it skip NAT');
  }
  if (s.ecrInterfaceEndpoints) {
    const azs = env.availabilityZones.length;
    line(
      'ecr-interface-endpoints',
      `ECR interface endpoints (${ECR_INTERFACE_ENDPOINTS} x ${azs} AZ)`,
      'vpc-interface-endpoint-hour',
      ECR_INTERFACE_ENDPOINTS * azs * hours.alwaysOn,
      (p) => `${ECR_INTERFACE_ENDPOINTS} endpoints x ${azs} AZs x ${p}/h x ${hours.alwaysOn} h`,
    );
    notes.assumptions.push('ECR interface endpoints: their per-GB data processing is not estimated (only tokens and manifests pass them; image layers come from S3).');
  }

  // Downloads per launch: the model from S3, the image layers from S3 behind ECR (same region only); the S3 gateway
  // endpoint takes both off NAT. A public registry, or ECR in another region, always goes through NAT.
  const modelGb = s.modelSizeGiB * GB_PER_GIB;
  const imageGb = s.imageSizeGiB * GB_PER_GIB;
  const imageViaGateway = s.s3GatewayEndpoint && s.imageSource === 'ecr';
  const viaNat = (s.s3GatewayEndpoint ? 0 : modelGb) + (imageViaGateway ? 0 : imageGb);
  const viaGateway = modelGb + imageGb - viaNat;
  const launches = launchesPerMonth(s, shape, churn, hours);
  // The churn line already prices each interruption's download (cost.churn.modelSizeGb): not twice.
  const counted = churn.pricesDownload ? launches.perMonth - launches.interruptions : launches.perMonth;
  if (churn.pricesDownload && launches.interruptions > 0) {
    notes.assumptions.push('Downloads of spot replacements are in the churn line (cost.churn.modelSizeGb), so the downloads line leaves them out.');
  }
  const nat = env.fleet.existingVpc ? "the existing VPC's NAT" : 'NAT';
  const what = `${quantity(s.modelSizeGiB)} GiB model + ${quantity(s.imageSizeGiB)} GiB image (${s.imageSource === 'public' ? 'public registry' : s.imageSource === 'ecr' ? 'ECR' : 'ECR in another region'})`;
  const route = viaNat === 0
    ? `all ${quantity(viaGateway)} GB per launch through the S3 gateway endpoint, free`
    : `${quantity(viaNat)} GB per launch through ${nat}` + (viaGateway > 0 ? ` (${quantity(viaGateway)} GB through the S3 gateway endpoint, free)` : '');
  const label = `Downloads: model + image (${quantity(counted)} launches/month)`;
  line('endpoint-downloads', label, viaNat > 0 ? 'nat-gateway-gb-processed' : undefined, viaNat * counted,
    (p) => `${what}: ${route}; x ${quantity(counted)} launches x ${viaNat > 0 ? `${p}/GB` : '$0'}`);
  notes.assumptions.push(`Launches a month: ${launches.basis.join(' + ')}.`);

  return {
    components,
    units,
    notPriced,
    figures: {
      requestsPerSecond: s.requestsPerSecond,
      bytesPerRequest: s.bytesPerRequest,
      requestsPerConnection: s.requestsPerConnection,
      requestSeconds: s.requestSeconds,
      requestsPerMonth: s.requestsPerSecond * 3600 * H,
      lcu,
      launches: { perMonth: launches.perMonth, basis: launches.basis },
      downloadGbPerLaunch: { viaNat, viaS3GatewayEndpoint: viaGateway },
      lines,
    },
  };
}

/**
 * The endpoint's cost per 1,000 requests at the expected load: every priced line of the estimate (fleet, network,
 * small parts, endpoint) over the requests served while the fleet runs. Lines without a price are named as excluded.
 */
export function endpointEstimate(parts: EndpointParts, expectedUsd: number, notPriced: readonly string[]): EndpointEstimate {
  const f = parts.figures;
  const excludes = [...notPriced];
  const without = excludes.length ? `; excludes the lines not priced: ${excludes.join(', ')}` : '';
  if (!(f.requestsPerMonth > 0)) {
    return { ...f, costPer1kRequestsUsd: null, costPer1kBasis: `n/a: the fleet serves no hours a month, so no requests${without}`, excludes };
  }
  return {
    ...f,
    costPer1kRequestsUsd: (expectedUsd * 1000) / f.requestsPerMonth,
    costPer1kBasis:
      `${usd(expectedUsd)} expected a month (every priced line) x 1,000 / ${quantity(f.requestsPerMonth)} requests ` +
      `(${quantity(f.requestsPerSecond)} rps x 3,600 s x the hours the fleet serves)${without}`,
    excludes,
  };
}
