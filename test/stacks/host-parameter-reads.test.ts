import { Stack } from 'aws-cdk-lib';
import { ENVIRONMENTS, staging } from '../../config/environments';
import { EnvironmentConfig } from '../../config/types';
import { buildEnvironmentStack, withOverrides } from '../support/stacks';

// Security review: the host role has AmazonSSMManagedInstanceCore, which allows ssm:GetParameter and
// ssm:GetParameters on "*". In every environment the host role must deny parameter reads outside the parameters its
// own policies grant (the workload's secret parameters), or all of them when it is granted none.

const READS = ['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParametersByPath'];
const asList = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** The statements of every inline policy on the fleet's host role (the role EC2 assumes), resolved to strings. */
function hostRoleStatements(cfg: EnvironmentConfig): { managed: unknown[]; statements: any[] } {
  const { stack, template } = buildEnvironmentStack(cfg);
  const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, any> }>;
  const hostRoles = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::IAM::Role'
    && asList(r.Properties.AssumeRolePolicyDocument.Statement).some((s: any) => asList(s.Principal?.Service).includes('ec2.amazonaws.com')));
  expect(hostRoles).toHaveLength(1);
  const [roleId, role] = hostRoles[0];
  const statements = Object.values(resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && asList(r.Properties.Roles).some((x: any) => x.Ref === roleId))
    .flatMap((r) => asList(r.Properties.PolicyDocument.Statement))
    .map((s) => JSON.parse(JSON.stringify(s, (_k, v) => (isPartition(v) ? 'aws' : v))) as any)
    .map((s) => ({ ...s, Resource: flatten(stack, s.Resource), NotResource: flatten(stack, s.NotResource) }));
  return { managed: role.Properties.ManagedPolicyArns ?? [], statements };
}
const isPartition = (v: unknown) => typeof v === 'object' && v !== null && (v as any).Ref === 'AWS::Partition';
function flatten(stack: Stack, v: unknown): string[] | undefined {
  if (v === undefined) return undefined;
  return asList(v as unknown[]).map((x) => (typeof x === 'string' ? x : (x as any)['Fn::Join'] ? (x as any)['Fn::Join'][1].join('') : JSON.stringify(stack.resolve(x))));
}

/** An environment like staging whose workload also reads a SecureString parameter. */
const withParameter = withOverrides(staging, {
  name: 'staging-with-parameter',
  serving: {
    secrets: {
      ...staging.serving!.secrets,
      HF_TOKEN: { arn: 'arn:aws:ssm:us-east-1:123456789012:parameter/ml-platform/staging/hf-token' },
    },
  },
} as any);

describe.each([...ENVIRONMENTS, withParameter].map((cfg) => [cfg.name, cfg] as const))('%s: the host role reads only the parameters it is granted', (_name, cfg) => {
  const { managed, statements } = hostRoleStatements(cfg);
  const granted = statements
    .filter((s) => s.Effect === 'Allow' && READS.some((a) => asList(s.Action).includes(a)))
    .flatMap((s) => s.Resource);
  const denies = statements.filter((s) => s.Effect === 'Deny' && READS.every((a) => asList(s.Action).includes(a)));

  test('it has the SSM managed policy (why the deny is needed)', () => {
    expect(JSON.stringify(managed)).toContain('AmazonSSMManagedInstanceCore');
  });

  test('one Deny on GetParameter, GetParameters, GetParametersByPath, without conditions', () => {
    expect(denies).toHaveLength(1);
    expect(denies[0].Condition).toBeUndefined();
  });

  test('the Deny spares exactly the granted parameters, or none when none is granted', () => {
    if (granted.length === 0) {
      expect({ Resource: denies[0].Resource, NotResource: denies[0].NotResource }).toEqual({ Resource: ['*'], NotResource: undefined });
    } else {
      expect({ Resource: denies[0].Resource, NotResource: [...denies[0].NotResource].sort() }).toEqual({ Resource: undefined, NotResource: [...granted].sort() });
    }
  });

  if (cfg === withParameter) {
    test('the workload\'s parameter is the one spared', () => {
      expect(denies[0].NotResource).toEqual(['arn:aws:ssm:us-east-1:123456789012:parameter/ml-platform/staging/hf-token']);
    });
  }
});
