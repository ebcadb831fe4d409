import { App, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { FleetNetwork } from '../../lib/fleet/fleet-network';
import { GpuFleet } from '../../lib/fleet/gpu-fleet';
import { ServingWorkload, ServingWorkloadProps } from '../../lib/serving/serving-workload';
import { shellcheck, shellcheckAvailability } from '../support/shellcheck';
import { DIGEST, SECRET_ARN } from './fixtures';

const AZS = ['us-east-1a', 'us-east-1b'];
const MODEL_KEY = 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555';
const SECRET_KEY = 'arn:aws:kms:eu-west-1:123456789012:key/66666666-2222-3333-4444-555555555555';
const PARAM_KEY = 'arn:aws:kms:us-east-1:123456789012:key/77777777-2222-3333-4444-555555555555';

type PropsFor = (stack: Stack) => Partial<ServingWorkloadProps>;

function build(propsFor: PropsFor = full, attach = true) {
  const app = new App();
  const stack = new Stack(app, 'Test', { env: { region: 'us-east-1', account: '123456789012' } });
  const { vpc } = new FleetNetwork(stack, 'Network', { availabilityZones: AZS });
  const workload = new ServingWorkload(stack, 'Workload', {
    image: { repository: ecr.Repository.fromRepositoryName(stack, 'Repo', 'ml-platform/vllm-openai'), digest: DIGEST },
    startupTimeout: Duration.seconds(480),
    drainTimeout: Duration.seconds(300),
    ...propsFor(stack),
  });
  const fleet = new GpuFleet(stack, 'Fleet', {
    vpc, availabilityZones: AZS, instanceTypes: ['g6.xlarge', 'g5.xlarge'], minCapacity: 1, maxCapacity: 4,
    userDataCommands: workload.userDataCommands,
  });
  // The fallback group shares the fleet's launch template and role.
  const second = new autoscaling.AutoScalingGroup(stack, 'Second', {
    vpc, minCapacity: 0, maxCapacity: 2,
    mixedInstancesPolicy: { launchTemplate: fleet.launchTemplate, launchTemplateOverrides: [{ instanceType: new ec2.InstanceType('g6.xlarge') }] },
  });
  if (attach) workload.attachTo(fleet.role, [fleet.autoScalingGroup, second]);
  return { stack, workload, fleet, second };
}

function full(stack: Stack): Partial<ServingWorkloadProps> {
  return {
    model: {
      bucket: s3.Bucket.fromBucketName(stack, 'Models', 'ml-platform-models-staging'),
      prefix: '/llama-3.1-8b-instruct-awq/',
      key: kms.Key.fromKeyArn(stack, 'ModelKey', MODEL_KEY),
    },
    secrets: {
      VLLM_API_KEY: { secret: secretsmanager.Secret.fromSecretCompleteArn(stack, 'ApiKey', SECRET_ARN), key: kms.Key.fromKeyArn(stack, 'SecretKey', SECRET_KEY) },
      HF_TOKEN: { parameter: ssm.StringParameter.fromSecureStringParameterAttributes(stack, 'HfToken', { parameterName: '/ml-platform/hf-token' }), key: kms.Key.fromKeyArn(stack, 'ParamKey', PARAM_KEY) },
    },
    environment: { VLLM_LOGGING_LEVEL: 'INFO' },
    command: ['--model', '/models'],
    dockerArgs: ['--ipc=host'],
  };
}

const arn = (rest: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, rest]] });

function policies(template: Template): Record<string, any> {
  return template.findResources('AWS::IAM::Policy', { Properties: { PolicyName: Match.stringLikeRegexp('^Workload') } });
}
function policyStatements(template: Template, idPrefix: string): any[] {
  const [, policy] = Object.entries(policies(template)).find(([id]) => id.startsWith(idPrefix))!;
  return policy.Properties.PolicyDocument.Statement;
}

