import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { EC2Client } from '@aws-sdk/client-ec2';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { runFallbackController } from './controller';
import { controllerConfigFromEnv } from './env';
import { FALLBACK_ENV } from '../../shared/fallback-env';
import { FALLBACK_SERVICE, FLEET_METRIC_NAMESPACE } from '../../shared/metric-names';

export { runFallbackController } from './controller';

// Clients at module scope: reused across warm invocations; extra SDK attempts absorb short throttling.
const clientConfig = { maxAttempts: 5 };
const logger = new Logger({ serviceName: FALLBACK_SERVICE });
const metrics = new Metrics({
  namespace: FLEET_METRIC_NAMESPACE,
  serviceName: FALLBACK_SERVICE,
  defaultDimensions: { Fleet: process.env[FALLBACK_ENV.fleet] ?? 'unknown' },
});
const config = controllerConfigFromEnv(process.env);
const deps = {
  autoScaling: new AutoScalingClient(clientConfig),
  ec2: new EC2Client(clientConfig),
  ssm: new SSMClient(clientConfig),
  sns: new SNSClient(clientConfig),
  logger,
  metrics,
};

export const handler = async (_event: unknown, context: Context) => {
  logger.addContext(context);
  const { decision, resized, notified } = await runFallbackController(config, deps);
  return { action: decision.action, desiredFallback: decision.desiredFallback, resized, notified };
};
