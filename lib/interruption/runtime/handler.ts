import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { INTERRUPTION_ENV } from '../../shared/interruption-env';
import { FLEET_METRIC_NAMESPACE, HANDLER_SERVICE } from '../../shared/metric-names';
import { configFromEnv } from './env';
import { createInterruptionProcessor } from './processor';

export { createInterruptionProcessor } from './processor';

// Clients at module scope: reused across warm invocations. The SDK's own attempts absorb short throttling; the
// handler retries on top of that within each event's deadline (runtime/retry.ts).
const clientConfig = { maxAttempts: 5 };
const logger = new Logger({ serviceName: HANDLER_SERVICE });
// X-Ray (the function has active tracing): one subsegment per AWS call. Off outside Lambda and in tests.
const tracer = new Tracer({ serviceName: HANDLER_SERVICE });
const metrics = new Metrics({
  namespace: FLEET_METRIC_NAMESPACE,
  serviceName: HANDLER_SERVICE,
  defaultDimensions: { Fleet: process.env[INTERRUPTION_ENV.fleetTagValue] ?? 'unknown' },
});
const tableName = process.env[INTERRUPTION_ENV.idempotencyTableName] ?? '';
const processor = createInterruptionProcessor(configFromEnv(process.env), {
  ec2: tracer.captureAWSv3Client(new EC2Client(clientConfig)),
  autoScaling: tracer.captureAWSv3Client(new AutoScalingClient(clientConfig)),
  ssm: tracer.captureAWSv3Client(new SSMClient(clientConfig)),
  elbv2: tracer.captureAWSv3Client(new ElasticLoadBalancingV2Client(clientConfig)),
  sns: tracer.captureAWSv3Client(new SNSClient(clientConfig)),
  sqs: tracer.captureAWSv3Client(new SQSClient(clientConfig)),
  logger,
  metrics,
  eventStore: new DynamoDBPersistenceLayer({ tableName }),
  drainStore: new DynamoDBPersistenceLayer({ tableName }),
});

export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  logger.addContext(context);
  return processor.handle(event, context);
};