describe('ServingWorkload: host permissions', () => {
  const { stack } = build();
  const template = Template.fromStack(stack);

  test('the host policy has exactly the statements the host scripts need, each on its one resource', () => {
    expect(policyStatements(template, 'WorkloadHostPolicy')).toEqual([
      { Sid: 'EcrAuth', Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
      {
        Sid: 'EcrPull', Effect: 'Allow',
        Action: ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
        Resource: arn(':ecr:us-east-1:123456789012:repository/ml-platform/vllm-openai'),
      },
      {
        Sid: 'ModelList', Effect: 'Allow', Action: 's3:ListBucket',
        Resource: arn(':s3:::ml-platform-models-staging'),
        Condition: { StringLike: { 's3:prefix': ['llama-3.1-8b-instruct-awq/', 'llama-3.1-8b-instruct-awq/*'] } },
      },
      { Sid: 'ModelRead', Effect: 'Allow', Action: 's3:GetObject', Resource: arn(':s3:::ml-platform-models-staging/llama-3.1-8b-instruct-awq/*') },
      { Sid: 'ModelKey', Effect: 'Allow', Action: 'kms:Decrypt', Resource: MODEL_KEY, Condition: { StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } } },
      { Sid: 'SecretsRead', Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: SECRET_ARN },
      { Sid: 'SecretsKey', Effect: 'Allow', Action: 'kms:Decrypt', Resource: SECRET_KEY, Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.us-east-1.amazonaws.com' } } },
      { Sid: 'ParametersRead', Effect: 'Allow', Action: 'ssm:GetParameter', Resource: arn(':ssm:us-east-1:123456789012:parameter/ml-platform/hf-token') },
      { Sid: 'ParametersKey', Effect: 'Allow', Action: 'kms:Decrypt', Resource: PARAM_KEY, Condition: { StringEquals: { 'kms:ViaService': 'ssm.us-east-1.amazonaws.com' } } },
      { Sid: 'Logs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: { 'Fn::GetAtt': [expect.stringMatching(/^WorkloadLogGroup/), 'Arn'] } },
    ]);
  });

  test('the only Resource "*" is ecr:GetAuthorizationToken (no resource type); the other wildcards are the S3 prefix and group UUIDs', () => {
    const all = Object.values(policies(template)).flatMap((p: any) => p.Properties.PolicyDocument.Statement);
    const star = all.filter((s) => s.Resource === '*' || (Array.isArray(s.Resource) && s.Resource.includes('*')));
    expect(star).toEqual([{ Sid: 'EcrAuth', Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' }]);
    const wildcards = all.flatMap((s) => [s.Resource].flat()).map((r) => JSON.stringify(stack.resolve(r))).filter((r) => r.includes('*'));
    expect(wildcards).toEqual([
      '"*"',
      expect.stringContaining('ml-platform-models-staging/llama-3.1-8b-instruct-awq/*'),
      expect.stringContaining(':autoScalingGroup:*:autoScalingGroupName/'),
      expect.stringContaining(':autoScalingGroup:*:autoScalingGroupName/'),
    ]);
  });

  test('the fleet role denies every parameter read but the workload\'s secret parameter (the SSM managed policy allows them on *)', () => {
    const denies = Object.values(template.findResources('AWS::IAM::Policy') as Record<string, any>)
      .filter((p) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref.startsWith('FleetInstanceRole')))
      .flatMap((p) => p.Properties.PolicyDocument.Statement)
      .filter((st) => st.Effect === 'Deny');
    expect(denies).toEqual([{
      Sid: 'DenyParameterReadsOutsideGrants', Effect: 'Deny',
      Action: ['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParametersByPath', 'ssm:GetParameterHistory'],
      NotResource: [arn(':ssm:us-east-1:123456789012:parameter/ml-platform/hf-token')],
    }]);
    // Both groups (the fallback shares the role) start no host before the deny exists.
    const [guardId] = Object.keys(template.findResources('AWS::IAM::Policy', { Properties: { PolicyName: Match.stringLikeRegexp('ParameterReadGuard') } }));
    const groups = Object.values(template.findResources('AWS::AutoScaling::AutoScalingGroup'));
    expect(groups).toHaveLength(2);
    for (const g of groups) expect(g.DependsOn).toContain(guardId);
  });

  test('the host policy is on the fleet role; the groups wait for it so the first hosts can pull', () => {
    const [hostPolicyId, hostPolicy] = Object.entries(policies(template)).find(([id]) => id.startsWith('WorkloadHostPolicy'))!;
    expect(hostPolicy.Properties.Roles).toEqual([{ Ref: expect.stringMatching(/^FleetInstanceRole/) }]);
    const groups = template.findResources('AWS::AutoScaling::AutoScalingGroup');
    expect(Object.keys(groups)).toHaveLength(2);
    for (const g of Object.values(groups)) expect(g.DependsOn).toEqual(expect.arrayContaining([hostPolicyId]));
  });

  test('readiness: each group may complete its own lifecycle actions only, in a policy the groups do not wait for', () => {
    const [readyId, ready] = Object.entries(policies(template)).find(([id]) => id.startsWith('WorkloadReadinessPolicy'))!;
    expect(ready.Properties.Roles).toEqual([{ Ref: expect.stringMatching(/^FleetInstanceRole/) }]);
    const groupArn = (logicalId: RegExp) => ({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':autoscaling:us-east-1:123456789012:autoScalingGroup:*:autoScalingGroupName/', { Ref: expect.stringMatching(logicalId) }]],
    });
    expect(ready.Properties.PolicyDocument.Statement).toEqual([{
      Sid: 'Ready', Effect: 'Allow', Action: 'autoscaling:CompleteLifecycleAction',
      Resource: [groupArn(/^FleetGroupASG/), groupArn(/^SecondASG/)],
    }]);
    for (const g of Object.values(template.findResources('AWS::AutoScaling::AutoScalingGroup'))) {
      expect(g.DependsOn ?? []).not.toContain(readyId);
    }
  });

  test('a launch hook on each group: CONTINUE from the host when healthy, ABANDON after startup + 5 minutes', () => {
    const hooks = template.findResources('AWS::AutoScaling::LifecycleHook');
    const readyId = Object.keys(policies(template)).find((id) => id.startsWith('WorkloadReadinessPolicy'));
    expect(Object.values(hooks).map((h: any) => h.Properties.AutoScalingGroupName)).toEqual([
      { Ref: expect.stringMatching(/^FleetGroupASG/) }, { Ref: expect.stringMatching(/^SecondASG/) },
    ]);
    for (const hook of Object.values(hooks) as any[]) {
      expect(hook.Properties).toMatchObject({
        LifecycleHookName: 'gpu-fleet-serving-ready',
        LifecycleTransition: 'autoscaling:EC2_INSTANCE_LAUNCHING',
        HeartbeatTimeout: 780,
        DefaultResult: 'ABANDON',
      });
      expect(hook.DependsOn).toEqual(expect.arrayContaining([readyId]));
    }
  });

  test('the container log group: encrypted with the stack log key, one month by default, kept, logical id pinned', () => {
    const groups = template.findResources('AWS::Logs::LogGroup', { Properties: { RetentionInDays: 30 } });
    expect(Object.keys(groups)).toEqual(['WorkloadLogGroup8481D4A1']); // pinned: a stateful resource
    expect(groups.WorkloadLogGroup8481D4A1).toMatchObject({
      DeletionPolicy: 'Retain',
      Properties: { KmsKeyId: { 'Fn::GetAtt': [expect.stringMatching(/^LogEncryptionKey/), 'Arn'] } },
    });
  });
});

describe('ServingWorkload: smaller workloads get smaller permissions', () => {
  test('public image, no model, no secrets: logs only, no ECR, no S3, no KMS', () => {
    const { stack } = build(() => ({ image: { uri: 'docker.io/vllm/vllm-openai', digest: DIGEST } }));
    expect(policyStatements(Template.fromStack(stack), 'WorkloadHostPolicy').map((s) => s.Sid)).toEqual(['Logs']);
  });

  test('Secrets Manager secrets only: the fleet role still denies every parameter read', () => {
    const { stack } = build((s) => ({ secrets: { K: { secret: secretsmanager.Secret.fromSecretCompleteArn(s, 'S', SECRET_ARN) } } }));
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^FleetInstanceRole') }],
      PolicyDocument: { Statement: [Match.objectLike({ Effect: 'Deny', Action: Match.arrayWith(['ssm:GetParameter', 'ssm:GetParameters']), Resource: '*' })] },
    });
  });

  test('a secret with a CDK-managed key: the key comes from the secret; keys shared by several secrets are named once', () => {
    const { stack } = build((s) => {
      const key = new kms.Key(s, 'Key');
      const a = new secretsmanager.Secret(s, 'A', { encryptionKey: key });
      const b = new secretsmanager.Secret(s, 'B', { encryptionKey: key });
      return { secrets: { A: { secret: a }, B: { secret: b } } };
    });
    const statements = policyStatements(Template.fromStack(stack), 'WorkloadHostPolicy');
    expect(statements.find((x) => x.Sid === 'SecretsRead').Resource).toEqual([{ Ref: expect.stringMatching(/^A/) }, { Ref: expect.stringMatching(/^B/) }]);
    expect(statements.find((x) => x.Sid === 'SecretsKey').Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Key/), 'Arn'] });
  });

  test('readiness off: no hook, no readiness policy', () => {
    const { stack } = build(() => ({ readiness: false }));
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::AutoScaling::LifecycleHook', 0);
    expect(Object.keys(policies(template)).filter((id) => id.startsWith('WorkloadReadiness'))).toEqual([]);
    expect(build(() => ({ readiness: false })).workload.hostScript.readinessHookName).toBeUndefined();
  });

  test('log retention and key from props', () => {
    const { stack } = build((s) => ({ logRetention: logs.RetentionDays.ONE_YEAR, logEncryptionKey: new kms.Key(s, 'MyKey') }));
    Template.fromStack(stack).hasResourceProperties('AWS::Logs::LogGroup', {
      RetentionInDays: 365, KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^MyKey'), 'Arn'] },
    });
  });
});

