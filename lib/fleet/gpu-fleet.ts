import { Annotations, ArnFormat, Duration, Size, Stack, Tags, Token, Validations } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { gpuInstanceType } from '../catalog/gpu-instance-types';
import { allowStackAlarmsToPublish } from '../shared/alarm-topic';
import { fleetKey } from '../shared/encryption';
import { GpuFleetError } from '../shared/errors';
import { FLEET_TAG_KEY, FleetTag } from '../shared/fleet-tag';
import { HostParameterReadGuard } from '../shared/host-parameter-reads';
import { WARNING_IDS } from '../shared/warning-ids';
import { configureFleetScaling, FleetScalingMetric } from './fleet-scaling';
import { dependOnRolloutAlarms, FleetRolloutOptions, rolloutProblems, rolloutUpdatePolicy } from './rollout';
import { gpuHostUserData } from './user-data';

export type { FleetScalingMetric } from './fleet-scaling';
export { gpuUtilizationMetric } from './fleet-scaling';
export type { FleetRolloutOptions } from './rollout';

/**
 * Public SSM parameter of the AWS Deep Learning Base OSS Nvidia Driver GPU AMI (Amazon Linux 2023):
 * NVIDIA driver, CUDA, Docker and the NVIDIA container toolkit, kept current by AWS.
 * @see https://docs.aws.amazon.com/dlami/latest/devguide/find-dlami-id.html
 */
export const DEFAULT_GPU_AMI_PARAMETER =
  '/aws/service/deeplearning/ami/x86_64/base-oss-nvidia-driver-gpu-amazon-linux-2023/latest/ami-id';

/** GpuFleet props that break a rule (message: the construct path, each field, its value and the rule). */
export class GpuFleetPropsError extends GpuFleetError {}

export interface GpuFleetProps {
  /** VPC the fleet runs in. */
  readonly vpc: ec2.IVpc;

  /** Availability zones the fleet spans; the group gets the VPC's private subnets in exactly these. */
  readonly availabilityZones: readonly string[];

  /**
   * GPU instance types, in on-demand priority order (the base runs on the first that has capacity).
   * When the types have different GPU counts, each is weighted by its GPU count and every size below counts GPUs.
   */
  readonly instanceTypes: readonly string[];

  /**
   * Capacity units per instance type, replacing the GPU-count weights: e.g. requests per second each type serves
   * (`throughputWeights()` in lib/serving), so a fast type counts for what it serves. Whole numbers 1-999, one per
   * instance type. With them every capacity below (min, max, on-demand base) counts these units, and the group
   * always carries them as WeightedCapacity.
   * @default - GPU counts when the types differ in GPUs, else 1 (instances)
   */
  readonly capacityWeights?: Readonly<Record<string, number>>;

  /** Smallest size of the group. */
  readonly minCapacity: number;

  /** Largest size of the group. */
  readonly maxCapacity: number;

  /**
   * On-demand capacity that always runs, whatever spot does.
   * @default 1
   */
  readonly onDemandBaseCapacity?: number;

  /**
   * Share of the capacity above the on-demand base that is on-demand, 0-100.
   * @default 0 - everything above the base is spot
   */
  readonly onDemandPercentageAboveBase?: number;

  /**
   * Size of the encrypted gp3 root volume.
   * @default Size.gibibytes(150)
   */
  readonly rootVolumeSize?: Size;

  /**
   * Device name of the AMI's root volume.
   * @default '/dev/xvda' (Amazon Linux 2023 based Deep Learning AMIs)
   */
  readonly rootDeviceName?: string;

  /**
   * SSM parameter holding the AMI id, resolved at deploy time (never "latest at synth").
   * @default DEFAULT_GPU_AMI_PARAMETER - AWS Deep Learning Base GPU AMI (Amazon Linux 2023)
   */
  readonly amiSsmParameter?: string;

  /**
   * Shell commands appended to the user data, after the GPU metrics agent is set up: start the serving workload here.
   * @default - none
   */
  readonly userDataCommands?: readonly string[];

  /**
   * Whether containers on a host may reach the instance metadata service (IMDSv2 hop limit 2) and so the host role's
   * credentials. Off by default (hop limit 1): the fleet's own AWS callers (SSM agent, CloudWatch agent) run on the
   * host, as the serving workload's calls do (image pull, model sync, secrets, logs by the Docker daemon), so a
   * compromised container gets no credentials. Turn it on only for containers that must call AWS with the host role.
   * https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instance-metadata-v2-how-it-works.html#imds-considerations
   * @default false
   */
  readonly containerImdsAccess?: boolean;

