import { FisClient, ListExperimentTemplatesCommand, StartExperimentCommand } from '@aws-sdk/client-fis';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { drill } from '../../scripts/drill';

// @aws-sdk/client-fis is pinned to an older 3.x than the other clients, so its types do not line up with
// aws-sdk-client-mock's; the runtime contract is the same.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const fis = mockClient(FisClient as never) as any;
const log = () => ({ log: jest.fn(), error: jest.fn() });
const run = (args: string[], l = log()) => drill(args, () => new FisClient({ region: 'us-east-1' }), l as unknown as Console);

beforeEach(() => fis.reset());

test('starts the template tagged with the stack of the environment, across pages', async () => {
  fis.on(ListExperimentTemplatesCommand)
    .resolvesOnce({ experimentTemplates: [{ id: 'EXT1', tags: { 'gpu-spot-fleet:stack': 'GpuFleet-dev' } }], nextToken: 'n' })
    .resolvesOnce({ experimentTemplates: [{ id: 'EXT2', description: 'drill', tags: { 'gpu-spot-fleet:stack': 'GpuFleet-prod' } }] });
  fis.on(StartExperimentCommand).resolves({ experiment: { id: 'EXP9' } });
  const l = log();
  expect(await run(['prod'], l)).toBe(0);
  expect(fis).toHaveReceivedCommandWith(StartExperimentCommand as never, { experimentTemplateId: 'EXT2' });
  expect(l.log).toHaveBeenCalledWith('started spot interruption drill EXP9 from template EXT2 (drill) in us-east-1');
});

test('no template: says to deploy first', async () => {
  fis.on(ListExperimentTemplatesCommand).resolves({ experimentTemplates: [] });
  const l = log();
  expect(await run(['staging'], l)).toBe(1);
  expect(l.error).toHaveBeenCalledWith(
    'no FIS experiment template tagged gpu-spot-fleet:stack=GpuFleet-staging in us-east-1: deploy the stack first (npx cdk deploy GpuFleet-staging), or check the account and region',
  );
  expect(fis).not.toHaveReceivedCommand(StartExperimentCommand as never);
});

test('no credentials: says how to get them', async () => {
  fis.on(ListExperimentTemplatesCommand).rejects(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }));
  const l = log();
  expect(await run(['dev'], l)).toBe(1);
  expect(l.error).toHaveBeenCalledWith('no usable AWS credentials (CredentialsProviderError): set AWS_PROFILE or run aws sso login for the dev account, then retry');
});

test('unknown environment: usage', async () => {
  const l = log();
  expect(await run(['qa'], l)).toBe(2);
  expect(l.error).toHaveBeenCalledWith('usage: npm run drill -- <env>, where <env> is one of dev, staging, prod (got "qa")');
});
