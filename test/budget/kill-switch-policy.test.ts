import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import {
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  UpdateAutoScalingGroupCommand,
  UpdateAutoScalingGroupCommandInput,
} from '@aws-sdk/client-auto-scaling';
import { SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { Template } from 'aws-cdk-lib/assertions';
import { BudgetGuard } from '../../lib/budget';
import { processEvent } from '../../lib/budget/runtime/process-event';
import type { KillSwitchSettings } from '../../lib/budget/runtime/types';
import { allows, PolicyStatementJson, RequestContext } from '../support/iam-policy';
import { testFleet } from './fleet-fixture';

/*
 * Issue 9 suspicion: "the kill switch's IAM condition on autoscaling:LaunchTemplateVersionSpecified may deny its own
 * UpdateAutoScalingGroup calls". Refuted: the Service Authorization Reference lists it, like MinSize, MaxSize and
 * VPCZoneIdentifiers, as a condition key of UpdateAutoScalingGroup derived from the request (type Bool: "whether users
 * can specify any version of a launch template or only the Latest or Default version"; the Auto Scaling user guide's
 * examples test it only for requests that specify a launch template, and use ...IfExists for the size keys because a
 * request without the parameter has no key). The kill switch sends only AutoScalingGroupName, MinSize, MaxSize and
 * DesiredCapacity, so the key is absent and `Null: true` holds.
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2autoscaling.html#amazonec2autoscaling-policy-keys
 * https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-launch-template-permissions.html
 *
 * These tests evaluate the synthesized statement against the requests the runtime really sends (captured from the
 * SDK), with the request -> condition-key mapping below as the modelled part.
 */

/** The condition keys an UpdateAutoScalingGroup request carries: one per parameter present in it. */
function requestContext(input: UpdateAutoScalingGroupCommandInput): RequestContext {
  const ctx: Record<string, string[]> = {};
  if (input.MinSize !== undefined) ctx['autoscaling:MinSize'] = [String(input.MinSize)];
  if (input.MaxSize !== undefined) ctx['autoscaling:MaxSize'] = [String(input.MaxSize)];
  if (input.VPCZoneIdentifier !== undefined) ctx['autoscaling:VPCZoneIdentifiers'] = input.VPCZoneIdentifier.split(',');
  if (input.LaunchConfigurationName !== undefined) ctx['autoscaling:LaunchConfigurationName'] = [input.LaunchConfigurationName];
  const overrides = input.MixedInstancesPolicy?.LaunchTemplate?.Overrides ?? [];
  const types = overrides.map((o) => o.InstanceType).filter((t): t is string => t !== undefined);
  if (types.length > 0) ctx['autoscaling:InstanceTypes'] = types;
  const template = input.LaunchTemplate ?? input.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification;
  if (template) {
    // A specific version is "specified"; $Latest, $Default or no version are not.
    const version = template.Version;
    ctx['autoscaling:LaunchTemplateVersionSpecified'] = [String(version !== undefined && !version.startsWith('$'))];
  }
  return ctx;
}

const GROUP = 'staging-fleet-asg';
const GROUP_ARN = `arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:0b5c6e0e-1111-2222-3333-444455556666:autoScalingGroupName/${GROUP}`;

/** The kill switch's UpdateAutoScalingGroup statement, as synthesized, with the group's name and the partition filled in. */
function synthesizedResizeStatement(restoreMax: number): PolicyStatementJson {
  const fleet = testFleet();
  new BudgetGuard(fleet.stack, 'Budget', {
    environmentName: 'staging',
    monthlyLimitUsd: 2500,
    alertEmails: ['ops@example.com'],
    costAllocationTag: { key: 'Environment', value: 'staging' },
    autoScalingGroup: fleet.autoScalingGroup,
    burnRate: { onDemandUsdPerHour: 0.8, spotUsdPerHour: 0.35, onDemandBaseCapacity: 1 },
    killSwitch: { capTo: 'zero', baseCapacity: 1, restoreCapacity: { minCapacity: 1, maxCapacity: restoreMax } },
  });
  const template = Template.fromStack(fleet.stack).toJSON();
  const groupId = Object.keys(template.Resources).find((id) => template.Resources[id].Type === 'AWS::AutoScaling::AutoScalingGroup')!;
  const resolve = (v: any): any => {
    if (typeof v === 'string' || typeof v === 'number') return v;
    if (Array.isArray(v)) return v.map(resolve);
    if (v.Ref === 'AWS::Partition') return 'aws';
    if (v.Ref === groupId) return GROUP;
    if (v['Fn::Join']) return v['Fn::Join'][1].map(resolve).join(v['Fn::Join'][0]);
    if (typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolve(x)]));
    throw new Error(`cannot resolve ${JSON.stringify(v)}`);
  };
  const statements = Object.values(template.Resources as Record<string, any>)
    .filter((r) => r.Type === 'AWS::IAM::Policy')
    .flatMap((r) => r.Properties.PolicyDocument.Statement);
  const resize = statements.filter((s: any) => [s.Action].flat().includes('autoscaling:UpdateAutoScalingGroup'));
  expect(resize).toHaveLength(1);
  return resolve(resize[0]);
}