  /**
   * What the burst follows.
   * @default - average GPU utilization at 70%, or request count per target when `targetGroups` are given
   */
  readonly scalingMetric?: FleetScalingMetric;

  /**
   * How long a new host needs before its metrics count (GPU hosts pull images and load models for minutes).
   * @default Duration.minutes(7)
   */
  readonly warmup?: Duration;

  /**
   * How long the group waits before health-checking a new host.
   * @default - warmup plus 3 minutes
   */
  readonly healthCheckGrace?: Duration;

  /**
   * Predictive scaling on the scaling metric, for daily traffic cycles.
   * @default 'off'
   */
  readonly predictiveScaling?: 'off' | 'forecast-only' | 'forecast-and-scale';

  /**
   * Application target groups the group registers its hosts with (ELB health checks are added).
   * @default - none
   */
  readonly targetGroups?: readonly elbv2.ApplicationTargetGroup[];

  /**
   * Topic for the group's scaling notifications (and, later, interruption summaries and alarms).
   * @default - a new topic encrypted with a new customer-managed KMS key
   */
  readonly topic?: sns.ITopic;

  /**
   * Value of the `gpu-spot-fleet:fleet` tag on every instance; unique per fleet.
   * @default - the stack name
   */
  readonly fleetName?: string;

  /**
   * Production fleets get a synth warning when they have no on-demand base.
   * @default false
   */
  readonly production?: boolean;

  /**
   * Roll host changes (image, model, user data, types) through the group with an instance refresh that launches
   * before it terminates and rolls back on the given alarms.
   * @default - no UpdatePolicy: CloudFormation updates the launch template and only new hosts get it
   */
  readonly rollout?: FleetRolloutOptions;
}

/** The tag key that marks every instance of a fleet (the interruption handler and FIS drills select on it). */
export { FLEET_TAG_KEY } from '../shared/fleet-tag';

/** A mixed on-demand/spot GPU Auto Scaling group that spans several AZs and instance types. */
export class GpuFleet extends Construct {
  public readonly autoScalingGroup: autoscaling.AutoScalingGroup;
  public readonly launchTemplate: ec2.LaunchTemplate;
  public readonly securityGroup: ec2.SecurityGroup;
  public readonly role: iam.Role;
  /** Scaling notifications; interruption summaries and alarms go here too. */
  public readonly topic: sns.ITopic;
  /** The key of the topic, when the fleet created it. */
  public readonly topicKey?: kms.Key;
  /** The tag on every instance of this fleet. */
  public readonly fleetTag: FleetTag;
  /** Capacity units per instance type: `capacityWeights` when given, else GPU count when types differ in GPUs, else 1. */
  public readonly weights: Readonly<Record<string, number>>;
  /** The metric the burst tracks; undefined when the scaling metric is `external` (another construct attaches it). */
  public readonly scalingMetric?: cloudwatch.IMetric;
  /** Target groups the hosts register with. */
  public readonly targetGroups: readonly elbv2.ApplicationTargetGroup[];
  /**
   * Denies the host role every SSM parameter read except the parameters registered with `allowRead` (ServingWorkload's
   * `attachTo` registers its secret parameters); with none registered, every parameter read is denied.
   */
  public readonly parameterReadGuard: HostParameterReadGuard;

