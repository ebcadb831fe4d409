import { App, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { OnDemandFallback } from '../../lib/fallback/on-demand-fallback';
import { FleetNetwork } from '../../lib/fleet/fleet-network';
import { FleetScalingMetric, GpuFleet } from '../../lib/fleet/gpu-fleet';
import { requestTargetPerHost, throughputWeights } from '../../lib/serving/request-targets';
import { ServingEndpoint, ServingEndpointProps } from '../../lib/serving/serving-endpoint';
import { ServingScaling, ServingScalingProps } from '../../lib/serving/serving-scaling';
import { servingTimings } from '../../lib/serving/serving-timings';
import { WARNING_IDS } from '../../lib/shared/warning-ids';

const AZS = ['us-east-1a', 'us-east-1b'];
/** Staging's measured throughput (config cost.throughputRps). */
const STAGING_RPS = { 'g6.xlarge': 18, 'g5.xlarge': 22, 'g6e.xlarge': 40, 'g4dn.xlarge': 9 };
const STAGING_TYPES = Object.keys(STAGING_RPS);
const LOR = elbv2.TargetGroupLoadBalancingAlgorithmType.LEAST_OUTSTANDING_REQUESTS;

interface Options {
  readonly endpoint?: Partial<ServingEndpointProps>;
  readonly scalingMetric?: (endpoint: ServingEndpoint) => FleetScalingMetric;
  readonly capacityWeights?: Record<string, number>;
  readonly instanceTypes?: string[];
}

function compose(options: Options = {}) {
  const app = new App();
  const stack = new Stack(app, 'Test', { env: { region: 'us-east-1', account: '123456789012' } });
  const { vpc } = new FleetNetwork(stack, 'Network', { availabilityZones: AZS, natGateways: 1 });
  const endpoint = new ServingEndpoint(stack, 'Endpoint', { vpc, port: 8000, drainTimeout: Duration.minutes(5), ...options.endpoint });
  const fleet = new GpuFleet(stack, 'Fleet', {
    vpc, availabilityZones: AZS, instanceTypes: options.instanceTypes ?? STAGING_TYPES, minCapacity: 1, maxCapacity: 8,
    targetGroups: [endpoint.targetGroup], capacityWeights: options.capacityWeights,
    scalingMetric: options.scalingMetric?.(endpoint) ?? { kind: 'request-count', targetGroup: endpoint.targetGroup, targetRequestsPerMinute: 540 },
  });
  return { stack, vpc, endpoint, fleet };
}

function scaling(b: ReturnType<typeof compose>, props: Partial<ServingScalingProps>) {
  return new ServingScaling(b.stack, 'Scaling', { autoScalingGroup: b.fleet.autoScalingGroup, endpoint: b.endpoint, warmup: Duration.seconds(150), ...props });
}

const ref = (b: { stack: Stack }, c: any) => ({ Ref: b.stack.getLogicalId(c.node.defaultChild ?? c) });
const policies = (stack: Stack) => Template.fromStack(stack).findResources('AWS::AutoScaling::ScalingPolicy') as Record<string, any>;

describe('request target per host and throughput weights (pure)', () => {
  test('the slowest type sets the per-host target: staging 60 x 9 = 540, prod 60 x 10 = 600', () => {
    expect(requestTargetPerHost({ throughputRps: STAGING_RPS, instanceTypes: STAGING_TYPES })).toEqual({
      requestsPerMinutePerHost: 540, slowestType: 'g4dn.xlarge', slowestRps: 9, fastestType: 'g6e.xlarge', fastestRps: 40, throughputSpread: 40 / 9,
    });
    const prod = { 'g6.2xlarge': 20, 'g5.2xlarge': 24, 'g6e.2xlarge': 44, 'g4dn.2xlarge': 10 };
    expect(requestTargetPerHost({ throughputRps: prod, instanceTypes: Object.keys(prod) }).requestsPerMinutePerHost).toBe(600);
  });

  test('a utilization below 100 % lowers the target (rounded down), types not in the fleet are ignored', () => {
    expect(requestTargetPerHost({ throughputRps: STAGING_RPS, instanceTypes: ['g6.xlarge', 'g5.xlarge'], targetUtilizationPercent: 75 }))
      .toMatchObject({ requestsPerMinutePerHost: 810, slowestType: 'g6.xlarge', fastestType: 'g5.xlarge' });
    expect(requestTargetPerHost({ throughputRps: { a: 0.35 }, instanceTypes: ['a'], targetUtilizationPercent: 50 }).requestsPerMinutePerHost).toBe(10);
  });

  test('every problem of the input is named', () => {
    expect(() => requestTargetPerHost({ throughputRps: { 'g6.xlarge': 0, 'g5.xlarge': Number.NaN }, instanceTypes: ['g6.xlarge', 'g5.xlarge', 'g4dn.xlarge'], targetUtilizationPercent: 0 }))
      .toThrow('requestTargetPerHost props are invalid:\n' +
        '  - throughputRps (missing "g4dn.xlarge") must give a figure for every instance type of the fleet\n' +
        '  - throughputRps.g6.xlarge (0) must be requests per second > 0, measured at the SLO\n' +
        '  - throughputRps.g5.xlarge (NaN) must be requests per second > 0, measured at the SLO\n' +
        '  - targetUtilizationPercent (0) must be from 1 to 100');
    expect(() => requestTargetPerHost({ throughputRps: {}, instanceTypes: [], targetUtilizationPercent: 101 }))
      .toThrow('requestTargetPerHost props are invalid:\n  - instanceTypes ([]) must list at least one instance type\n  - targetUtilizationPercent (101) must be from 1 to 100');
    expect(() => requestTargetPerHost({ throughputRps: { a: 0.01 }, instanceTypes: ['a'] }))
      .toThrow('requestTargetPerHost props are invalid:\n  - throughputRps.a (0.01) at 100% gives 0.6 requests per minute per host: the target must be at least 1');
  });

  test('throughput weights: rounded requests per second, 1-999', () => {
    expect(throughputWeights({ throughputRps: { ...STAGING_RPS, 'g6.xlarge': 18.5 }, instanceTypes: STAGING_TYPES }))
      .toEqual({ 'g6.xlarge': 19, 'g5.xlarge': 22, 'g6e.xlarge': 40, 'g4dn.xlarge': 9 });
    expect(throughputWeights({ throughputRps: { a: 0.5, b: 999.4 }, instanceTypes: ['a', 'b'] })).toEqual({ a: 1, b: 999 });
    expect(() => throughputWeights({ throughputRps: { a: 0.4, b: 999.5 }, instanceTypes: ['a', 'b', 'c'] })).toThrow(
      'throughputWeights props are invalid:\n' +
      '  - throughputRps (missing "c") must give a figure for every instance type of the fleet\n' +
      '  - throughputRps.a (0.4) rounds to 0 units; a capacity weight must be a whole number from 1 to 999 (Auto Scaling WeightedCapacity)\n' +
      '  - throughputRps.b (999.5) rounds to 1000 units; a capacity weight must be a whole number from 1 to 999 (Auto Scaling WeightedCapacity)');
  });

  test('serving timings: warm-up = slow start + 2 intervals, grace = interval x healthy threshold + 30 s', () => {
    const t = servingTimings({ slowStart: Duration.seconds(120), healthCheckInterval: Duration.seconds(15), healthyThresholdCount: 2 });
    expect([t.warmup.toSeconds(), t.healthCheckGrace.toSeconds()]).toEqual([150, 60]);
    const lor = servingTimings({ slowStart: Duration.seconds(0), healthCheckInterval: Duration.seconds(30), healthyThresholdCount: 10 });
    expect([lor.warmup.toSeconds(), lor.healthCheckGrace.toSeconds()]).toEqual([60, 330]);
    expect(() => servingTimings({ slowStart: Duration.seconds(0), healthCheckInterval: Duration.seconds(15), healthyThresholdCount: 1 }))
      .toThrow('servingTimings props are invalid:\n  - healthyThresholdCount (1) must be a whole number from 2 to 10: ALB range');
  });

  test('the endpoint exposes what the timings need', () => {
    const { endpoint } = compose();
    const t = servingTimings({ slowStart: endpoint.slowStart, healthCheckInterval: endpoint.healthCheck.interval, healthyThresholdCount: endpoint.healthCheck.healthyThresholdCount });
    expect(t.warmup.toSeconds()).toBe(150);
    expect(endpoint.routing).toBe(elbv2.TargetGroupLoadBalancingAlgorithmType.ROUND_ROBIN);
  });
});

describe('ServingScaling: latency guard', () => {
  const b = compose();
  const s = scaling(b, { latencyGuard: { threshold: Duration.seconds(10) } });
  const all = policies(b.stack);
  const guard = all[b.stack.getLogicalId(s.latencyGuardPolicy!)];

  test('a second target-tracking policy on the main group: target = the SLO in seconds, the fleet warm-up, scale-in enabled', () => {
    expect(guard.Properties).toMatchObject({
      AutoScalingGroupName: ref(b, b.fleet.autoScalingGroup),
      PolicyType: 'TargetTrackingScaling',
      EstimatedInstanceWarmup: 150,
      TargetTrackingConfiguration: { TargetValue: 10, DisableScaleIn: false },
    });
  });

  test('metric math: p90 of the target group\'s TargetResponseTime, 0 without traffic (scale-in can agree) or under 10 requests/min', () => {
    const [p, r, latency] = guard.Properties.TargetTrackingConfiguration.CustomizedMetricSpecification.Metrics;
    expect(p).toEqual({
      Id: 'p',
      MetricStat: {
        Metric: {
          Namespace: 'AWS/ApplicationELB',
          MetricName: 'TargetResponseTime',
          Dimensions: [
            { Name: 'LoadBalancer', Value: expect.objectContaining({ 'Fn::Join': expect.anything() }) },
            { Name: 'TargetGroup', Value: { 'Fn::GetAtt': [b.stack.getLogicalId(b.endpoint.targetGroup.node.defaultChild as any), 'TargetGroupFullName'] } },
          ],
        },
        Stat: 'p90',
      },
      ReturnData: false,
    });
    expect(r).toEqual({ Id: 'r', MetricStat: { Metric: { ...p.MetricStat.Metric, MetricName: 'RequestCount' }, Stat: 'Sum' }, ReturnData: false });
    expect(latency).toEqual({ Id: 'latency', Expression: 'IF(FILL(r, 0) >= 10, FILL(p, 0), 0)', Label: 'p90 target response time (s), 0 under 10 requests/min', ReturnData: true });
    // The only other policy is GpuFleet's request count: out if either asks, in only when both agree.
    expect(Object.values(all).map((r) => Object.keys(r.Properties.TargetTrackingConfiguration).filter((k) => k.endsWith('Specification'))[0]).sort())
      .toEqual(['CustomizedMetricSpecification', 'PredefinedMetricSpecification']);
  });

  test('another percentile and a sub-second SLO', () => {
    const c = compose();
    const p99 = scaling(c, { latencyGuard: { percentile: 'p99.9', threshold: Duration.millis(750), minRequestsPerMinute: 60 } });
    const props = policies(c.stack)[c.stack.getLogicalId(p99.latencyGuardPolicy!)].Properties.TargetTrackingConfiguration;
    expect(props.TargetValue).toBe(0.75);
    expect(props.CustomizedMetricSpecification.Metrics[0].MetricStat.Stat).toBe('p99.9');
    expect(props.CustomizedMetricSpecification.Metrics[2].Expression).toBe('IF(FILL(r, 0) >= 60, FILL(p, 0), 0)');
  });

  test('without a guard or throughput tracking it adds no policy', () => {
    const c = compose();
    const none = scaling(c, {});
    expect([none.latencyGuardPolicy, none.throughputPolicy]).toEqual([undefined, undefined]);
    expect(Object.keys(policies(c.stack))).toHaveLength(1);
  });
});

describe('ServingScaling: uneven throughput under round robin', () => {
  test('warns (gpu-fleet:unevenThroughput) when types differ more than 2x, naming both and the idle share', () => {
    const b = compose();
    scaling(b, { throughputRps: STAGING_RPS });
    Annotations.fromStack(b.stack).hasWarning('/Test/Scaling',
      "the fleet's types differ 4.4x in throughput (g4dn.xlarge 9 req/s, g6e.xlarge 40 req/s) and round robin gives each host the same share: " +
      'the per-host target follows g4dn.xlarge, so g6e.xlarge hosts run at 23% of what they serve. ' +
      `Count capacity in throughput units with least outstanding requests (throughputTracking), or drop the slow types [ack: ${WARNING_IDS.unevenThroughput}]`);
  });

  test('no warning at 2x or less, or with least outstanding requests', () => {
    const b = compose({ instanceTypes: ['g6.xlarge', 'g5.xlarge', 'g4dn.xlarge'] });
    scaling(b, { throughputRps: { 'g6.xlarge': 18, 'g5.xlarge': 18, 'g4dn.xlarge': 9 } });
    expect(Annotations.fromStack(b.stack).findWarning('*', Match.stringLikeRegexp('differ'))).toEqual([]);
    const c = compose({ endpoint: { routing: LOR, slowStart: Duration.seconds(0) } });
    scaling(c, { throughputRps: STAGING_RPS });
    expect(Annotations.fromStack(c.stack).findWarning('*', Match.stringLikeRegexp('differ'))).toEqual([]);
  });
});

describe('ServingScaling: capacity in throughput units', () => {
  const weights = throughputWeights({ throughputRps: STAGING_RPS, instanceTypes: STAGING_TYPES });
  const throughputFleet = () => compose({ endpoint: { routing: LOR, slowStart: Duration.seconds(0) }, capacityWeights: weights, scalingMetric: () => ({ kind: 'external' }) });

  test('requests per second per in-service unit of both groups, target = utilization / 100, no request-count policy', () => {
    const b = throughputFleet();
    const fallback = new OnDemandFallback(b.stack, 'Fallback', {
      autoScalingGroup: b.fleet.autoScalingGroup, launchTemplate: b.fleet.launchTemplate, vpc: b.vpc, availabilityZones: AZS,
      instanceTypes: STAGING_TYPES, topic: b.fleet.topic, fleetTag: b.fleet.fleetTag, maxFallbackInstances: 2, weights: b.fleet.weights,
      targetGroups: [b.endpoint.targetGroup],
    });
    const s = scaling(b, { throughputRps: STAGING_RPS, throughputTracking: { capacityWeights: b.fleet.weights, targetUtilizationPercent: 80, fallbackGroup: fallback.fallbackGroup } });
    const all = policies(b.stack);
    expect(Object.keys(all)).toEqual([b.stack.getLogicalId(s.throughputPolicy!)]);
    const p = all[b.stack.getLogicalId(s.throughputPolicy!)].Properties;
    expect(p).toMatchObject({ AutoScalingGroupName: ref(b, b.fleet.autoScalingGroup), PolicyType: 'TargetTrackingScaling', EstimatedInstanceWarmup: 150 });
    expect(p.TargetTrackingConfiguration.TargetValue).toBe(0.8);
    expect(p.TargetTrackingConfiguration.DisableScaleIn).toBeUndefined();
    const [r, m, f, perUnit] = p.TargetTrackingConfiguration.CustomizedMetricSpecification.Metrics;
    expect(r).toMatchObject({ Id: 'r', MetricStat: { Stat: 'Sum', Metric: { Namespace: 'AWS/ApplicationELB', MetricName: 'RequestCount' } }, ReturnData: false });
    expect(r.MetricStat.Metric.Dimensions.map((d: any) => d.Name)).toEqual(['LoadBalancer', 'TargetGroup']);
    const capacityOf = (group: any) => ({ Namespace: 'AWS/AutoScaling', MetricName: 'GroupInServiceCapacity', Dimensions: [{ Name: 'AutoScalingGroupName', Value: ref(b, group) }] });
    expect(m).toEqual({ Id: 'm', MetricStat: { Metric: capacityOf(b.fleet.autoScalingGroup), Stat: 'Average' }, ReturnData: false });
    expect(f).toEqual({ Id: 'f', MetricStat: { Metric: capacityOf(fallback.fallbackGroup), Stat: 'Average' }, ReturnData: false });
    expect(perUnit).toEqual({
      Id: 'perunit',
      Expression: 'IF(FILL(m, 0) + FILL(f, 0) > 0, FILL(r, 0) / 60 / (FILL(m, 0) + FILL(f, 0)), 0)',
      Label: 'Requests per second per throughput unit',
      ReturnData: true,
    });
    // The fleet carries the throughput weights; no uneven-throughput warning in this mode.
    Template.fromStack(b.stack).hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
      MixedInstancesPolicy: { LaunchTemplate: { Overrides: Match.arrayWith([{ InstanceType: 'g6e.xlarge', WeightedCapacity: '40' }]) } },
    });
    expect(Annotations.fromStack(b.stack).findWarning('*', Match.stringLikeRegexp('differ'))).toEqual([]);
  });

  test('equal weights: the unweighted fallback group counts instances, so its capacity is multiplied by the weight', () => {
    const equal = { 'g6.xlarge': 20, 'g5.xlarge': 20, 'g6e.xlarge': 20, 'g4dn.xlarge': 20 };
    const b = compose({ endpoint: { routing: LOR, slowStart: Duration.seconds(0) }, capacityWeights: equal, scalingMetric: () => ({ kind: 'external' }) });
    const fallback = new OnDemandFallback(b.stack, 'Fallback', {
      autoScalingGroup: b.fleet.autoScalingGroup, launchTemplate: b.fleet.launchTemplate, vpc: b.vpc, availabilityZones: AZS,
      instanceTypes: STAGING_TYPES, topic: b.fleet.topic, fleetTag: b.fleet.fleetTag, maxFallbackInstances: 2, weights: b.fleet.weights,
      targetGroups: [b.endpoint.targetGroup],
    });
    expect(fallback.unitsPerFallbackCapacity).toBe(20);
    const s = scaling(b, {
      throughputRps: equal,
      throughputTracking: { capacityWeights: b.fleet.weights, fallbackGroup: fallback.fallbackGroup, fallbackUnitsPerCapacity: fallback.unitsPerFallbackCapacity },
    });
    const p = policies(b.stack)[b.stack.getLogicalId(s.throughputPolicy!)].Properties.TargetTrackingConfiguration;
    expect(p.CustomizedMetricSpecification.Metrics[3].Expression).toBe('IF(FILL(m, 0) + FILL(f, 0) * 20 > 0, FILL(r, 0) / 60 / (FILL(m, 0) + FILL(f, 0) * 20), 0)');
  });

  test('without a fallback group the main group\'s capacity alone, 100 % by default', () => {
    const b = throughputFleet();
    const s = scaling(b, { throughputRps: STAGING_RPS, throughputTracking: { capacityWeights: b.fleet.weights } });
    const p = policies(b.stack)[b.stack.getLogicalId(s.throughputPolicy!)].Properties.TargetTrackingConfiguration;
    expect(p.TargetValue).toBe(1);
    expect(p.CustomizedMetricSpecification.Metrics.map((q: any) => q.Id)).toEqual(['r', 'm', 'perunit']);
    expect(p.CustomizedMetricSpecification.Metrics[2].Expression).toBe('IF(FILL(m, 0) > 0, FILL(r, 0) / 60 / (FILL(m, 0)), 0)');
  });
});

