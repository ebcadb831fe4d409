import { App } from 'aws-cdk-lib';
import { dev, ENVIRONMENTS } from '../../config/environments';
import { FleetConfigError } from '../../config/validate';
import { GpuFleetStack } from '../../lib/stacks/gpu-fleet-stack';
import { formatFindings, nagApp, nagFindings } from '../support/nag';
import { fixtureEstimate } from '../support/prices';
import { buildEnvironmentStack } from '../support/stacks';

// Properties every composed stack must hold whatever its environment: the ones security reviews and on-call depend on.
const built = Object.fromEntries(ENVIRONMENTS.map((cfg) => [cfg.name, buildEnvironmentStack(cfg)]));
const names = ENVIRONMENTS.map((e) => e.name);

type Resources = Record<string, { Type: string; Properties?: Record<string, any> }>;
const resourcesOf = (name: string) => built[name].template.toJSON().Resources as Resources;
const asList = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Logical ids of the SNS topics an alarm (metric or composite) notifies, from its alarm/OK/insufficient-data actions. */
function notifiedTopics(resources: Resources, alarm: { Properties?: Record<string, any> }): string[] {
  const p = alarm.Properties ?? {};
  return [...asList(p.AlarmActions), ...asList(p.OKActions), ...asList(p.InsufficientDataActions)]
    .map((a: any) => a?.Ref)
    .filter((ref: string | undefined): ref is string => !!ref && resources[ref]?.Type === 'AWS::SNS::Topic');
}

describe.each(names)('%s: every alarm can notify its topic', (name) => {
  const resources = resourcesOf(name);
  const alarms = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::CloudWatch::Alarm' || r.Type === 'AWS::CloudWatch::CompositeAlarm');
  const pairs = alarms.flatMap(([alarmId, alarm]) => [...new Set(notifiedTopics(resources, alarm))].map((topicId) => [alarmId, topicId] as const));

  test('the stack has alarms that notify topics (the checks below are not vacuous)', () => {
    expect(pairs.length).toBeGreaterThan(10);
  });

  test.each(pairs)('alarm %s may publish to topic %s (topic policy)', (alarmId, topicId) => {
    const statements = Object.values(resources)
      .filter((r) => r.Type === 'AWS::SNS::TopicPolicy' && asList(r.Properties!.Topics).some((t: any) => t?.Ref === topicId))
      .flatMap((r) => asList(r.Properties!.PolicyDocument.Statement) as any[]);
    const grant = statements.find((s) => s.Effect === 'Allow'
      && asList(s.Principal?.Service).includes('cloudwatch.amazonaws.com')
      && asList(s.Action).some((a: string) => a === 'sns:Publish' || a === 'sns:*'));
    expect(grant).toBeDefined();
    // Scoped: this account, and this alarm by ARN.
    expect(grant.Condition?.StringEquals?.['aws:SourceAccount']).toBeDefined();
    const sources = asList(grant.Condition?.ArnLike?.['aws:SourceArn'] ?? grant.Condition?.ArnEquals?.['aws:SourceArn']);
    const byArn = sources.some((s: any) => JSON.stringify(s) === JSON.stringify({ 'Fn::GetAtt': [alarmId, 'Arn'] }));
    expect(byArn).toBe(true);
    // Nothing denies it: the only Deny statements are the TLS guard.
    for (const deny of statements.filter((s) => s.Effect === 'Deny')) {
      expect(deny.Condition?.Bool?.['aws:SecureTransport']).toBe('false');
    }
  });

  test.each(pairs)('alarm %s may use the key of topic %s (key policy)', (_alarmId, topicId) => {
    const keyRef = resources[topicId].Properties?.KmsMasterKeyId;
    if (keyRef === undefined) return; // unencrypted topic: no key policy to check (none in this project, see below)
    const keyId = keyRef['Fn::GetAtt']?.[0] ?? keyRef.Ref;
    const statements = asList(resources[keyId].Properties!.KeyPolicy.Statement) as any[];
    const grant = statements.find((s) => s.Effect === 'Allow'
      && asList(s.Principal?.Service).includes('cloudwatch.amazonaws.com')
      && ['kms:GenerateDataKey*', 'kms:Decrypt'].every((a) => asList(s.Action).includes(a)));
    expect(grant).toBeDefined();
  });

  test('every topic is encrypted with a customer-managed key', () => {
    for (const [, topic] of Object.entries(resources).filter(([, r]) => r.Type === 'AWS::SNS::Topic')) {
      expect(topic.Properties?.KmsMasterKeyId?.['Fn::GetAtt']?.[1]).toBe('Arn');
    }
  });
});

