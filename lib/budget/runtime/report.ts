import { PublishCommand } from '@aws-sdk/client-sns';
import type { KillSwitchDeps, KillSwitchSettings } from './types';

/** Subject prefix of the kill switch's own reports, which it receives back from the topic. */
export const REPORT_SUBJECT_PREFIX = '[gpu-spot-fleet] ';

/** The one command that restores the fleet; also in docs/budget-and-schedule.md. */
export function restoreCommand(functionName: string): string {
  return `aws lambda invoke --function-name ${functionName} --cli-binary-format raw-in-base64-out --payload '{"action":"restore"}' /dev/stdout`;
}

/** Publishes what the kill switch did to the budget topic. */
export async function publishReport(subject: string, lines: string[], settings: KillSwitchSettings, deps: KillSwitchDeps): Promise<void> {
  await deps.sns.send(
    new PublishCommand({
      TopicArn: settings.topicArn,
      // SNS subjects: ASCII, no line breaks, at most 100 characters.
      Subject: `${REPORT_SUBJECT_PREFIX}${subject}`.slice(0, 100),
      Message: lines.join('\n'),
    }),
  );
}
