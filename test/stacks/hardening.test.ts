import { ENVIRONMENTS } from '../../config/environments';
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
