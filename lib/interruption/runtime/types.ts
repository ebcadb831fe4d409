import type { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { FleetTag } from '../../shared/fleet-tag';

/** Everything the handler needs to know about its fleet; read from environment variables by runtime/env.ts. */
export interface HandlerConfig {
  /** The fleet's groups (main, then any added with InterruptionHandler.addAutoScalingGroup, e.g. the fallback group). */
  readonly autoScalingGroupNames: readonly string[];
  readonly fleetTag: FleetTag;
  readonly targetGroupArns: readonly string[];
  readonly rebalanceAction: 'drain' | 'notify';
  readonly drainDocumentName: string;
  readonly drainDocumentParameters: Readonly<Record<string, string[]>>;
  readonly drainTimeoutSeconds: number;
  /**
   * SSM document that brings a drained host back into service (restart the workload); undefined when there is
   * none (a custom drain document without a resume document), and a drained host is replaced instead.
   */
  readonly resumeDocumentName?: string;
  readonly resumeDocumentParameters: Readonly<Record<string, string[]>>;
  /** Seconds after a rebalance drain at which the sweep brings the host back if nothing else happened to it. */
  readonly rebalanceRecheckSeconds: number;
  /** Seconds between RecordLifecycleActionHeartbeat calls while a drain runs (well under the hook's heartbeat timeout). */
  readonly heartbeatIntervalSeconds: number;
  /** Seconds between GetCommandInvocation polls. */
  readonly pollIntervalSeconds: number;
  readonly topicArn: string;
  /** URL of the queue the function reads; a failed time-critical record is made visible again on it within seconds. */
  readonly queueUrl?: string;
}

/** AWS clients and Powertools utilities, injected so tests and the benchmark use mocks. */
export interface HandlerDeps {
  readonly ec2: EC2Client;
  readonly autoScaling: AutoScalingClient;
  readonly ssm: SSMClient;
  readonly elbv2: ElasticLoadBalancingV2Client;
  readonly sns: SNSClient;
  readonly sqs: SQSClient;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Store for "this event was handled" records (key: EventBridge event id). */
  readonly eventStore: BasePersistenceLayer;
  /** Store for "this instance is being drained" records (key: instance id), a separate instance of the same table. */
  readonly drainStore: BasePersistenceLayer;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

/** What happened to one event; also the idempotency record's stored response. */
export interface Outcome {
  readonly event: string;
  readonly result:
    | 'drained'
    /** A rebalance drain whose command could not start: the host was put back into service at once. */
    | 'drain-skipped'
    /** Another event of the same instance was starting its drain; this event relies on that one. */
    | 'drain-joined'
    | 'notified'
    | 'dropped-foreign'
    | 'dropped-gone'
    | 'lifecycle-completed'
    /** The sweep of drained hosts ran; detail says which hosts came back and which were replaced. */
    | 'swept'
    | 'lifecycle-already-completed'
    | 'launch-failure-recorded'
    | 'state-recorded';
  readonly instanceId?: string;
  readonly detail?: Record<string, string | number | null>;
}
