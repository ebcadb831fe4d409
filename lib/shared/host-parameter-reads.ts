import { Lazy, Names } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

/**
 * Parameter reads the host's policies grant, and also revoke: AmazonSSMManagedInstanceCore (the SSM agent's managed
 * policy) allows ssm:GetParameter and ssm:GetParameters on `*`, so without an explicit deny a host could read every
 * parameter in the account, SecureStrings included. An explicit Deny wins over any Allow.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
 */
export const PARAMETER_READ_ACTIONS = [
  'ssm:GetParameter',
  'ssm:GetParameters',
  'ssm:GetParametersByPath',
  'ssm:GetParameterHistory',
] as const;

export interface HostParameterReadGuardProps {
  /** The host role the deny is attached to. */
  readonly role: iam.IRole;
}

const guards = new WeakMap<iam.IRole, HostParameterReadGuard>();

/**
 * An inline policy on a host role that denies parameter reads outside the parameters registered with `allowRead`
 * (`NotResource`), or all parameter reads (`Resource: *`) when none is registered. The statement is rendered at synth,
 * so grants added after construction (ServingWorkload.attachTo) are in it.
 */
export class HostParameterReadGuard extends Construct {
  /** The guard of `role`, if one was created for it (GpuFleet creates one for its host role). */
  public static of(role: iam.IRole): HostParameterReadGuard | undefined {
    return guards.get(role);
  }

  public readonly policy: iam.CfnPolicy;
  private readonly allowed: string[] = [];

  constructor(scope: Construct, id: string, props: HostParameterReadGuardProps) {
    super(scope, id);
    if (guards.has(props.role)) throw new Error(`HostParameterReadGuard ${this.node.path}: role ${props.role.node.path} already has one`);
    guards.set(props.role, this);
    // L1 so the statement can switch between Resource and NotResource at synth; iam.Policy fixes it at construction.
    this.policy = new iam.CfnPolicy(this, 'Resource', {
      policyName: Names.uniqueResourceName(this, { maxLength: 128 }),
      roles: [props.role.roleName],
      policyDocument: Lazy.any({ produce: () => this.document() }),
    });
  }

  /** Parameter ARNs (arn:<partition>:ssm:<region>:<account>:parameter/<name>) the host reads itself. */
  public allowRead(...parameterArns: string[]): void {
    for (const arn of parameterArns) if (!this.allowed.includes(arn)) this.allowed.push(arn);
  }

  /** What `allowRead` registered, in order. */
  public get allowedParameterArns(): readonly string[] {
    return [...this.allowed];
  }

  private document(): Record<string, unknown> {
    const where = this.allowed.length > 0 ? { NotResource: [...this.allowed] } : { Resource: '*' };
    return {
      Version: '2012-10-17',
      Statement: [{ Sid: 'DenyParameterReadsOutsideGrants', Effect: 'Deny', Action: [...PARAMETER_READ_ACTIONS], ...where }],
    };
  }
}
