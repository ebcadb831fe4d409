import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { EC2Client } from '@aws-sdk/client-ec2';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import type { Context } from 'aws-lambda';
import { ControllerDeps, runFallbackController } from './controller';
import { controllerConfigFromEnv } from './env';
import { FALLBACK_ENV } from '../../shared/fallback-env';
import { FALLBACK_SERVICE, FLEET_METRIC_NAMESPACE } from '../../shared/metric-names';

export { runFallbackController } from './controller';

// Clients at module scope: reused across warm invocations; extra SDK attempts absorb short throttling. The Tracer
// records each AWS call as an X-Ray subsegment when the function runs with active tracing (a no-op elsewhere).
const clientConfig = { maxAttempts: 5 };
const tracer = new Tracer({ serviceName: FALLBACK_SERVICE });
const logger = new Logger({ serviceName: FALLBACK_SERVICE });
const metrics = new Metrics({
  namespace: FLEET_METRIC_NAMESPACE,
  serviceName: FALLBACK_SERVICE,
  defaultDimensions: { Fleet: process.env[FALLBACK_ENV.fleet] ?? 'unknown' },
});
const config = controllerConfigFromEnv(process.env);
const deps: ControllerDeps = {
  autoScaling: tracer.captureAWSv3Client(new AutoScalingClient(clientConfig)),
  ec2: tracer.captureAWSv3Client(new EC2Client(clientConfig)),
  ssm: tracer.captureAWSv3Client(new SSMClient(clientConfig)),
  sns: tracer.captureAWSv3Client(new SNSClient(clientConfig)),
  logger,
  metrics,
};

/** One scheduled run; the summary it returns lands in the trace and in the on-failure record's context. */
export const handler = async (_event: unknown, context: Context) => {
  logger.addContext(context);
  // Manual instrumentation (https://docs.powertools.aws.dev/lambda/typescript/latest/core/tracer/): a subsegment
  // for the handler, annotated with cold start and service, the result or error as metadata.
  const segment = tracer.getSegment();
  const subsegment = segment?.addNewSubsegment(`## ${process.env._HANDLER ?? 'handler'}`);
  if (subsegment) tracer.setSegment(subsegment);
  tracer.annotateColdStart();
  tracer.addServiceNameAnnotation();
  try {
    const { decision, resized, notified, rebuilt } = await runFallbackController(config, deps);
    const summary = { action: decision.action, desiredFallback: decision.desiredFallback, resized, notified, ...(rebuilt ? { rebuilt } : {}) };
    tracer.addResponseAsMetadata(summary, process.env._HANDLER);
    return summary;
  } catch (e) {
    tracer.addErrorAsMetadata(e as Error);
    throw e;
  } finally {
    subsegment?.close();
    if (segment) tracer.setSegment(segment);
  }
};
