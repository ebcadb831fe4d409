import { ArnFormat, Lazy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';

/**
 * Lets the CloudWatch alarms of this stack that notify `topic` publish to it.
 *
 * A topic policy replaces SNS's default policy, so once one exists (`enforceSSL` writes one with a single TLS Deny)
 * `cloudwatch.amazonaws.com` may publish only if a statement says so; without it every alarm action fails with
 * "not authorized to perform SNS:Publish" while Auto Scaling notifications (sent by its service-linked role) still
 * arrive. The statement names the alarms by ARN, collected when the template is written, so alarms added to the
 * stack after this call are covered too; a stack with no such alarm gets its region's alarms of this account.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html#alarms-and-actions
 */
export function allowStackAlarmsToPublish(topic: sns.Topic): void {
  const stack = Stack.of(topic);
  const everyAlarm = stack.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME });
  topic.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'AllowThisStacksAlarmsToPublish',
    principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
    actions: ['sns:Publish'],
    resources: [topic.topicArn],
    conditions: {
      StringEquals: { 'aws:SourceAccount': stack.account },
      ArnLike: {
        'aws:SourceArn': Lazy.list({
          produce: () => {
            const arns = alarmsNotifying(topic).map((a) => a.attrArn);
            return arns.length > 0 ? arns : [everyAlarm];
          },
        }),
      },
    },
  }));
}

/** The stack's metric and composite alarms with `topic` among their actions (alarm, OK or insufficient data). */
export function alarmsNotifying(topic: sns.ITopic): Array<cloudwatch.CfnAlarm | cloudwatch.CfnCompositeAlarm> {
  const stack = Stack.of(topic);
  const target = JSON.stringify(stack.resolve(topic.topicArn));
  return stack.node.findAll()
    .filter((c): c is cloudwatch.CfnAlarm | cloudwatch.CfnCompositeAlarm =>
      c instanceof cloudwatch.CfnAlarm || c instanceof cloudwatch.CfnCompositeAlarm)
    .filter((alarm) => [alarm.alarmActions, alarm.okActions, alarm.insufficientDataActions]
      .flatMap((actions) => (stack.resolve(actions) as unknown[] | undefined) ?? [])
      .some((action) => JSON.stringify(action) === target));
}
