import { Duration } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { SERVING_DEFAULTS } from '../../config/schema';
import { deregistrationDelaySeconds, servingHealthCheck } from '../../config/serving-rules';
import type { EnvironmentConfig, ServingConfig } from '../../config/types';
import { gpuInstanceType } from '../catalog/gpu-instance-types';
import type { FleetRolloutOptions } from '../fleet/rollout';
import type { ServingEndpointProps } from '../serving/serving-endpoint';
import type { ServingSlo } from '../serving/slo';
import type { ServingSecret, ServingWorkloadProps } from '../serving/serving-workload';
import { parseEcrRepository, parseS3Uri, SECRET_LOOKING_NAME, secretArnSource } from '../shared/serving-spec';
import { servingTimings } from './serving-timings';

// The config's `serving` block as the serving constructs' props (CDK types, defaults applied): the stack's adapter,
// beside cost-inputs.ts. Imported resources (repository, bucket, keys, secrets, certificate) create nothing in the
// template; they give the constructs ARNs to grant on.

/** The load balancer's props. */
export function endpointProps(scope: Construct, cfg: EnvironmentConfig, s: ServingConfig, vpc: ec2.IVpc): ServingEndpointProps {
  const e = s.endpoint ?? {};
  const hc = servingHealthCheck(s);
  const routing = e.routing ?? SERVING_DEFAULTS.endpoint.routing;
  return {
    vpc,
    port: s.port ?? SERVING_DEFAULTS.port,
    healthCheck: {
      path: hc.path,
      healthyHttpCodes: hc.healthyHttpCodes,
      interval: Duration.seconds(hc.intervalSeconds),
      timeout: Duration.seconds(hc.timeoutSeconds),
      healthyThresholdCount: hc.healthyThreshold,
      unhealthyThresholdCount: hc.unhealthyThreshold,
    },
    drainTimeout: Duration.seconds(cfg.interruption.drainTimeoutSeconds),
    internetFacing: e.scheme === 'internet-facing',
    certificate: e.certificateArn === undefined ? undefined : acm.Certificate.fromCertificateArn(scope, 'Certificate', e.certificateArn),
    allowedCidrs: e.allowedCidrs ?? (e.scheme !== 'internet-facing' && cfg.fleet.existingVpc?.cidrBlock ? [cfg.fleet.existingVpc.cidrBlock] : undefined),
    allowedPaths: e.allowedPaths,
    slowStart: Duration.seconds(servingTimings(s).slowStartSeconds),
    deregistrationDelay: Duration.seconds(deregistrationDelaySeconds(cfg, s)),
    routing: routing === 'least_outstanding_requests'
      ? elbv2.TargetGroupLoadBalancingAlgorithmType.LEAST_OUTSTANDING_REQUESTS
      : elbv2.TargetGroupLoadBalancingAlgorithmType.ROUND_ROBIN,
    idleTimeout: Duration.seconds(e.idleTimeoutSeconds ?? SERVING_DEFAULTS.endpoint.idleTimeoutSeconds),
    accessLogRetention: Duration.days(e.accessLogRetentionDays ?? SERVING_DEFAULTS.endpoint.accessLogRetentionDays),
  };
}

/**
 * The credentials a client may send in cleartext: every `secrets` name and every secret-looking `environment` name
 * (e.g. VLLM_API_KEY, which vLLM checks as a bearer token), when the endpoint has no certificate (plain HTTP). Empty
 * with a certificate.
 */
export function credentialsOverHttp(s: ServingConfig): string[] {
  if (s.endpoint?.certificateArn !== undefined) return [];
  return [...Object.keys(s.secrets ?? {}), ...Object.keys(s.environment ?? {}).filter((name) => SECRET_LOOKING_NAME.test(name))];
}

