import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { IConstruct } from 'constructs';
import { OnDemandFallback } from '../../lib/fallback/on-demand-fallback';
import { FleetNetwork } from '../../lib/fleet/fleet-network';
import { GpuFleet } from '../../lib/fleet/gpu-fleet';
import { ServingEndpoint } from '../../lib/serving/serving-endpoint';
import { ServingWorkload } from '../../lib/serving/serving-workload';
import { formatFindings, nagApp, nagFindings } from '../support/nag';
import { DIGEST, SECRET_ARN } from './fixtures';

// cdk-nag (AwsSolutions, as bin/app.ts runs it) on a stack composed as issue 11 intends: network with endpoints,
// the serving endpoint, the workload on a GpuFleet, an OnDemandFallback group registered too.

const AZS = ['us-east-1a', 'us-east-1b'];
const CERT = 'arn:aws:acm:us-east-1:123456789012:certificate/0c1d2e3f-1111-2222-3333-444455556666';
const OURS = /\/(Endpoint|Workload)\//;

function compose(app: App, internetFacing: boolean) {
  const stack = new Stack(app, 'Serving', { env: { region: 'us-east-1', account: '123456789012' } });
  const network = new FleetNetwork(stack, 'Network', { availabilityZones: AZS, s3GatewayEndpoint: true, ecrInterfaceEndpoints: true });
  const endpoint = new ServingEndpoint(stack, 'Endpoint', {
    vpc: network.vpc, port: 8000, drainTimeout: Duration.minutes(5),
    ...(internetFacing ? { internetFacing: true, certificate: acm.Certificate.fromCertificateArn(stack, 'Cert', CERT) } : {}),
  });
  const workload = new ServingWorkload(stack, 'Workload', {
    image: { repository: ecr.Repository.fromRepositoryName(stack, 'Repo', 'ml-platform/vllm-openai'), digest: DIGEST },
    model: { bucket: s3.Bucket.fromBucketName(stack, 'Models', 'ml-platform-models'), prefix: 'llama', key: kms.Key.fromKeyArn(stack, 'ModelKey', 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555') },
    secrets: {
      VLLM_API_KEY: { secret: secretsmanager.Secret.fromSecretCompleteArn(stack, 'ApiKey', SECRET_ARN) },
      HF_TOKEN: { parameter: ssm.StringParameter.fromSecureStringParameterAttributes(stack, 'HfToken', { parameterName: '/ml/hf-token' }) },
    },
    startupTimeout: Duration.minutes(8),
    drainTimeout: Duration.minutes(5),
  });
  const fleet = new GpuFleet(stack, 'Fleet', {
    vpc: network.vpc, availabilityZones: AZS, instanceTypes: ['g6.xlarge', 'g5.xlarge'], minCapacity: 1, maxCapacity: 4,
    userDataCommands: workload.userDataCommands, targetGroups: [endpoint.targetGroup],
  });
  network.allowEndpointAccessFrom(fleet.securityGroup);
  const fallback = new OnDemandFallback(stack, 'Fallback', {
    autoScalingGroup: fleet.autoScalingGroup, launchTemplate: fleet.launchTemplate, vpc: network.vpc, availabilityZones: AZS,
    instanceTypes: ['g6.xlarge', 'g5.xlarge'], topic: fleet.topic, fleetTag: fleet.fleetTag, maxFallbackInstances: 2,
    targetGroups: [endpoint.targetGroup],
  });
  workload.attachTo(fleet.role, [fleet.autoScalingGroup, fallback.fallbackGroup]);
  return { stack, fleet, fallback };
}

/** `path id` of every acknowledgement recorded on a construct of ours. */
function acknowledgements(root: IConstruct): string[] {
  return root.node.findAll()
    .filter((c) => OURS.test(`/${c.node.path}/`))
    .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY).flatMap((m) => Object.keys(m.data as object).map((id) => `${c.node.path} ${id}`)));
}

/** Drops the acknowledgements of our constructs (test only: constructs keeps metadata in `_metadata`). */
function dropOurAcknowledgements(root: IConstruct): number {
  let dropped = 0;
  for (const c of root.node.findAll().filter((x) => OURS.test(`/${x.node.path}/`))) {
    const node = c.node as unknown as { _metadata?: Array<{ type: string }> };
    const before = node._metadata?.length ?? 0;
    node._metadata = node._metadata?.filter((m) => m.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY);
    dropped += before - (node._metadata?.length ?? 0);
  }
  return dropped;
}

const READY = (group: string) => `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:autoscaling:us-east-1:123456789012:autoScalingGroup:*:autoScalingGroupName/<${group}>]`;

describe.each([false, true])('cdk-nag on the composed serving stack (internet-facing: %p)', (internetFacing) => {
  test('zero unacknowledged findings', () => {
    const app = nagApp();
    compose(app, internetFacing);
    expect(formatFindings(nagFindings(app))).toEqual([]);
  });

  test('our acknowledgements: exactly these, each for one exact finding, and each needed', () => {
    const app = nagApp();
    const { stack, fleet, fallback } = compose(app, internetFacing);
    const main = stack.getLogicalId(fleet.autoScalingGroup.node.defaultChild as any);
    const second = stack.getLogicalId(fallback.fallbackGroup.node.defaultChild as any);
    const expected = [
      'Serving/Endpoint/AccessLogBucket AwsSolutions-S1',
      ...(internetFacing ? ['Serving/Endpoint/SecurityGroup AwsSolutions-EC23'] : []),
      'Serving/Workload/HostPolicy AwsSolutions-IAM5[Resource::*]',
      'Serving/Workload/HostPolicy AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::ml-platform-models/llama/*]',
      `Serving/Workload/ReadinessPolicy ${READY(main)}`,
      `Serving/Workload/ReadinessPolicy ${READY(second)}`,
    ];
    expect(acknowledgements(app).sort()).toEqual(expected.map((e) => e.replace(' ', ' Annotation::')).sort());
    // Without them, cdk-nag reports exactly those findings on exactly those constructs: none is broader than needed.
    expect(dropOurAcknowledgements(app)).toBe(expected.length);
    const findings = nagFindings(app).filter((f) => OURS.test(`/${f.path}/`));
    expect(findings.map((f) => `${f.path.replace(/\/Resource$/, '')} ${f.rule}`).sort()).toEqual(expected.sort());
  });
});
