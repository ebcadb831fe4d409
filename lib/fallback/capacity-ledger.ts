import { Duration, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { FallbackConfigError } from './on-demand-fallback';
import type { SpotPool } from '../pricing/types';
import { EVENT_TYPES, HANDLER_METRICS, POOL_CAPACITY_ERROR_CODES, poolMetric } from './ledger-metrics';

export interface CapacityLedgerProps {
  /** The fleet tag; its value is the `Fleet` dimension of the interruption handler's metrics. */
  readonly fleetTag: { readonly key: string; readonly value: string };

  /** The fleet's GPU instance types. */
  readonly instanceTypes: readonly string[];

  /** The fleet's availability zones. */
  readonly availabilityZones: readonly string[];

  /** Where the pool alarms go (the fleet's topic). */
  readonly topic: sns.ITopic;

  /**
   * A pool alarms when it gets more spot interruption warnings than this within an hour.
   * @default 2
   */
  readonly interruptionsPerHourPerPool?: number;

  /**
   * A pool alarms when this many capacity launch failures (InsufficientInstanceCapacity, ...) happen within 15 minutes.
   * @default 3
   */
  readonly launchFailuresPer15MinutesPerPool?: number;
}

/** The alarms of one pool. */
export interface PoolAlarms {
  readonly pool: SpotPool;
  readonly interruptions: cloudwatch.Alarm;
  readonly launchFailures: cloudwatch.Alarm;
}

/**
 * The per-pool capacity ledger: for every instance type x AZ of the fleet, an interruption-rate alarm and a
 * launch-failure alarm on the interruption handler's per-pool metrics, both to the fleet topic. The dashboard
 * shows the same series for every pool the handler has seen.
 */
export class CapacityLedger extends Construct {
  readonly pools: readonly PoolAlarms[];

  constructor(scope: Construct, id: string, props: CapacityLedgerProps) {
    super(scope, id);
    const perHour = props.interruptionsPerHourPerPool ?? 2;
    const failures = props.launchFailuresPer15MinutesPerPool ?? 3;
    this.validate(props, perHour, failures);

    const action = new cwActions.SnsAction(props.topic);
    const fleet = props.fleetTag.value;
    const pools: PoolAlarms[] = [];
    for (const instanceType of props.instanceTypes) {
      for (const availabilityZone of props.availabilityZones) {
        const pool = { instanceType, availabilityZone };
        // One scope per pool, named after it: adding a type or AZ adds alarms without renaming the others.
        const scope = new Construct(this, poolId(pool));
        const interruptions = new cloudwatch.Alarm(scope, 'InterruptionsAlarm', {
          metric: poolMetric(fleet, HANDLER_METRICS.interruptions, EVENT_TYPES.spotInterruption, pool, { period: Duration.hours(1) }),
          threshold: perHour,
          evaluationPeriods: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
          alarmDescription:
            `${fleet} spot pool ${instanceType} in ${availabilityZone}: more than ${perHour} interruption warnings in an hour. ` +
            'This pool is being reclaimed; if it persists, drop the type or AZ from the fleet or add another GPU family.',
        });
        // The handler breaks launch failures down by error code; a pool's capacity failures are the sum of the
        // codes that mean "no capacity here" (quota and subnet errors are fleet-wide; the handler alarms on those).
        const usingMetrics = Object.fromEntries(POOL_CAPACITY_ERROR_CODES.map((errorCode, i) => [
          `c${i}`,
          poolMetric(fleet, HANDLER_METRICS.launchFailures, EVENT_TYPES.launchUnsuccessful, pool, { period: Duration.minutes(15), errorCode }),
        ]));
        const launchFailures = new cloudwatch.Alarm(scope, 'LaunchFailuresAlarm', {
          metric: new cloudwatch.MathExpression({
            expression: Object.keys(usingMetrics).map((k) => `FILL(${k}, 0)`).join(' + '),
            usingMetrics,
            period: Duration.minutes(15),
            label: `Capacity launch failures ${instanceType} ${availabilityZone}`,
          }),
          threshold: failures,
          evaluationPeriods: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
          alarmDescription:
            `${fleet} spot pool ${instanceType} in ${availabilityZone}: ${failures}+ capacity launch failures in 15 minutes ` +
            `(${POOL_CAPACITY_ERROR_CODES.join(', ')}). The pool is dry; the group tries other pools, the on-demand fallback covers a lasting shortfall.`,
        });
        interruptions.addAlarmAction(action);
        launchFailures.addAlarmAction(action);
        pools.push({ pool, interruptions, launchFailures });
      }
    }
    this.pools = pools;
  }

  private validate(props: CapacityLedgerProps, perHour: number, failures: number): void {
    const problems: string[] = [];
    if (props.instanceTypes.length === 0) problems.push("instanceTypes ([]) must list the fleet's instance types");
    if (props.availabilityZones.length === 0) problems.push("availabilityZones ([]) must list the fleet's AZs");
    const dupes = (xs: readonly string[]) => xs.filter((x, i) => xs.indexOf(x) !== i);
    for (const [name, xs] of [['instanceTypes', props.instanceTypes], ['availabilityZones', props.availabilityZones]] as const) {
      if (dupes(xs).length) problems.push(`${name} lists ${dupes(xs).join(', ')} more than once; each pool gets one pair of alarms`);
    }
    for (const [name, v] of [['interruptionsPerHourPerPool', perHour], ['launchFailuresPer15MinutesPerPool', failures]] as const) {
      if (!Token.isUnresolved(v) && (!Number.isInteger(v) || v < 1)) problems.push(`${name} (${v}) must be a whole number >= 1`);
    }
    if (problems.length) throw new FallbackConfigError(`CapacityLedger ${this.node.path}: ${problems.join('; ')}`);
  }
}

/** `G6XlargeUsEast1a` for g6.xlarge in us-east-1a. */
function poolId(pool: SpotPool): string {
  return `${pool.instanceType}-${pool.availabilityZone}`
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((p) => p[0].toUpperCase() + p.slice(1))
    .join('');
}
