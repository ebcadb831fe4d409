import {
  Activity,
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  DescribeScalingActivitiesCommand,
  SetDesiredCapacityCommand,
} from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { PublishCommand, PublishCommandInput, SNSClient } from '@aws-sdk/client-sns';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { mockClient } from 'aws-sdk-client-mock';
import type { ControllerDeps } from '../../../lib/fallback/runtime/controller';
import type { ControllerConfig } from '../../../lib/fallback/runtime/env';
import { DRAINED_TAG_KEY } from '../../../lib/shared/fleet-tag';

export const MIN = 60_000;
export const START = Date.UTC(2025, 5, 2, 12, 0, 0);

export const WORLD_CONFIG: ControllerConfig = {
  mainGroupName: 'main-asg',
  fallbackGroupName: 'fallback-asg',
  stateParameterName: '/gpu-spot-fleet/GpuFleet-test/fallback-state',
  topicArn: 'arn:aws:sns:us-east-1:123456789012:fleet',
  fleet: 'GpuFleet-test',
  engageAfterMs: 5 * MIN,
  engageWithoutFailuresAfterMs: 15 * MIN,
  releaseAfterMs: 15 * MIN,
  maxFallbackInstances: 4,
  unitsPerInstance: 1,
};

export interface Host {
  readonly id: string;
  state: string;
  health: 'Healthy' | 'Unhealthy';
  /** Value of the drained tag, when the interruption handler drained the host. */
  drained?: string;
  /** A spot launch under way comes into service then. */
  inServiceAt?: number;
}

/**
 * A fleet over time, behind mocked AWS clients: both groups, the main group's scaling activities, the EC2 tags,
 * the state parameter and the topic. The controller sees only what the mocks answer; a test moves the clock and
 * changes the world between runs (drain hosts, fail launches, resize a group by hand).
 */
export class ControllerWorld {
  readonly asg = mockClient(AutoScalingClient);
  readonly ec2 = mockClient(EC2Client);
  readonly ssm = mockClient(SSMClient);
  readonly sns = mockClient(SNSClient);
  now = START;
  mainDesired: number;
  mainMaxSize = 10;
  readonly mainHosts: Host[];
  fallbackDesired = 0;
  /** Fallback instances and when they come into service. */
  fallbackInstances: Array<{ id: string; inServiceAt: number }> = [];
  /** Minutes a fallback launch takes. */
  fallbackLaunchMinutes = 2;
  /** Whether spot launches of the main group succeed (they take `spotLaunchMinutes`). */
  spotAvailable = false;
  spotLaunchMinutes = 2;
  activities: Activity[] = [];
  parameter?: { value: string; lastModified: Date };
  readonly published: PublishCommandInput[] = [];
  readonly resizes: Array<{ group: string; desired: number; at: number }> = [];
  readonly logger = { info: jest.fn(), warn: jest.fn(), error: jest.fn() };
  readonly metrics = {
    addMetric: jest.fn(),
    singleMetric: jest.fn(() => ({ addDimension: jest.fn(), addMetric: jest.fn() })),
    publishStoredMetrics: jest.fn(),
  };
  private nextId = 0;

