import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { SNSClient } from '@aws-sdk/client-sns';
import { FLEET_METRIC_NAMESPACE, KILL_SWITCH_SERVICE } from '../../shared/metric-names';
import { KillSwitchEvent, processEvent, RecordResult } from './process-event';
import { settingsFromEnv } from './settings';
import type { KillSwitchDeps } from './types';

/**
 * Budget kill switch, the Lambda entry. Subscribed to the budget topic, it caps the fleet when the 100%-ACTUAL budget
 * notification arrives and ignores the other known messages on the topic (the other thresholds, alarms, anomaly
 * alerts, its own reports). Anything else is logged at error level and counted: a changed Budgets format must not
 * quietly disarm it. Invoked directly with `{"action":"restore"}` it lifts the cap; `{"action":"cap"}` caps by hand.
 *
 * The logic lives in the modules next to this one; this file only wires the AWS clients (created once per container,
 * traced by X-Ray through Powertools Tracer, which stays off outside Lambda) to it.
 */
export { processEvent, settingsFromEnv };
export type { KillSwitchEvent, RecordResult };

const tracer = new Tracer({ serviceName: KILL_SWITCH_SERVICE });

const deps: KillSwitchDeps = {
  autoScaling: tracer.captureAWSv3Client(new AutoScalingClient({})),
  sns: tracer.captureAWSv3Client(new SNSClient({})),
  logger: new Logger({ serviceName: KILL_SWITCH_SERVICE }),
  metrics: new Metrics({ namespace: FLEET_METRIC_NAMESPACE, serviceName: KILL_SWITCH_SERVICE }),
};

export const handler = async (event: KillSwitchEvent): Promise<RecordResult[]> => {
  // Manual instrumentation (no Middy): a subsegment per invocation with the cold-start and service annotations.
  // https://docs.powertools.aws.dev/lambda/typescript/latest/core/tracer/
  const segment = tracer.getSegment();
  const subsegment = segment?.addNewSubsegment('## handler');
  if (subsegment) tracer.setSegment(subsegment);
  tracer.annotateColdStart();
  tracer.addServiceNameAnnotation();
  try {
    const settings = settingsFromEnv(process.env);
    deps.metrics.setDefaultDimensions({ Environment: settings.environmentName });
    tracer.putAnnotation('environment', settings.environmentName);
    const results = await processEvent(event, settings, deps);
    tracer.addResponseAsMetadata(results, 'handler');
    return results;
  } catch (e) {
    tracer.addErrorAsMetadata(e as Error);
    deps.logger.error('Kill switch failed; Lambda retries, then the event goes to the on-failure queue and the errors alarm notifies the budget topic', e as Error);
    throw e;
  } finally {
    if (deps.metrics.hasStoredMetrics()) deps.metrics.publishStoredMetrics();
    if (segment && subsegment) {
      subsegment.close();
      tracer.setSegment(segment);
    }
  }
};