describe('ServingScaling: construction errors name the prop, the value and the rule', () => {
  const error = (b: ReturnType<typeof compose>, props: Partial<ServingScalingProps>) => {
    try {
      scaling(b, props);
    } catch (e) {
      return (e as Error).message;
    }
    throw new Error('no error');
  };
  const lines = (...problems: string[]) => `ServingScaling Test/Scaling props are invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`;

  test.each<[string, string, Duration, string]>([
    ['p100', 'p100', Duration.seconds(5), 'latencyGuard.percentile ("p100") must be a CloudWatch percentile above p0 and below p100, e.g. "p90" or "p99.9"'],
    ['p0', 'p0', Duration.seconds(5), 'latencyGuard.percentile ("p0") must be a CloudWatch percentile above p0 and below p100, e.g. "p90" or "p99.9"'],
    ['a statistic', 'Average', Duration.seconds(5), 'latencyGuard.percentile ("Average") must be a CloudWatch percentile above p0 and below p100, e.g. "p90" or "p99.9"'],
    ['SLO 0', 'p90', Duration.seconds(0), 'latencyGuard.threshold (0s) must be more than 0 and at most 4000 seconds (the longest ALB idle timeout)'],
    ['SLO above 4000 s', 'p90', Duration.seconds(4001), 'latencyGuard.threshold (4001s) must be more than 0 and at most 4000 seconds (the longest ALB idle timeout)'],
  ])('latency guard: %s', (_name, percentile, threshold, problem) => {
    expect(error(compose(), { latencyGuard: { percentile, threshold } })).toBe(lines(problem));
  });

  test('latency guard: a traffic floor below 1 request per minute', () => {
    expect(error(compose(), { latencyGuard: { threshold: Duration.seconds(5), minRequestsPerMinute: 0 } }))
      .toBe(lines('latencyGuard.minRequestsPerMinute (0) must be a whole number >= 1'));
  });

  test('throughput figures are checked whenever given', () => {
    expect(error(compose(), { throughputRps: { ...STAGING_RPS, 'g6.xlarge': -1 } }))
      .toBe(lines('throughputRps.g6.xlarge (-1) must be requests per second > 0, measured at the SLO'));
  });

  test('throughput tracking: least outstanding requests, the measured figures, matching weights, no second request policy', () => {
    const b = compose();
    expect(error(b, { throughputTracking: { capacityWeights: b.fleet.weights, targetUtilizationPercent: 0 } })).toBe(lines(
      'throughputTracking.targetUtilizationPercent (0) must be from 1 to 100',
      "throughputTracking needs the endpoint's routing to be least_outstanding_requests (it is round_robin): round robin gives a slow host as many requests as a fast one, so units would not match load",
      'throughputTracking needs throughputRps (missing): the capacity weights must be checked against the measured throughput',
      "throughputTracking: the group already tracks requests per host (GpuFleet scalingMetric 'request-count'); use scalingMetric { kind: 'external' } so requests are not tracked twice",
    ));
    const c = compose({ endpoint: { routing: LOR, slowStart: Duration.seconds(0) }, scalingMetric: () => ({ kind: 'external' }) });
    // GPU-count weights (all 1) are not throughput units.
    expect(error(c, { throughputRps: STAGING_RPS, throughputTracking: { capacityWeights: c.fleet.weights, fallbackUnitsPerCapacity: 0.5 } })).toBe(lines(
      'throughputTracking.fallbackUnitsPerCapacity (0.5) must be a whole number from 1 to 999 (a capacity weight)',
      ...Object.entries(STAGING_RPS).map(([t, rps]) => `throughputTracking.capacityWeights.${t} (1) must be ${rps}, round(throughputRps.${t}): give GpuFleet capacityWeights: throughputWeights(...)`),
    ));
  });
});