/**
 * Functions CDK itself adds (custom resource providers, e.g. the one behind `restrictDefaultSecurityGroup`): not
 * project code and no tracing props (their log group is set by escape hatch, and checked). Matched by logical-id prefix.
 */
const CDK_FRAMEWORK_FUNCTIONS: readonly string[] = ['CustomVpcRestrictDefaultSGCustomResourceProvider'];
const frameworkFunction = (logicalId: string) => CDK_FRAMEWORK_FUNCTIONS.some((prefix) => logicalId.startsWith(prefix));

const ofType = (resources: Resources, type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
/** The logical id a `Ref` / `Fn::GetAtt` points at, else undefined. */
const target = (v: any): string | undefined => v?.Ref ?? v?.['Fn::GetAtt']?.[0];

describe.each(names)('%s: issue 9 hardening holds in the template', (name) => {
  const resources = resourcesOf(name);
  const cfg = ENVIRONMENTS.find((e) => e.name === name)!;

  test('every Auto Scaling group names AvailabilityZones, equal to its subnets\' AZs', () => {
    const groups = ofType(resources, 'AWS::AutoScaling::AutoScalingGroup');
    expect(groups.length).toBeGreaterThanOrEqual(1);
    for (const [id, g] of groups) {
      const subnetAzs = asList(g.Properties!.VPCZoneIdentifier).map((ref: any) => resources[target(ref)!].Properties!.AvailabilityZone);
      expect({ id, azs: g.Properties!.AvailabilityZones }).toEqual({ id, azs: subnetAzs });
      expect([...subnetAzs].sort()).toEqual([...cfg.availabilityZones].sort());
    }
  });

  test(`every log group keeps the configured ${cfg.logRetentionDays} days${name === 'prod' ? ' (at least 365 in prod)' : ''}`, () => {
    const groups = ofType(resources, 'AWS::Logs::LogGroup');
    expect(groups.length).toBeGreaterThanOrEqual(2);
    for (const [id, g] of groups) expect({ id, days: g.Properties!.RetentionInDays }).toEqual({ id, days: cfg.logRetentionDays });
    if (name === 'prod') expect(cfg.logRetentionDays).toBeGreaterThanOrEqual(365);
  });

  test('every log group is encrypted with a customer-managed key of this stack', () => {
    const groups = ofType(resources, 'AWS::Logs::LogGroup');
    expect(groups.length).toBeGreaterThanOrEqual(1);
    for (const [id, g] of groups) {
      const keyId = target(g.Properties!.KmsKeyId);
      expect({ id, keyType: keyId && resources[keyId]?.Type }).toEqual({ id, keyType: 'AWS::KMS::Key' });
    }
  });

  test('every function, CDK\'s own included, logs to a log group of this stack, not an implicit unencrypted one', () => {
    const functions = ofType(resources, 'AWS::Lambda::Function');
    expect(functions.some(([id]) => frameworkFunction(id))).toBe(true);
    for (const [id, fn] of functions) {
      const group = target(fn.Properties!.LoggingConfig?.LogGroup);
      expect({ id, logGroup: group && resources[group]?.Type }).toEqual({ id, logGroup: 'AWS::Logs::LogGroup' });
    }
  });

  test('every KMS key policy denies kms:CreateGrant unless for an AWS resource or by an AWS service', () => {
    const keys = ofType(resources, 'AWS::KMS::Key');
    expect(keys.length).toBeGreaterThanOrEqual(3);
    for (const [id, key] of keys) {
      const guard = asList(key.Properties!.KeyPolicy.Statement).find((st: any) => st.Effect === 'Deny'
        && asList(st.Action).includes('kms:CreateGrant')
        && st.Condition?.Bool?.['kms:GrantIsForAWSResource'] === 'false'
        && st.Condition?.Bool?.['aws:PrincipalIsAWSService'] === 'false');
      expect({ id, guarded: guard !== undefined }).toEqual({ id, guarded: true });
      expect({ id, rotation: key.Properties!.EnableKeyRotation }).toEqual({ id, rotation: true });
    }
  });

  test('every project function has X-Ray tracing active', () => {
    const functions = ofType(resources, 'AWS::Lambda::Function').filter(([id]) => !frameworkFunction(id));
    for (const [id, fn] of functions) expect({ id, tracing: fn.Properties!.TracingConfig?.Mode }).toEqual({ id, tracing: 'Active' });
  });

  // Asynchronous invokers need a resource-based permission on the function (SNS, EventBridge, S3, Scheduler...);
  // SQS event source mappings and CloudFormation custom resources do not.
  const ASYNC_INVOKERS = ['sns.amazonaws.com', 'events.amazonaws.com', 's3.amazonaws.com', 'scheduler.amazonaws.com'];
  const asyncFunctions = [...new Set(ofType(resources, 'AWS::Lambda::Permission')
    .filter(([, p]) => ASYNC_INVOKERS.includes(p.Properties!.Principal))
    .map(([, p]) => target(p.Properties!.FunctionName)!))];

  test('every asynchronously invoked function has an on-failure destination: an encrypted queue with an alarm, deliberate retries and reserved concurrency', () => {
    const checked = asyncFunctions;
    if (cfg.budget.killSwitch) expect(checked).toEqual(expect.arrayContaining([expect.stringMatching(/^BudgetKillSwitch/)]));
    for (const fnId of checked) {
      const config = ofType(resources, 'AWS::Lambda::EventInvokeConfig').find(([, c]) => target(c.Properties!.FunctionName) === fnId);
      expect({ fnId, config: config !== undefined }).toEqual({ fnId, config: true });
      const { DestinationConfig, MaximumRetryAttempts } = config![1].Properties!;
      expect({ fnId, retries: typeof MaximumRetryAttempts }).toEqual({ fnId, retries: 'number' });
      const queueId = target(DestinationConfig?.OnFailure?.Destination);
      expect({ fnId, destination: queueId && resources[queueId]?.Type }).toEqual({ fnId, destination: 'AWS::SQS::Queue' });
      // SSE with a customer-managed key or SQS-managed SSE: either keeps a parked event encrypted at rest.
      const queue = resources[queueId!].Properties!;
      expect({ fnId, encrypted: queue.KmsMasterKeyId !== undefined || queue.SqsManagedSseEnabled === true }).toEqual({ fnId, encrypted: true });
      const alarmed = ofType(resources, 'AWS::CloudWatch::Alarm').some(([, a]) => a.Properties!.Namespace === 'AWS/SQS'
        && asList(a.Properties!.Dimensions).some((d: any) => d.Name === 'QueueName' && target(d.Value) === queueId));
      expect({ fnId, alarmed }).toEqual({ fnId, alarmed: true });
      expect({ fnId, reserved: typeof resources[fnId].Properties!.ReservedConcurrentExecutions }).toEqual({ fnId, reserved: 'number' });
    }
  });
});

describe('log retention comes from config', () => {
  test('a hand-built config with a retention CloudWatch does not offer fails as a config error', () => {
    const build = () => new GpuFleetStack(new App(), 'GpuFleet-dev', { config: { ...dev, logRetentionDays: 10 }, costEstimate: fixtureEstimate(dev), env: { region: dev.region } });
    expect(build).toThrow(FleetConfigError);
    expect(build).toThrow("dev.logRetentionDays (10) must be one of CloudWatch Logs' retention periods in days: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653");
  });
});

describe('cdk-nag AwsSolutions', () => {
  test('zero unacknowledged findings in every environment', () => {
    const app = nagApp();
    for (const cfg of ENVIRONMENTS) {
      new GpuFleetStack(app, `GpuFleet-${cfg.name}`, { config: cfg, costEstimate: fixtureEstimate(cfg), env: { region: cfg.region } });
    }
    expect(formatFindings(nagFindings(app))).toEqual([]);
  });
});