describe('ServingWorkload: the host', () => {
  const lint = shellcheckAvailability();
  const { stack, workload } = build();
  const template = Template.fromStack(stack);

  /** The launch template's user data as the host gets it, CloudFormation references replaced by placeholders. */
  function userData(): string {
    const lt = Object.values(template.findResources('AWS::EC2::LaunchTemplate'))[0] as any;
    const [sep, parts] = lt.Properties.LaunchTemplateData.UserData['Fn::Base64']['Fn::Join'];
    return parts.map((p: unknown) => (typeof p === 'string' ? p : 'resolved-by-cloudformation')).join(sep);
  }

  test('the fleet launch template runs the unit with all GPUs, by digest, logs to the workload log group', () => {
    const text = userData();
    expect(text).toContain('systemctl enable --now --no-block inference.service');
    expect(text).toContain('exec docker run --rm --name "$CONTAINER" --gpus all');
    expect(text).toContain(`/ml-platform/vllm-openai@${DIGEST}'`);
    expect(text).toContain("MODEL_S3_URI='s3://ml-platform-models-staging/llama-3.1-8b-instruct-awq/'");
    // The log group name and the registry host are CloudFormation references.
    const lt = Object.values(template.findResources('AWS::EC2::LaunchTemplate'))[0] as any;
    expect(lt.Properties.LaunchTemplateData.UserData['Fn::Base64']['Fn::Join'][1]).toContainEqual({ Ref: expect.stringMatching(/^WorkloadLogGroup/) });
  });

  (lint.run ? test : test.skip)('the synthesized user data is shellcheck clean', () => {
    expect(shellcheck(lint.binary, { 'launch template user data': userData() })).toEqual([]);
  });

  test('the user data stays well within EC2\'s 16 KB (figure printed for the report)', () => {
    const bytes = Buffer.byteLength(userData());
    // eslint-disable-next-line no-console
    console.log(`serving user data: ${bytes} bytes of 16384 (placeholders for references)`);
    expect(bytes).toBeLessThan(12 * 1024);
  });

  test('the spec the host script was rendered from', () => {
    expect(workload.hostScript).toMatchObject({
      ecrLogin: true, port: 8000, healthCheckPath: '/health', startupSeconds: 480, drainSeconds: 300,
      readinessHookName: 'gpu-fleet-serving-ready',
      secrets: [{ name: 'VLLM_API_KEY', source: 'secretsmanager', arn: SECRET_ARN }, { name: 'HF_TOKEN', source: 'ssm', arn: expect.any(String) }],
    });
    expect(stack.resolve(workload.hostScript.secrets![1].arn)).toEqual(arn(':ssm:us-east-1:123456789012:parameter/ml-platform/hf-token'));
    expect(workload.readinessTimeout.toSeconds()).toBe(780);
  });
});