/** The UpdateAutoScalingGroup requests the runtime sends for a cap and a restore. */
async function killSwitchRequests(settings: KillSwitchSettings, before: { MinSize: number; MaxSize: number; DesiredCapacity: number }) {
  const asg = mockClient(AutoScalingClient);
  mockClient(SNSClient).resolves({});
  const deps = {
    autoScaling: new AutoScalingClient({}),
    sns: new SNSClient({}),
    logger: new Logger({ serviceName: 'test', logLevel: 'SILENT' }),
    metrics: new Metrics({ namespace: 'test', serviceName: 'test' }),
  };
  asg.on(DescribeAutoScalingGroupsCommand).resolvesOnce({
    AutoScalingGroups: [{ AutoScalingGroupName: GROUP, ...before, SuspendedProcesses: [] } as any],
  }).resolves({
    AutoScalingGroups: [{
      AutoScalingGroupName: GROUP, MinSize: 0, MaxSize: 0, DesiredCapacity: 0,
      SuspendedProcesses: [{ ProcessName: 'ScheduledActions' }],
    } as any],
  });
  await processEvent({ action: 'cap' }, settings, deps);
  await processEvent({ action: 'restore' }, settings, deps);
  const inputs = asg.commandCalls(UpdateAutoScalingGroupCommand).map((c) => c.args[0].input);
  asg.restore();
  return inputs;
}

const staging: KillSwitchSettings = {
  groupName: GROUP, capTo: 'zero', baseCapacity: 1, restoreMinCapacity: 1, restoreMaxCapacity: 6,
  topicArn: 'arn:aws:sns:us-east-1:123456789012:budget', environmentName: 'staging',
};

describe('the kill switch\'s UpdateAutoScalingGroup permission (issue 9 suspicion: refuted)', () => {
  const statement = synthesizedResizeStatement(6);
  const allowed = (input: UpdateAutoScalingGroupCommandInput) =>
    allows(statement, 'autoscaling:UpdateAutoScalingGroup', GROUP_ARN, requestContext(input));

  test('the statement keeps its conditions (so the checks below are about the real policy)', () => {
    expect(statement.Condition).toEqual({
      NumericLessThanEquals: { 'autoscaling:MaxSize': 6 },
      Null: {
        'autoscaling:VPCZoneIdentifiers': 'true',
        'autoscaling:LaunchTemplateVersionSpecified': 'true',
        'autoscaling:InstanceTypes': 'true',
        'autoscaling:LaunchConfigurationName': 'true',
      },
    });
  });

  test('allows the cap and the restore the runtime sends (dev/staging: to zero)', async () => {
    const requests = await killSwitchRequests(staging, { MinSize: 1, MaxSize: 6, DesiredCapacity: 3 });
    expect(requests).toEqual([
      { AutoScalingGroupName: GROUP, MinSize: 0, MaxSize: 0, DesiredCapacity: 0 },
      { AutoScalingGroupName: GROUP, MinSize: 1, MaxSize: 6 },
    ]);
    for (const r of requests) expect({ r, context: requestContext(r), allowed: allowed(r) }).toMatchObject({ allowed: true });
  });

  test('allows the prod cap to the base and its restore', async () => {
    const prodStatement = synthesizedResizeStatement(12);
    const requests = await killSwitchRequests({ ...staging, capTo: 'base', baseCapacity: 2, restoreMinCapacity: 2, restoreMaxCapacity: 12 }, { MinSize: 2, MaxSize: 12, DesiredCapacity: 9 });
    expect(requests.map((r) => [r.MinSize, r.MaxSize, r.DesiredCapacity])).toEqual([[2, 2, 2], [2, 12, undefined]]);
    for (const r of requests) expect(allows(prodStatement, 'autoscaling:UpdateAutoScalingGroup', GROUP_ARN, requestContext(r))).toBe(true);
  });

  test('denies what the conditions are for: a launch template (any version), subnets, instance types, a launch configuration, a size above the configured max', () => {
    const lt = { LaunchTemplateId: 'lt-0123456789abcdef0' };
    expect(allowed({ AutoScalingGroupName: GROUP, MaxSize: 6, LaunchTemplate: { ...lt, Version: '7' } })).toBe(false);
    expect(allowed({ AutoScalingGroupName: GROUP, MaxSize: 6, LaunchTemplate: { ...lt, Version: '$Latest' } })).toBe(false);
    expect(allowed({ AutoScalingGroupName: GROUP, MaxSize: 6, MixedInstancesPolicy: { LaunchTemplate: { LaunchTemplateSpecification: lt } } })).toBe(false);
    expect(allowed({ AutoScalingGroupName: GROUP, MaxSize: 6, VPCZoneIdentifier: 'subnet-0abc,subnet-0def' })).toBe(false);
    expect(allowed({ AutoScalingGroupName: GROUP, MinSize: 1, MaxSize: 7 })).toBe(false);
    // An allowed MaxSize does not carry other changes: instance types (overrides only, no template) or a launch configuration.
    expect(allowed({
      AutoScalingGroupName: GROUP, MaxSize: 6,
      MixedInstancesPolicy: { LaunchTemplate: { Overrides: [{ InstanceType: 'p5.48xlarge' }] } },
    })).toBe(false);
    expect(allowed({ AutoScalingGroupName: GROUP, MaxSize: 6, LaunchConfigurationName: 'attacker-lc' })).toBe(false);
    // MaxSize is required by the condition (no ...IfExists): the runtime always sends it, asserted above.
    expect(allowed({ AutoScalingGroupName: GROUP, MinSize: 1 })).toBe(false);
  });

  test('only this group', () => {
    const other = GROUP_ARN.replace(`autoScalingGroupName/${GROUP}`, 'autoScalingGroupName/other-fleet');
    expect(allows(statement, 'autoscaling:UpdateAutoScalingGroup', other, { 'autoscaling:MaxSize': ['0'] })).toBe(false);
  });
});
