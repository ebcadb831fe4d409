import { Duration, Token, aws_autoscaling as autoscaling, aws_elasticloadbalancingv2 as elbv2, aws_kms as kms, aws_logs as logs, aws_sns as sns } from 'aws-cdk-lib';
import type { FleetTag } from '../shared/fleet-tag';

/** Raised at construction when InterruptionHandler props break a rule; one line per problem. */
export class InterruptionConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`InterruptionHandler props are invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'InterruptionConfigError';
  }
}

export interface InterruptionHandlerProps {
  /** The fleet's group. The handler acts only on its instances, and adds a terminate lifecycle hook to it. */
  readonly autoScalingGroup: autoscaling.AutoScalingGroup;
  /** The fleet's notification topic: alarms and event summaries go here. */
  readonly topic: sns.ITopic;
  /** The tag on every instance the group launches; identifies this fleet's instances (membership, SSM, FIS). */
  readonly fleetTag: FleetTag;
  /**
   * Target groups the fleet's instances are registered in; a draining instance leaves them first.
   * @default - none: no deregistration
   */
  readonly targetGroups?: readonly elbv2.ITargetGroup[];
  /**
   * What a rebalance recommendation does: `drain` the host early (and start its replacement), or only `notify`.
   * @default 'drain' - it buys GPU hosts minutes before the 2-minute warning
   */
  readonly rebalanceAction?: 'drain' | 'notify';
  /**
   * Alarm when more spot interruptions than this arrive within an hour.
   * @default 5
   */
  readonly interruptionsPerHourAlarm?: number;
  /**
   * Alarm when at least this many launches fail within 15 minutes (e.g. InsufficientInstanceCapacity).
   * @default 3
   */
  readonly launchFailuresAlarmThreshold?: number;
  /**
   * How long the drain command may run before the host is let go. Between 30 seconds and 12 minutes
   * (the handler waits for it within one Lambda invocation of at most 15 minutes).
   * @default Duration.minutes(5)
   */
  readonly drainTimeout?: Duration;
  /**
   * Name of an existing SSM Command document to run as the drain instead of the one this construct creates.
   * @default - a document that runs /usr/local/bin/gpu-fleet-drain if present, else stops `drainServiceName`
   */
  readonly drainDocumentName?: string;
  /**
   * Parameters sent with `drainDocumentName`.
   * @default - none for a custom document; `serviceName` and `timeoutSeconds` for the created one
   */
  readonly drainDocumentParameters?: Readonly<Record<string, string[]>>;
  /**
   * systemd unit the created drain document stops when the workload installed no drain script.
   * @default 'inference.service' - `SERVING_UNIT_NAME` (lib/shared/serving.ts), the unit lib/serving installs
   */
  readonly drainServiceName?: string;
  /**
   * Share (1-100 %) of the fleet's running spot instances a FIS drill interrupts.
   * @default 25
   */
  readonly fisSpotSharePercent?: number;
  /**
   * Maximum concurrent handler invocations (SQS event source maxConcurrency, 2-1000).
   * @default 5
   */
  readonly maxConcurrency?: number;
  /**
   * Retention of the handler's log group.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Key the handler's log group is encrypted with.
   * @default - the stack's log key (lib/shared/encryption.ts `logEncryptionKey`)
   */
  readonly logEncryptionKey?: kms.IKey;
  /**
   * Name of an existing SSM Command document that brings a drained host back into service (restart the workload).
   * @default - with the created drain document, a created resume document (runs /usr/local/bin/gpu-fleet-resume if
   * present, else restarts `drainServiceName`); with a custom `drainDocumentName`, none: a host drained on a
   * rebalance recommendation that is still in service at its re-check is then marked Unhealthy and replaced
   */
  readonly resumeDocumentName?: string;
  /**
   * Parameters sent with `resumeDocumentName`.
   * @default - none for a custom document; `serviceName` for the created one
   */
  readonly resumeDocumentParameters?: Readonly<Record<string, string[]>>;
  /**
   * With `rebalanceAction: 'drain'`: how long after a rebalance drain a host that is still InService and Healthy
   * (no interruption warning, no terminate hook: capacity rebalancing did not replace it) is brought back into
   * service. A sweep every 5 minutes does it, so the host comes back within this plus 5 minutes. At least the drain
   * timeout plus a minute, at most 6 hours.
   * @default Duration.minutes(15)
   */
  readonly rebalanceRecheckAfter?: Duration;
}

export interface ValidationInput {
  readonly drainTimeout: Duration;
  readonly recheckAfter: Duration;
  readonly perHour: number;
  readonly launchFailures: number;
  readonly sharePercent: number;
  readonly maxConcurrency: number;
  readonly serviceName: string;
  readonly props: InterruptionHandlerProps;
}

/** Throws InterruptionConfigError listing every problem of the props, one line each. */
export function validate(v: ValidationInput): void {
  const problems: string[] = [];
  const seconds = v.drainTimeout.toSeconds();
  if (seconds < 30 || seconds > 720) {
    problems.push(`drainTimeout (${seconds}s) must be between 30s and 720s: the handler waits for the drain inside one Lambda invocation (max 15 min); shorten the drain or checkpoint sooner`);
  }
  const recheck = v.recheckAfter.toSeconds();
  if (!Token.isUnresolved(recheck) && (recheck < seconds + 60 || recheck > 6 * 3600)) {
    problems.push(`rebalanceRecheckAfter (${recheck}s) must be at least drainTimeout + 60s (${seconds + 60}s) and at most 6 hours: a host is brought back only after its drain has ended`);
  }
  const intRange = (name: string, value: number, min: number, max: number, hint: string) => {
    if (Token.isUnresolved(value)) return;
    if (!Number.isInteger(value) || value < min || value > max) problems.push(`${name} (${value}) must be an integer from ${min} to ${max}: ${hint}`);
  };
  intRange('interruptionsPerHourAlarm', v.perHour, 1, 10000, 'the alarm fires above this many interruptions per hour');
  intRange('launchFailuresAlarmThreshold', v.launchFailures, 1, 10000, 'the alarm fires at this many failed launches in 15 minutes');
  intRange('fisSpotSharePercent', v.sharePercent, 1, 100, 'the share of running spot instances a drill interrupts');
  intRange('maxConcurrency', v.maxConcurrency, 2, 1000, 'the SQS event source accepts 2-1000');
  if (!/^[A-Za-z0-9@._-]+$/.test(v.serviceName)) {
    problems.push(`drainServiceName (${JSON.stringify(v.serviceName)}) must be a systemd unit name (letters, digits, @ . _ -)`);
  }
  if (!Token.isUnresolved(v.props.fleetTag.key) && (v.props.fleetTag.key.length === 0 || v.props.fleetTag.key.startsWith('aws:'))) {
    problems.push(`fleetTag.key (${JSON.stringify(v.props.fleetTag.key)}) must be a non-empty tag key not starting with "aws:"`);
  }
  if (!Token.isUnresolved(v.props.fleetTag.value) && v.props.fleetTag.value.length === 0) {
    problems.push('fleetTag.value ("") must be non-empty: it tells this fleet\'s instances from every other instance in the account');
  }
  if (problems.length > 0) throw new InterruptionConfigError(problems);
}
