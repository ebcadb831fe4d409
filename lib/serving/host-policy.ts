import { ArnFormat, Stack, Validations } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

// The serving host's permissions beyond GpuFleet's role (SSM agent, GPU metrics): exactly what the host scripts call,
// each on the one resource it needs. The only `Resource: *` is ecr:GetAuthorizationToken, which has no resource type.
// https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelasticcontainerregistry.html

/** A secret the host reads at start, with the customer-managed key it is encrypted with, if any. */
export interface HostSecretGrant {
  readonly source: 'secretsmanager' | 'ssm';
  readonly arn: string;
  readonly key?: kms.IKey;
}

/** Model artifact synced to the host before the container starts, mounted read-only at `/models`. */
export interface ServingModel {
  /** Bucket of the artifact. */
  readonly bucket: s3.IBucket;
  /** Key prefix (a "directory") of the artifact; the host may read only under it. */
  readonly prefix: string;
  /** Customer-managed key of SSE-KMS objects. @default - none (SSE-S3) */
  readonly key?: kms.IKey;
}

export interface HostPolicyInputs {
  readonly repository?: ecr.IRepository;
  readonly model?: ServingModel;
  readonly secrets: readonly HostSecretGrant[];
  readonly logGroup: logs.ILogGroup;
}

/** Statements the container's start needs: image pull, model read, secret read, log writes. */
export function hostStatements(scope: Construct, inputs: HostPolicyInputs): iam.PolicyStatement[] {
  const stack = Stack.of(scope);
  const statements: iam.PolicyStatement[] = [];
  if (inputs.repository) {
    statements.push(
      new iam.PolicyStatement({ sid: 'EcrAuth', actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }),
      new iam.PolicyStatement({
        sid: 'EcrPull',
        actions: ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
        resources: [inputs.repository.repositoryArn],
      }),
    );
  }
  const model = inputs.model;
  if (model) {
    statements.push(
      // `aws s3 sync` lists the prefix; the condition keeps the listing to it.
      new iam.PolicyStatement({
        sid: 'ModelList',
        actions: ['s3:ListBucket'],
        resources: [model.bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${model.prefix}/`, `${model.prefix}/*`] } },
      }),
      new iam.PolicyStatement({ sid: 'ModelRead', actions: ['s3:GetObject'], resources: [model.bucket.arnForObjects(`${model.prefix}/*`)] }),
    );
    if (model.key) {
      // No encryption-context condition: with S3 Bucket Keys the context is the bucket ARN, not the object's.
      statements.push(viaService('ModelKey', [model.key], `s3.${model.bucket.env.region}.amazonaws.com`));
    }
  }
  const arns = (source: HostSecretGrant['source']) => inputs.secrets.filter((s) => s.source === source);
  const keys = (source: HostSecretGrant['source']) => uniqueKeys(arns(source).flatMap((s) => (s.key ? [s.key] : [])));
  if (arns('secretsmanager').length) {
    statements.push(new iam.PolicyStatement({
      sid: 'SecretsRead', actions: ['secretsmanager:GetSecretValue'], resources: arns('secretsmanager').map((s) => s.arn),
    }));
    if (keys('secretsmanager').length) statements.push(viaService('SecretsKey', keys('secretsmanager'), `secretsmanager.${stack.region}.amazonaws.com`));
  }
  if (arns('ssm').length) {
    statements.push(new iam.PolicyStatement({ sid: 'ParametersRead', actions: ['ssm:GetParameter'], resources: arns('ssm').map((s) => s.arn) }));
    if (keys('ssm').length) statements.push(viaService('ParametersKey', keys('ssm'), `ssm.${stack.region}.amazonaws.com`));
  }
  // Docker's awslogs driver (run by dockerd on the host, with the instance role) creates the stream and writes.
  statements.push(new iam.PolicyStatement({
    sid: 'Logs', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [inputs.logGroup.logGroupArn],
  }));
  return statements;
}

/** The statement that lets a host complete the readiness lifecycle hook of its own group(s). */
export function readinessStatement(scope: Construct, groups: readonly autoscaling.IAutoScalingGroup[]): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'Ready',
    actions: ['autoscaling:CompleteLifecycleAction'],
    resources: groups.map((g) => groupArn(scope, g.autoScalingGroupName)),
  });
}

/** cdk-nag acknowledgements of the host policy, each for one exact finding. */
export function acknowledgeHostPolicy(policy: iam.Policy, inputs: HostPolicyInputs): void {
  if (inputs.repository) {
    Validations.of(policy).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'only ecr:GetAuthorizationToken, which has no resource type (the token is registry-wide); image pulls are limited to the one repository',
    });
  }
  if (inputs.model) {
    const stack = Stack.of(policy);
    Validations.of(policy).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${nagString(stack, inputs.model.bucket.arnForObjects(`${inputs.model.prefix}/*`))}]`,
      reason: 's3:GetObject on the objects under the model prefix only; an object-level prefix pattern is the narrowest S3 allows for a synced directory',
    });
  }
}

/** cdk-nag acknowledgement of the readiness statement: one per group ARN. */
export function acknowledgeReadiness(policy: iam.Policy, groups: readonly autoscaling.IAutoScalingGroup[]): void {
  const stack = Stack.of(policy);
  for (const g of groups) {
    Validations.of(policy).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${nagString(stack, groupArn(policy, g.autoScalingGroupName))}]`,
      reason: 'a group ARN holds a UUID known only after creation; the ARN is otherwise exact (this group name)',
    });
  }
}

function viaService(sid: string, keys: readonly kms.IKey[], service: string): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid, actions: ['kms:Decrypt'], resources: keys.map((k) => k.keyArn), conditions: { StringEquals: { 'kms:ViaService': service } },
  });
}

function uniqueKeys(keys: readonly kms.IKey[]): kms.IKey[] {
  return [...new Set(keys)];
}

function groupArn(scope: Construct, groupName: string): string {
  return Stack.of(scope).formatArn({
    service: 'autoscaling',
    resource: 'autoScalingGroup',
    resourceName: `*:autoScalingGroupName/${groupName}`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

/**
 * A string as cdk-nag prints it in a finding id: CloudFormation references as `<LogicalId>` / `<LogicalId.Attr>`,
 * pseudo parameters as `<AWS::Partition>`.
 */
export function nagString(stack: Stack, value: string): string {
  const resolved = stack.resolve(value);
  const part = (p: unknown): string => {
    if (typeof p === 'string') return p;
    const o = p as Record<string, unknown>;
    if (typeof o.Ref === 'string') return `<${o.Ref}>`;
    if (Array.isArray(o['Fn::GetAtt'])) return `<${(o['Fn::GetAtt'] as string[]).join('.')}>`;
    if (Array.isArray(o['Fn::Join'])) {
      const [sep, parts] = o['Fn::Join'] as [string, unknown[]];
      return parts.map(part).join(sep);
    }
    throw new Error(`nagString: cannot render ${JSON.stringify(p)}`);
  };
  return part(resolved);
}