  constructor(mainHosts: number) {
    this.mainDesired = mainHosts;
    this.mainHosts = Array.from({ length: mainHosts }, (_, i) => ({ id: `i-main-${i}`, state: 'InService', health: 'Healthy' }));
    for (const m of [this.asg, this.ec2, this.ssm, this.sns]) m.reset();
    this.asg.on(DescribeAutoScalingGroupsCommand).callsFake(() => ({
      AutoScalingGroups: [
        {
          AutoScalingGroupName: WORLD_CONFIG.mainGroupName,
          DesiredCapacity: this.mainDesired,
          MaxSize: this.mainMaxSize,
          Instances: this.mainHosts.map((h) => ({ InstanceId: h.id, LifecycleState: h.state, HealthStatus: h.health })),
        },
        {
          AutoScalingGroupName: WORLD_CONFIG.fallbackGroupName,
          DesiredCapacity: this.fallbackDesired,
          MaxSize: WORLD_CONFIG.maxFallbackInstances,
          Instances: this.fallbackInstances.map((i) => ({
            InstanceId: i.id,
            LifecycleState: i.inServiceAt <= this.now ? 'InService' : 'Pending',
            HealthStatus: 'Healthy',
          })),
        },
      ],
    }));
    // Newest first, as Auto Scaling lists finished activities.
    this.asg.on(DescribeScalingActivitiesCommand).callsFake(() => ({ Activities: [...this.activities].reverse() }));
    this.asg.on(SetDesiredCapacityCommand).callsFake((input) => {
      this.resizes.push({ group: input.AutoScalingGroupName, desired: input.DesiredCapacity, at: this.now });
      if (input.AutoScalingGroupName === WORLD_CONFIG.fallbackGroupName) this.setFallback(input.DesiredCapacity);
      else this.mainDesired = input.DesiredCapacity;
      return {};
    });
    this.ec2.on(DescribeInstancesCommand).callsFake((input) => {
      const ids = new Set(input.Filters?.find((f: { Name: string }) => f.Name === 'instance-id')?.Values ?? []);
      const wantsDrained = input.Filters?.some((f: { Name: string; Values: string[] }) => f.Name === 'tag-key' && f.Values.includes(DRAINED_TAG_KEY));
      const hosts = this.mainHosts.filter((h) => ids.has(h.id) && (!wantsDrained || h.drained !== undefined));
      return {
        Reservations: hosts.length === 0 ? [] : [{
          Instances: hosts.map((h) => ({ InstanceId: h.id, Tags: h.drained ? [{ Key: DRAINED_TAG_KEY, Value: h.drained }] : [] })),
        }],
      };
    });
    this.ssm.on(GetParameterCommand).callsFake(() => {
      if (!this.parameter) throw Object.assign(new Error('Parameter not found'), { name: 'ParameterNotFound' });
      return { Parameter: { Value: this.parameter.value, LastModifiedDate: this.parameter.lastModified } };
    });
    this.ssm.on(PutParameterCommand).callsFake((input) => {
      this.parameter = { value: input.Value, lastModified: new Date(this.now) };
      return { Version: 1 };
    });
    this.sns.on(PublishCommand).callsFake((input) => {
      this.published.push(input);
      return { MessageId: `m-${this.published.length}` };
    });
  }

  deps(): ControllerDeps {
    return {
      autoScaling: new AutoScalingClient({ region: 'us-east-1' }),
      ec2: new EC2Client({ region: 'us-east-1' }),
      ssm: new SSMClient({ region: 'us-east-1' }),
      sns: new SNSClient({ region: 'us-east-1' }),
      logger: this.logger as unknown as Logger,
      metrics: this.metrics as unknown as Metrics,
      now: () => this.now,
    };
  }

  /** The interruption handler drained these hosts on a rebalance recommendation (tag set, host stays InService). */
  drain(count: number): void {
    for (const h of this.mainHosts.slice(0, count)) h.drained = `rebalance@${new Date(this.now).toISOString()}`;
  }

  /** A spot launch of the main group failed now (what capacity rebalancing records when spot is dry). */
  failSpotLaunch(): void {
    const message = 'Could not launch Spot Instances. InsufficientInstanceCapacity - There is no Spot capacity available that matches your request. Launching EC2 instance failed.';
    this.activities.push({
      ActivityId: `fail-${this.nextId++}`,
      AutoScalingGroupName: WORLD_CONFIG.mainGroupName,
      Cause: 'capacity rebalancing',
      StartTime: new Date(this.now),
      StatusCode: 'Failed',
      StatusMessage: message,
      Description: `Launching a new EC2 instance.  Status Reason: ${message}`,
      Progress: 100,
    });
  }

  /** What an operator does with `aws autoscaling set-desired-capacity` on the fallback group. */
  setFallback(desired: number): void {
    this.fallbackDesired = desired;
    this.fallbackInstances = this.fallbackInstances.slice(0, desired);
    while (this.fallbackInstances.length < desired) {
      this.fallbackInstances.push({ id: `i-fallback-${this.nextId++}`, inServiceAt: this.now + this.fallbackLaunchMinutes * MIN });
    }
  }

  /** Moves the clock; with spot available the main group launches what it misses, in service a few minutes later. */
  advance(minutes: number): void {
    this.now += minutes * MIN;
    for (const h of this.mainHosts) {
      if (h.inServiceAt !== undefined && h.inServiceAt <= this.now) {
        h.state = 'InService';
        h.inServiceAt = undefined;
      }
    }
    while (this.spotAvailable && this.mainHosts.length < this.mainDesired) {
      this.mainHosts.push({ id: `i-main-${this.nextId++}`, state: 'Pending', health: 'Healthy', inServiceAt: this.now + this.spotLaunchMinutes * MIN });
    }
  }

  /** The stored state, parsed. */
  state(): Record<string, unknown> {
    return JSON.parse(this.parameter!.value);
  }
}
