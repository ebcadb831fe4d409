import { Template } from 'aws-cdk-lib/assertions';
import { DIGEST } from './fixtures';
import { servingStack } from './support/serving-stack';

// Design 7.3, step 1-2: what `cdk deploy` of a new image changes. Two builds of the composed serving stack that
// differ only in the image digest must differ only in the launch template's user data: no logical id changes, no
// group replaced, no policy or alarm touched. CloudFormation then makes a new launch template version, both groups
// (which point at LatestVersionNumber) are updated, and their AutoScalingInstanceRefresh policies roll the hosts.

type Resources = Record<string, { Type: string; Properties: any; UpdatePolicy?: any; DependsOn?: unknown }>;
const NEW_DIGEST = `sha256:${'fedcba9876543210'.repeat(4)}`;

const before = servingStack({ digest: DIGEST });
const after = servingStack({ digest: NEW_DIGEST });
const templates = [before, after].map((b) => Template.fromStack(b.stack).toJSON());
const [old, next] = templates.map((t) => t.Resources as Resources);
const changed = Object.keys(old).filter((id) => JSON.stringify(old[id]) !== JSON.stringify(next[id]));

/** Every string in a value (user data is a Fn::Join of strings and tokens). */
const strings = (v: unknown): string[] => (typeof v === 'string' ? [v] : Array.isArray(v) ? v.flatMap(strings) : v && typeof v === 'object' ? Object.values(v).flatMap(strings) : []);

test('same logical ids, same resource types', () => {
  expect(Object.keys(next).sort()).toEqual(Object.keys(old).sort());
  expect(Object.keys(next).map((id) => next[id].Type)).toEqual(Object.keys(next).map((id) => old[id].Type));
});

test('only the launch template differs, and in it only the user data', () => {
  expect(changed).toEqual([before.stack.getLogicalId(before.fleet.launchTemplate.node.defaultChild as any)]);
  const [a, b] = [old[changed[0]], next[changed[0]]];
  expect(a.Type).toBe('AWS::EC2::LaunchTemplate');
  const { UserData: userDataA, ...restA } = a.Properties.LaunchTemplateData;
  const { UserData: userDataB, ...restB } = b.Properties.LaunchTemplateData;
  expect(restB).toEqual(restA);
  expect({ ...b.Properties, LaunchTemplateData: undefined }).toEqual({ ...a.Properties, LaunchTemplateData: undefined });
  expect(strings(userDataA).join('')).toContain(DIGEST);
  expect(strings(userDataB).join('')).toContain(NEW_DIGEST);
  expect(strings(userDataB).join('')).not.toContain(DIGEST);
  // Everything else in the template (outputs, parameters, conditions) is equal too.
  const rest = (t: Record<string, unknown>) => ({ ...t, Resources: undefined });
  expect(rest(templates[1])).toEqual(rest(templates[0]));
});

test('both groups follow the launch template\'s latest version and roll by instance refresh on the serving alarms', () => {
  const lt = before.stack.getLogicalId(before.fleet.launchTemplate.node.defaultChild as any);
  for (const group of [before.fleet.autoScalingGroup, before.fallback.fallbackGroup]) {
    const g = old[before.stack.getLogicalId(group.node.defaultChild as any)];
    expect(g.Properties.MixedInstancesPolicy.LaunchTemplate.LaunchTemplateSpecification).toEqual({
      LaunchTemplateId: { Ref: lt },
      Version: { 'Fn::GetAtt': [lt, 'LatestVersionNumber'] },
    });
    expect(g.UpdatePolicy.AutoScalingInstanceRefresh).toMatchObject({
      Strategy: 'Rolling',
      Preferences: {
        MinHealthyPercentage: 100,
        MaxHealthyPercentage: 200,
        SkipMatching: true,
        InstanceWarmup: before.timings.warmup.toSeconds(),
        BakeTime: 600,
        AlarmSpecification: { Alarms: before.servingAlarms.rolloutAlarms.map((a) => ({ Ref: before.stack.getLogicalId((a as any).node.defaultChild) })) },
      },
    });
  }
});

test('the launch template resolves its AMI at deploy time from SSM (a concrete image id, which refresh rollback needs)', () => {
  const lt = old[changed[0]].Properties.LaunchTemplateData;
  expect(lt.ImageId).toEqual({ Ref: expect.stringMatching(/^SsmParameterValue/) });
  const param = (templates[0].Parameters as Record<string, { Type: string }>)[lt.ImageId.Ref];
  expect(param.Type).toBe('AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>');
});