/** The workload's props: image, model, secrets as imported CDK resources, timings from the config. */
export function workloadProps(scope: Construct, cfg: EnvironmentConfig, s: ServingConfig, logRetention: logs.RetentionDays): ServingWorkloadProps {
  const drain = cfg.interruption.drainTimeoutSeconds;
  const repository = s.image.ecrRepository === undefined ? undefined : importRepository(scope, s.image.ecrRepository);
  const model = s.model && parseS3Uri(s.model.s3Uri);
  return {
    image: { repository, uri: s.image.uri, tag: s.image.tag, digest: s.image.digest },
    port: s.port ?? SERVING_DEFAULTS.port,
    healthCheckPath: servingHealthCheck(s).path,
    command: s.command,
    environment: s.environment,
    secrets: Object.fromEntries(Object.entries(s.secrets ?? {}).map(([name, secret], i) => [name, importSecret(scope, i, secret)])),
    dockerArgs: s.dockerArgs,
    model: s.model && model ? {
      bucket: s3.Bucket.fromBucketName(scope, 'ModelBucket', model.bucket),
      prefix: model.prefix,
      key: s.model.kmsKeyArn === undefined ? undefined : kms.Key.fromKeyArn(scope, 'ModelKey', s.model.kmsKeyArn),
    } : undefined,
    startupTimeout: Duration.seconds(s.startupSeconds),
    drainTimeout: Duration.seconds(drain),
    // The load balancer lets in-flight requests finish for the deregistration delay; waiting longer for them is
    // pointless, and the drain keeps 20 s to stop the server.
    drainIdleWait: Duration.seconds(Math.max(0, Math.min(deregistrationDelaySeconds(cfg, s), drain - 20))),
    revision: s.revision,
    logRetention,
  };
}

/** The SLO as ServingAlarms and the latency guard take it. */
export function servingSlo(s: ServingConfig): ServingSlo {
  return {
    latencyPercentile: s.slo.latencyPercentile ?? SERVING_DEFAULTS.slo.latencyPercentile,
    latency: Duration.seconds(s.slo.latencySeconds),
    max5xxPercent: s.slo.max5xxPercent ?? SERVING_DEFAULTS.slo.max5xxPercent,
  };
}

/**
 * How a change of the hosts rolls through both groups: a launch-before-terminate instance refresh that waits the
 * derived warm-up per host, bakes, pauses at the configured checkpoints and fails (rolling the stack back) when one of
 * `alarms` (the endpoint's 5xx-rate and latency alarms) fires.
 */
export function rolloutOptions(s: ServingConfig, alarms: readonly cloudwatch.IAlarm[], warmupSeconds: number): FleetRolloutOptions {
  const r = s.rollout ?? {};
  return {
    alarms,
    bakeTime: Duration.seconds(r.bakeTimeSeconds ?? SERVING_DEFAULTS.rollout.bakeTimeSeconds),
    checkpointPercentages: r.checkpointPercentages,
    checkpointDelay: r.checkpointPercentages ? Duration.seconds(r.checkpointDelaySeconds ?? SERVING_DEFAULTS.rollout.checkpointDelaySeconds) : undefined,
    // Explicit for both groups: the fallback group has no default warm-up of its own.
    instanceWarmup: Duration.seconds(warmupSeconds),
  };
}

/** The smallest GPU memory of one host among the fleet's types, and that type (for the model-size warning). */
export function smallestGpuMemory(cfg: EnvironmentConfig): { readonly type: string; readonly gib: number } | undefined {
  return cfg.fleet.instanceTypes
    .map((type) => ({ type, gib: (gpuInstanceType(type)?.gpus ?? 0) * (gpuInstanceType(type)?.gpuMemoryGiB ?? 0) }))
    .filter((t) => t.gib > 0)
    .sort((a, b) => a.gib - b.gib)[0];
}

function importRepository(scope: Construct, value: string): ecr.IRepository {
  const ref = parseEcrRepository(value);
  if (ref?.region !== undefined) return ecr.Repository.fromRepositoryArn(scope, 'Repository', value);
  return ecr.Repository.fromRepositoryName(scope, 'Repository', ref?.name ?? value);
}

/** Construct ids by position: imports create no resources, so the ids never reach the template. */
function importSecret(scope: Construct, i: number, secret: { readonly arn: string; readonly kmsKeyArn?: string }): ServingSecret {
  const key = secret.kmsKeyArn === undefined ? undefined : kms.Key.fromKeyArn(scope, `SecretKey${i}`, secret.kmsKeyArn);
  return secretArnSource(secret.arn) === 'ssm'
    ? { parameter: ssm.StringParameter.fromStringParameterArn(scope, `Secret${i}`, secret.arn), key }
    : { secret: secretsmanager.Secret.fromSecretCompleteArn(scope, `Secret${i}`, secret.arn), key };
}
