import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/**
 * Denies `kms:CreateGrant` on `key` unless the grant is for an AWS resource (a service acting for the caller, e.g.
 * a Lambda or an encrypted volume) or the caller is an AWS service. A grant is a second, policy-invisible way to
 * use a key; this keeps a role with `kms:*` from handing the key to an arbitrary principal.
 * https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-grant-is-for-aws-resource
 */
export function guardKeyGrants(key: kms.Key): void {
  key.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'DenyGrantsExceptForAwsResources',
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: ['kms:CreateGrant'],
    resources: ['*'], // in a key policy, '*' means this key
    conditions: {
      Bool: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' },
    },
  }));
}

/** A customer-managed key with rotation on and the grant guard; the default for everything this project encrypts. */
export function fleetKey(scope: Construct, id: string, description: string): kms.Key {
  const key = new kms.Key(scope, id, { description, enableKeyRotation: true });
  guardKeyGrants(key);
  return key;
}

const LOG_KEY_ID = 'LogEncryptionKey';

/**
 * The stack's key for CloudWatch Logs: one per stack (a key costs $1/month), created by the first construct that
 * asks. CloudWatch Logs may use it only for log groups of this account and region (encryption context condition).
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
 */
export function logEncryptionKey(scope: Construct): kms.Key {
  const stack = Stack.of(scope);
  const existing = stack.node.tryFindChild(LOG_KEY_ID);
  if (existing) return existing as kms.Key;
  const key = fleetKey(stack, LOG_KEY_ID, `Encrypts the CloudWatch log groups of ${stack.stackName}`);
  key.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'AllowCloudWatchLogsOfThisAccount',
    principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
    actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
    resources: ['*'],
    conditions: {
      ArnLike: {
        'kms:EncryptionContext:aws:logs:arn': stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
      },
    },
  }));
  return key;
}

export interface EncryptedLogGroupProps {
  /** How long CloudWatch keeps the events. */
  readonly retention: logs.RetentionDays;
  /**
   * Key the log group is encrypted with.
   * @default - the stack's log key (`logEncryptionKey`)
   */
  readonly encryptionKey?: kms.IKey;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/** A log group encrypted with a customer-managed key. */
export function encryptedLogGroup(scope: Construct, id: string, props: EncryptedLogGroupProps): logs.LogGroup {
  return new logs.LogGroup(scope, id, {
    retention: props.retention,
    encryptionKey: props.encryptionKey ?? logEncryptionKey(scope),
    removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
  });
}
