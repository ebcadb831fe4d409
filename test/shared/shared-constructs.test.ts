import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { allowStackAlarmsToPublish, alarmsNotifying } from '../../lib/shared/alarm-topic';
import { encryptedLogGroup, fleetKey, logEncryptionKey } from '../../lib/shared/encryption';

const arn = (rest: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, rest]] });
const stackIn = () => new Stack(new App(), 'S', { env: { account: '111122223333', region: 'us-east-1' } });
const alarmOn = (stack: Stack, id: string, topic?: sns.ITopic) => {
  const alarm = new cloudwatch.Alarm(stack, id, {
    metric: new cloudwatch.Metric({ namespace: 'N', metricName: id, period: Duration.minutes(1) }),
    threshold: 1,
    evaluationPeriods: 1,
  });
  if (topic) alarm.addAlarmAction(new actions.SnsAction(topic));
  return alarm;
};

describe('allowStackAlarmsToPublish', () => {
  test('names every alarm of the stack that notifies the topic, including alarms added after the call', () => {
    const stack = stackIn();
    const topic = new sns.Topic(stack, 'Topic', { enforceSSL: true });
    alarmOn(stack, 'Before', topic);
    allowStackAlarmsToPublish(topic);
    alarmOn(stack, 'After', topic);
    alarmOn(stack, 'Elsewhere'); // notifies nothing: not named
    const other = new sns.Topic(stack, 'Other');
    alarmOn(stack, 'OtherTopic', other);

    expect(alarmsNotifying(topic).map((a) => a.node.path)).toEqual(['S/Before/Resource', 'S/After/Resource']);
    Template.fromStack(stack).hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([{
          Sid: 'AllowThisStacksAlarmsToPublish',
          Effect: 'Allow',
          Principal: { Service: 'cloudwatch.amazonaws.com' },
          Action: 'sns:Publish',
          Resource: { Ref: Match.stringLikeRegexp('^Topic') },
          Condition: {
            StringEquals: { 'aws:SourceAccount': '111122223333' },
            ArnLike: { 'aws:SourceArn': [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^Before'), 'Arn'] }, { 'Fn::GetAtt': [Match.stringLikeRegexp('^After'), 'Arn'] }] },
          },
        }]),
      },
    });
  });

  test('a stack without alarms on the topic allows its account\'s alarms of the region (never an empty condition)', () => {
    const stack = stackIn();
    const topic = new sns.Topic(stack, 'Topic');
    allowStackAlarmsToPublish(topic);
    Template.fromStack(stack).hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Condition: Match.objectLike({ ArnLike: { 'aws:SourceArn': [arn(':cloudwatch:us-east-1:111122223333:alarm:*')] } }),
        })]),
      },
    });
  });
});

describe('keys and log groups', () => {
  test('fleetKey rotates and denies grants that are not for an AWS resource nor from an AWS service', () => {
    const stack = stackIn();
    fleetKey(stack, 'Key', 'test key');
    Template.fromStack(stack).hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([{
          Sid: 'DenyGrantsExceptForAwsResources',
          Effect: 'Deny',
          Principal: { AWS: '*' },
          Action: 'kms:CreateGrant',
          Resource: '*',
          Condition: { Bool: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
        }]),
      },
    });
  });

  test('one log key per stack, usable by CloudWatch Logs only for this account\'s log groups', () => {
    const stack = stackIn();
    const a = encryptedLogGroup(stack, 'A', { retention: logs.RetentionDays.ONE_YEAR });
    encryptedLogGroup(stack, 'B', { retention: logs.RetentionDays.THIRTEEN_MONTHS });
    expect(logEncryptionKey(a)).toBe(logEncryptionKey(stack));
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.resourcePropertiesCountIs('AWS::Logs::LogGroup', { KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^LogEncryptionKey'), 'Arn'] } }, 2);
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
    template.hasResource('AWS::Logs::LogGroup', { DeletionPolicy: 'Retain' });
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([Match.objectLike({
          Principal: { Service: 'logs.us-east-1.amazonaws.com' },
          Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': arn(':logs:us-east-1:111122223333:log-group:*') } },
        })]),
      },
    });
  });
});