  constructor(scope: Construct, id: string, props: GpuFleetProps) {
    super(scope, id);
    const base = props.onDemandBaseCapacity ?? 1;
    const onDemandAbove = props.onDemandPercentageAboveBase ?? 0;
    this.validate(props, base, onDemandAbove);

    const warmup = props.warmup ?? Duration.minutes(7);
    this.fleetTag = { key: FLEET_TAG_KEY, value: props.fleetName ?? Stack.of(this).stackName };
    this.weights = props.capacityWeights ? { ...props.capacityWeights } : gpuWeights(props.instanceTypes);
    this.targetGroups = props.targetGroups ?? [];

    // --- Notifications -------------------------------------------------------------------------------
    if (props.topic) {
      this.topic = props.topic;
    } else {
      this.topicKey = fleetKey(this, 'TopicKey', `Encrypts the GPU fleet notification topic of ${this.fleetTag.value}`);
      // The Auto Scaling service-linked role publishes the group's notifications and CloudWatch publishes alarms:
      // both need the key to encrypt messages on the topic. In a key policy, '*' as resource means this key.
      const stack = Stack.of(this);
      const slr = `arn:${stack.partition}:iam::${stack.account}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`;
      // Named by condition, not as principal: KMS rejects a policy naming a role that does not exist yet, and the
      // service-linked role only appears with the account's first Auto Scaling group (this one, in a fresh account).
      this.topicKey.addToResourcePolicy(new iam.PolicyStatement({
        sid: 'AllowAutoScalingServiceLinkedRoleToPublish',
        principals: [new iam.AnyPrincipal()],
        actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        resources: ['*'],
        conditions: { ArnEquals: { 'aws:PrincipalArn': slr }, StringEquals: { 'kms:CallerAccount': stack.account } },
      }));
      this.topicKey.addToResourcePolicy(new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }) },
        },
      }));
      const topic = new sns.Topic(this, 'Topic', { masterKey: this.topicKey, enforceSSL: true });
      allowStackAlarmsToPublish(topic);
      this.topic = topic;
    }

    // --- Host identity: SSM Session Manager instead of SSH, GPU metrics, nothing else --------------------
    this.role = new iam.Role(this, 'InstanceRole', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: 'GPU fleet host: SSM Session Manager and Run Command (drain), CloudWatch agent GPU metrics',
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore')],
    });
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore]',
      reason: 'AWS-maintained minimum for the SSM agent (Session Manager replaces SSH; Run Command drains hosts); AWS updates it as the agent changes. ' +
        'Its ssm:GetParameter/GetParameters on * are cut by an explicit Deny (ParameterReadGuard) to the parameters the host reads itself, none by default.',
    });
    // The host reads no parameter of its own (the agent configuration is a file; the AMI parameter is resolved by
    // CloudFormation at deploy): only what a workload registers.
    this.parameterReadGuard = new HostParameterReadGuard(this, 'ParameterReadGuard', { role: this.role });
    const metricsPolicy = new iam.Policy(this, 'GpuMetricsPolicy', {
      statements: [
        new iam.PolicyStatement({
          actions: ['cloudwatch:PutMetricData'],
          resources: ['*'], // PutMetricData has no resource type; the condition pins the namespace
          conditions: { StringEquals: { 'cloudwatch:namespace': 'CWAgent' } },
        }),
        new iam.PolicyStatement({
          // The agent resolves ${aws:AutoScalingGroupName} from the instance's tags.
          actions: ['ec2:DescribeTags'],
          resources: ['*'], // DescribeTags supports no resource-level permissions
        }),
      ],
    });
    this.role.attachInlinePolicy(metricsPolicy);
    Validations.of(metricsPolicy).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'cloudwatch:PutMetricData (pinned to namespace CWAgent by condition) and ec2:DescribeTags support no resource-level permissions.',
    });

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'GPU fleet hosts: no inbound by default (Session Manager, not SSH); outbound for images, models and AWS APIs',
      allowAllOutbound: true,
    });

    // --- Launch template ---------------------------------------------------------------------------------
    this.launchTemplate = new ec2.LaunchTemplate(this, 'LaunchTemplate', {
      machineImage: ec2.MachineImage.fromSsmParameter(props.amiSsmParameter ?? DEFAULT_GPU_AMI_PARAMETER),
      role: this.role,
      securityGroup: this.securityGroup,
      userData: gpuHostUserData(props.userDataCommands ?? []),
      requireImdsv2: true,
      // 2 hops so containers on the host (one extra network hop) can reach IMDSv2; 1 keeps them out.
      httpPutResponseHopLimit: props.containerImdsAccess === true ? 2 : 1,
      detailedMonitoring: true,
      blockDevices: [{
        deviceName: props.rootDeviceName ?? '/dev/xvda',
        volume: ec2.BlockDeviceVolume.ebs((props.rootVolumeSize ?? Size.gibibytes(150)).toGibibytes(), {
          encrypted: true,
          volumeType: ec2.EbsDeviceVolumeType.GP3,
          deleteOnTermination: true,
        }),
      }],
    });

    // --- The group ---------------------------------------------------------------------------------------
    const subnets = props.vpc.selectSubnets({
      subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS,
      availabilityZones: [...props.availabilityZones],
    });
    const missing = props.availabilityZones.filter((az) => !Token.isUnresolved(az) && !subnets.availabilityZones.includes(az));
    if (missing.length > 0) {
      throw new GpuFleetPropsError(
        `GpuFleet ${this.node.path}: availabilityZones (${missing.join(', ')}) have no private subnet with egress in the VPC; ` +
          `the VPC has them in ${[...new Set(subnets.availabilityZones)].join(', ') || 'no AZ'}. Add subnets there or remove the AZs`,
      );
    }
    // Explicit capacity weights are always rendered, so the units of min/max/base do not depend on their values.
    const weighted = props.capacityWeights !== undefined || Object.values(this.weights).some((w) => w !== 1);
    this.autoScalingGroup = new autoscaling.AutoScalingGroup(this, 'Group', {
      vpc: props.vpc,
      vpcSubnets: { subnets: subnets.subnets },
      minCapacity: props.minCapacity,
      maxCapacity: props.maxCapacity,
      // No desiredCapacity: CloudFormation would reset the running fleet to it on every deploy.
      mixedInstancesPolicy: {
        launchTemplate: this.launchTemplate,
        instancesDistribution: {
          onDemandBaseCapacity: base,
          onDemandPercentageAboveBaseCapacity: onDemandAbove,
          onDemandAllocationStrategy: autoscaling.OnDemandAllocationStrategy.PRIORITIZED,
          spotAllocationStrategy: autoscaling.SpotAllocationStrategy.PRICE_CAPACITY_OPTIMIZED,
        },
        launchTemplateOverrides: props.instanceTypes.map((t) => ({
          instanceType: new ec2.InstanceType(t),
          weightedCapacity: weighted ? this.weights[t] : undefined,
        })),
      },
      capacityRebalance: true,
      // Launch the replacement before terminating (spot interruption, rebalance, instance refresh): capacity never dips.
      minHealthyPercentage: 100,
      maxHealthyPercentage: 200,
      defaultInstanceWarmup: warmup,
      healthChecks: props.targetGroups?.length
        ? autoscaling.HealthChecks.withAdditionalChecks({
          additionalTypes: [autoscaling.AdditionalHealthCheckType.ELB],
          gracePeriod: props.healthCheckGrace ?? warmup.plus(Duration.minutes(3)),
        })
        : autoscaling.HealthChecks.ec2({ gracePeriod: props.healthCheckGrace ?? warmup.plus(Duration.minutes(3)) }),
      groupMetrics: [autoscaling.GroupMetrics.all()],
      notifications: [{ topic: this.topic }],
      updatePolicy: props.rollout ? rolloutUpdatePolicy(props.rollout, warmup) : undefined,
    });
    // The AZs named besides the subnets, as policy checks ask (CloudFormation rejects a mismatch, so they are the
    // subnets' own AZs, in the subnets' order).
    // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-autoscaling-autoscalinggroup.html#cfn-autoscaling-autoscalinggroup-availabilityzones
    (this.autoScalingGroup.node.defaultChild as autoscaling.CfnAutoScalingGroup).availabilityZones = [...subnets.availabilityZones];
    if (props.rollout) dependOnRolloutAlarms(this.autoScalingGroup, props.rollout);
    // No host runs before its parameter reads are cut.
    this.autoScalingGroup.node.addDependency(this.parameterReadGuard);
    Tags.of(this.autoScalingGroup).add(this.fleetTag.key, this.fleetTag.value, { applyToLaunchedInstances: true });
    Tags.of(this.launchTemplate).add(this.fleetTag.key, this.fleetTag.value);
    for (const tg of props.targetGroups ?? []) this.autoScalingGroup.attachToApplicationTargetGroup(tg);
    Validations.of(this.autoScalingGroup.node.defaultChild!).acknowledge({
      id: 'AwsSolutions-EC26',
      reason: 'cdk-nag EC26 cannot follow a MixedInstancesPolicy launch template (the rule throws); every block device of the launch template is encrypted, asserted in test/fleet/gpu-fleet.test.ts.',
    });

    // --- Scaling -------------------------------------------------------------------------------------------
    const metric = props.scalingMetric ?? (props.targetGroups?.length
      ? { kind: 'request-count' as const, targetGroup: props.targetGroups[0], targetRequestsPerMinute: 600 }
      : { kind: 'gpu-utilization' as const, targetPercent: 70 });
    this.scalingMetric = configureFleetScaling(this, this.autoScalingGroup, metric, warmup, props.predictiveScaling ?? 'off');

    this.warnAboutRiskyChoices(props, base, onDemandAbove);
  }

  private validate(props: GpuFleetProps, base: number, onDemandAbove: number): void {
    const problems: string[] = [];
    const known = (n: number) => !Token.isUnresolved(n);
    if (known(props.minCapacity) && known(props.maxCapacity) && props.minCapacity > props.maxCapacity) {
      problems.push(`minCapacity (${props.minCapacity}) must be <= maxCapacity (${props.maxCapacity})`);
    }
    if (known(base) && known(props.maxCapacity) && base > props.maxCapacity) {
      problems.push(`onDemandBaseCapacity (${base}) must be <= maxCapacity (${props.maxCapacity})`);
    }
    for (const [name, v] of [['minCapacity', props.minCapacity], ['maxCapacity', props.maxCapacity], ['onDemandBaseCapacity', base]] as const) {
      if (known(v) && (!Number.isInteger(v) || v < 0)) problems.push(`${name} (${v}) must be a whole number >= 0`);
    }
    if (known(onDemandAbove) && (onDemandAbove < 0 || onDemandAbove > 100)) {
      problems.push(`onDemandPercentageAboveBase (${onDemandAbove}) must be from 0 to 100`);
    }
    if (props.instanceTypes.length === 0) problems.push('instanceTypes ([]) must list at least one GPU instance type');
    for (const t of props.instanceTypes) {
      if (!gpuInstanceType(t)) problems.push(`instanceTypes (${t}) is not a GPU instance type this construct knows (see gpu-instance-types.ts)`);
    }
    if (props.availabilityZones.length === 0) problems.push('availabilityZones ([]) must list at least one AZ');
    if (props.capacityWeights) problems.push(...capacityWeightProblems(props.instanceTypes, props.capacityWeights));
    if (props.rollout) problems.push(...rolloutProblems(props.rollout));
    if (problems.length) throw new GpuFleetPropsError(`GpuFleet ${this.node.path}: ${problems.join('; ')}`);
  }

  private warnAboutRiskyChoices(props: GpuFleetProps, base: number, onDemandAbove: number): void {
    const a = Annotations.of(this);
    if (props.production && base === 0) {
      a.addWarningV2(WARNING_IDS.noOnDemandBase,
        'production fleet has no on-demand base (onDemandBaseCapacity 0): a spot shortage or interruption wave can take all capacity at once');
    }
    const families = new Set(props.instanceTypes.map((t) => t.split('.')[0]));
    const usesSpot = onDemandAbove < 100 && props.maxCapacity > base;
    if (usesSpot && families.size === 1) {
      a.addWarningV2(WARNING_IDS.singleFamily,
        `all instance types are family ${[...families][0]}: its spot pools tend to run dry together; add a second GPU family`);
    }
    if (props.availabilityZones.length === 1) {
      a.addWarningV2(WARNING_IDS.singleAz, `the fleet spans one AZ (${props.availabilityZones[0]}): spot cannot move to another zone when this one runs dry`);
    }
    if (usesSpot && props.instanceTypes.length === 1) {
      a.addWarningV2(WARNING_IDS.singleSpotPool, `spot is used with a single instance type (${props.instanceTypes[0]}): one spot pool per AZ is fragile`);
    }
  }
}

