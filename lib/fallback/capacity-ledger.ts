import { Duration, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { FallbackConfigError } from './on-demand-fallback';
import type { SpotPool } from '../pricing/types';
import { CAPACITY_SHORTAGE_ERROR_CODES, EVENT_TYPES, HANDLER_METRICS, poolMetric, zoneCapacityFailures } from './ledger-metrics';
import type { FleetTag } from '../shared/fleet-tag';

export interface CapacityLedgerProps {
  /** The fleet tag; its value is the `Fleet` dimension of the interruption handler's metrics. */
  readonly fleetTag: FleetTag;

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
   * A pool alarms when this many capacity launch failures that name its type happen within 15 minutes.
   * @default 3
   */
  readonly launchFailuresPer15MinutesPerPool?: number;

  /**
   * An AZ's "spot capacity short" alarm fires when this many spot launches fail there for lack of capacity
   * (InsufficientInstanceCapacity, UnfulfillableCapacity, ...) within 15 minutes, whatever the type.
   * @default 3
   */
  readonly spotCapacityFailuresPer15MinutesPerZone?: number;
}

/** The alarm of one AZ. */
export interface ZoneAlarms {
  readonly availabilityZone: string;
  /** Spot launches in this AZ keep failing for lack of capacity. */
  readonly spotCapacityShort: cloudwatch.Alarm;
}

/** The alarms of one pool. */
export interface PoolAlarms {
  readonly pool: SpotPool;
  readonly interruptions: cloudwatch.Alarm;
  readonly launchFailures: cloudwatch.Alarm;
}

/**
 * The capacity ledger: for every instance type x AZ of the fleet, an interruption-rate alarm and a launch-failure
 * alarm on the interruption handler's per-pool metrics, and for every AZ a "spot capacity short" alarm, all to the
 * fleet topic. A mixed-instances group reports spot shortages without naming a type ("Could not launch Spot
 * Instances. InsufficientInstanceCapacity - There is no Spot capacity available that matches your request."), so
 * only the AZ alarm sees them; the pool alarm fires for failures that name the type (an on-demand base launch).
 * The dashboard shows the same series for every pool and AZ the handler has seen.
 */
export class CapacityLedger extends Construct {
  readonly pools: readonly PoolAlarms[];
  readonly zones: readonly ZoneAlarms[];

  constructor(scope: Construct, id: string, props: CapacityLedgerProps) {
    super(scope, id);
    const perHour = props.interruptionsPerHourPerPool ?? 2;
    const failures = props.launchFailuresPer15MinutesPerPool ?? 3;
    const zoneFailures = props.spotCapacityFailuresPer15MinutesPerZone ?? 3;
    this.validate(props, perHour, failures, zoneFailures);

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
        // The handler classifies the error code and counts capacity shortages that name this pool's type here.
        const launchFailures = new cloudwatch.Alarm(scope, 'LaunchFailuresAlarm', {
          metric: poolMetric(fleet, HANDLER_METRICS.capacityLaunchFailures, EVENT_TYPES.launchUnsuccessful, pool, { period: Duration.minutes(15) }),
          threshold: failures,
          evaluationPeriods: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
          alarmDescription:
            `${fleet} pool ${instanceType} in ${availabilityZone}: ${failures}+ capacity launch failures naming this type in 15 minutes ` +
            `(${CAPACITY_SHORTAGE_ERROR_CODES.join(', ')}). The pool is dry; the group tries other pools, the on-demand fallback covers a lasting shortfall.`,
        });
        interruptions.addAlarmAction(action);
        launchFailures.addAlarmAction(action);
        pools.push({ pool, interruptions, launchFailures });
      }
    }
    this.pools = pools;

    this.zones = props.availabilityZones.map((availabilityZone) => {
      const scope = new Construct(this, poolId({ instanceType: 'Spot', availabilityZone }));
      const spotCapacityShort = new cloudwatch.Alarm(scope, 'SpotCapacityShortAlarm', {
        metric: zoneCapacityFailures(fleet, availabilityZone, 'spot', Duration.minutes(15)),
        threshold: zoneFailures,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription:
          `${fleet}: spot capacity short in ${availabilityZone}: ${zoneFailures}+ spot launches failed there for lack of capacity in 15 minutes ` +
          `(${CAPACITY_SHORTAGE_ERROR_CODES.join(', ')}), whatever the type. The group tries the other AZs; the on-demand fallback covers a lasting shortfall.`,
      });
      spotCapacityShort.addAlarmAction(action);
      return { availabilityZone, spotCapacityShort };
    });
  }

  private validate(props: CapacityLedgerProps, perHour: number, failures: number, zoneFailures: number): void {
    const problems: string[] = [];
    if (props.instanceTypes.length === 0) problems.push("instanceTypes ([]) must list the fleet's instance types");
    if (props.availabilityZones.length === 0) problems.push("availabilityZones ([]) must list the fleet's AZs");
    const dupes = (xs: readonly string[]) => xs.filter((x, i) => xs.indexOf(x) !== i);
    for (const [name, xs] of [['instanceTypes', props.instanceTypes], ['availabilityZones', props.availabilityZones]] as const) {
      if (dupes(xs).length) problems.push(`${name} lists ${dupes(xs).join(', ')} more than once; each pool gets one pair of alarms`);
    }
    for (const [name, v] of [['interruptionsPerHourPerPool', perHour], ['launchFailuresPer15MinutesPerPool', failures], ['spotCapacityFailuresPer15MinutesPerZone', zoneFailures]] as const) {
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