describe('ServingWorkload: warnings', () => {
  const warnings = (propsFor: PropsFor): string[] => Annotations.fromStack(build(propsFor).stack).findWarning('*', Match.anyValue()).map((w) => String(w.entry.data));

  test('a mutable tag, a public image, a secret-looking environment variable', () => {
    expect(warnings(() => ({ image: { uri: 'docker.io/vllm/vllm-openai', tag: 'latest' }, environment: { HF_TOKEN: 'x', OPENAI_API_KEY: 'y', MODE: 'z' } }))).toEqual(expect.arrayContaining([
      expect.stringContaining('image tag "latest" is mutable: pushing it again rolls no host, and new hosts silently run the new image; pin a digest'),
      expect.stringContaining('image docker.io/vllm/vllm-openai is pulled from outside ECR on every launch: over NAT, without the S3 endpoint, and subject to the registry\'s rate limits'),
      expect.stringContaining('environment.HF_TOKEN looks like a secret: environment values are in the user data, readable with ec2:DescribeInstanceAttribute; use secrets'),
      expect.stringContaining('environment.OPENAI_API_KEY looks like a secret'),
    ]));
    expect(warnings(() => ({ image: { uri: 'docker.io/vllm/vllm-openai', tag: 'latest' }, environment: { MODE: 'z' } }))
      .filter((w) => w.includes('MODE'))).toEqual([]);
  });

  test('an ECR image by digest warns about nothing', () => {
    expect(warnings(full).filter((w) => /mutableImageTag|publicImage|secretInEnvironment/.test(w))).toEqual([]);
  });
});