/** GPU count per type when the types differ in GPUs (the group then counts GPUs), else 1 each. */
export function gpuWeights(instanceTypes: readonly string[]): Record<string, number> {
  const gpus = instanceTypes.map((t) => gpuInstanceType(t)?.gpus ?? 1);
  const differ = new Set(gpus).size > 1;
  return Object.fromEntries(instanceTypes.map((t, i) => [t, differ ? gpus[i] : 1]));
}

/** Problems of explicit capacity weights: one whole number 1-999 per instance type (the ASG's WeightedCapacity range). */
function capacityWeightProblems(instanceTypes: readonly string[], weights: Readonly<Record<string, number>>): string[] {
  const problems: string[] = [];
  const missing = instanceTypes.filter((t) => weights[t] === undefined);
  if (missing.length) problems.push(`capacityWeights (missing ${missing.join(', ')}) must give a weight for every instance type`);
  const extra = Object.keys(weights).filter((t) => !instanceTypes.includes(t));
  if (extra.length) problems.push(`capacityWeights (${extra.join(', ')}) names types the fleet does not use; instanceTypes are ${instanceTypes.join(', ')}`);
  for (const [t, w] of Object.entries(weights)) {
    if (!Token.isUnresolved(w) && (!Number.isInteger(w) || w < 1 || w > 999)) {
      problems.push(`capacityWeights.${t} (${w}) must be a whole number from 1 to 999 (Auto Scaling WeightedCapacity)`);
    }
  }
  return problems;
}
