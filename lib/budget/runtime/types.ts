import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import type { SNSClient } from '@aws-sdk/client-sns';

/** What the kill switch acts on, from its environment (settings.ts). */
export interface KillSwitchSettings {
  readonly groupName: string;
  readonly capTo: 'zero' | 'base';
  readonly baseCapacity: number;
  readonly restoreMinCapacity: number;
  readonly restoreMaxCapacity: number;
  readonly topicArn: string;
  readonly environmentName: string;
  /** This function's name, for the restore command in reports (Lambda sets AWS_LAMBDA_FUNCTION_NAME). */
  readonly functionName?: string;
}

/** The clients and Powertools utilities the logic uses; handler.ts creates them once, tests pass their own. */
export interface KillSwitchDeps {
  readonly autoScaling: AutoScalingClient;
  readonly sns: SNSClient;
  readonly logger: Logger;
  readonly metrics: Metrics;
}