describe('ServingWorkload: construction errors', () => {
  const error = (propsFor: PropsFor) => {
    try {
      build(propsFor);
    } catch (e) {
      return (e as Error).message;
    }
    throw new Error('no error');
  };
  const one = (problem: string) => `ServingWorkload Test/Workload props are invalid:\n  - ${problem}`;

  test.each<[string, PropsFor, string]>([
    ['image from both', (s) => ({ image: { repository: ecr.Repository.fromRepositoryName(s, 'R', 'r'), uri: 'docker.io/x/y', digest: DIGEST } }),
      'image (repository and uri) must name exactly one of repository (ECR) and uri (another registry)'],
    ['image from neither', () => ({ image: { digest: DIGEST } }),
      'image (neither repository nor uri) must name exactly one of repository (ECR) and uri (another registry)'],
    ['tag and digest', () => ({ image: { uri: 'docker.io/x/y', tag: 'v1', digest: DIGEST } }),
      `image (tag "v1" and digest "${DIGEST}") must name a tag or a digest, not both, e.g. tag "v0.10.1" or digest "sha256:<64 hex>"`],
    ['no tag, no digest', () => ({ image: { uri: 'docker.io/x/y' } }),
      'image (no tag, no digest) must name a tag or a digest, not both, e.g. tag "v0.10.1" or digest "sha256:<64 hex>"'],
    ['bad tag', () => ({ image: { uri: 'docker.io/x/y', tag: '-v1' } }), 'image.tag ("-v1") must be 1-128 letters, digits, _ . - (not starting with . or -)'],
    ['bad digest', () => ({ image: { uri: 'docker.io/x/y', digest: 'sha256:ABC' } }), 'image.digest ("sha256:ABC") must be sha256:<64 lowercase hex>'],
    ['uri with tag', () => ({ image: { uri: 'docker.io/x/y:v1', tag: 'v1' } }),
      'image.uri ("docker.io/x/y:v1") must be <registry>/<path> in lowercase, without tag or digest (give those in tag or digest)'],
    ['secret from both', (s) => ({ secrets: { K: { secret: secretsmanager.Secret.fromSecretCompleteArn(s, 'S', SECRET_ARN), parameter: ssm.StringParameter.fromStringParameterName(s, 'P', 'p') } } }),
      'secrets.K (secret and parameter) must name exactly one of secret and parameter'],
    ['secret from neither', () => ({ secrets: { K: {} } }), 'secrets.K (neither secret nor parameter) must name exactly one of secret and parameter'],
    ['secret imported by name', (s) => ({ secrets: { K: { secret: secretsmanager.Secret.fromSecretNameV2(s, 'S', 'hf') } } }),
      'secrets.K.secret ("hf") has no full ARN (imported by name or partial ARN): import it with Secret.fromSecretCompleteArn, so the host\'s permission names it without a wildcard'],
    ['model prefix with a wildcard', (s) => ({ model: { bucket: s3.Bucket.fromBucketName(s, 'B', 'b-1'), prefix: 'models/*' } }),
      'model.prefix ("models/*") must be a non-empty key prefix of letters, digits and ! _ . \' ( ) - separated by single /, without . or .. segments (no * or ?: it becomes an IAM resource)'],
    ['model prefix empty', (s) => ({ model: { bucket: s3.Bucket.fromBucketName(s, 'B', 'b-1'), prefix: '/' } }),
      'model.prefix ("/") must be a non-empty key prefix of letters, digits and ! _ . \' ( ) - separated by single /, without . or .. segments (no * or ?: it becomes an IAM resource)'],
    ['model prefix with ..', (s) => ({ model: { bucket: s3.Bucket.fromBucketName(s, 'B', 'b-1'), prefix: 'a/../b' } }),
      'model.prefix ("a/../b") must be a non-empty key prefix of letters, digits and ! _ . \' ( ) - separated by single /, without . or .. segments (no * or ?: it becomes an IAM resource)'],
    ['startup too short', () => ({ startupTimeout: Duration.seconds(30) }),
      'startupTimeout (30s) must be a whole number of seconds from 60s to 6900s: the readiness hook waits at most 7200s, 300s of it after the startup'],
    ['drain too long', () => ({ drainTimeout: Duration.hours(2) }),
      'drainTimeout (7200s) must be a whole number of seconds from 30s to 3600s: the container gets the drain timeout minus 10s to stop'],
    ['idle wait too long', () => ({ drainIdleWait: Duration.seconds(290) }),
      'drainIdleWait (290s) must be a whole number of seconds from 0s to 280s: the drain keeps at least 20s to stop the server'],
    ['port', () => ({ port: 70000 }), 'port (70000) must be a whole number from 1 to 65535'],
    ['health path', () => ({ healthCheckPath: 'health' }), 'healthCheckPath ("health") must start with / (e.g. /health) and hold at most 1024 URL path characters'],
    ['docker arg', () => ({ dockerArgs: ['--privileged'] }),
      'dockerArgs[0] ("--privileged") is not allowed; allowed: --shm-size=<n>[bkmg], --ipc=host, --ulimit=memlock=-1[:-1], --ulimit=stack=<n>, --pids-limit=<n>, --cpus=<n>, --memory=<n>[mg]'],
  ])('%s', (_name, propsFor, problem) => {
    expect(error(propsFor)).toBe(one(problem));
  });

  test('every problem at once, one line each', () => {
    expect(error(() => ({ port: 0, healthCheckPath: 'x', drainTimeout: Duration.seconds(5) })).split('\n')).toEqual([
      'ServingWorkload Test/Workload props are invalid:',
      '  - port (0) must be a whole number from 1 to 65535',
      '  - healthCheckPath ("x") must start with / (e.g. /health) and hold at most 1024 URL path characters',
      '  - drainTimeout (5s) must be a whole number of seconds from 30s to 3600s: the container gets the drain timeout minus 10s to stop',
    ]);
  });

  test('user data over the budget', () => {
    const environment = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`VAR_${i}`, 'x'.repeat(300)]));
    expect(error(() => ({ environment }))).toMatch(new RegExp(
      '^ServingWorkload Test/Workload props are invalid:\\n  - user data \\(about \\d+ bytes\\) must stay within 14336 bytes: EC2 accepts 16 KB of user data in all, '
      + 'the GPU metrics agent takes the rest; shorten environment, command or secrets$',
    ));
  });

  test('attachTo twice', () => {
    const { workload, fleet } = build();
    expect(() => workload.attachTo(fleet.role, [fleet.autoScalingGroup])).toThrow(one('attachTo (called twice) must be called once, with every group'));
  });
});
