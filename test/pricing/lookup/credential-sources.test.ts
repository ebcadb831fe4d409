import * as path from 'path';
import { awsCredentialSourceMayExist } from '../../../lib/pricing/lookup/credential-sources';

const HOME = '/home/ci';
const none = () => false;
const offline = { AWS_EC2_METADATA_DISABLED: 'true' };

describe('awsCredentialSourceMayExist', () => {
  test('CI: no key, no profile, no files, instance metadata disabled -> none can exist', () => {
    expect(awsCredentialSourceMayExist(offline, none, HOME)).toBe(false);
    expect(awsCredentialSourceMayExist({ AWS_EC2_METADATA_DISABLED: 'TRUE', AWS_PROFILE: '' }, none, HOME)).toBe(false);
  });

  test.each([
    ['an access key', { AWS_ACCESS_KEY_ID: 'AKIA...' }],
    ['a profile', { AWS_PROFILE: 'dev' }],
    ['a default profile', { AWS_DEFAULT_PROFILE: 'dev' }],
    ['a web identity token (EKS, GitHub OIDC)', { AWS_WEB_IDENTITY_TOKEN_FILE: '/var/run/token' }],
    ['container credentials (ECS, CodeBuild)', { AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials' }],
    ['container credentials by full URI', { AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://127.0.0.1/creds' }],
  ])('%s -> may exist', (_what, env) => {
    expect(awsCredentialSourceMayExist({ ...offline, ...env }, none, HOME)).toBe(true);
  });

  test.each([
    ['~/.aws/credentials', {}, path.join(HOME, '.aws', 'credentials')],
    ['~/.aws/config (SSO, profiles)', {}, path.join(HOME, '.aws', 'config')],
    ['AWS_SHARED_CREDENTIALS_FILE', { AWS_SHARED_CREDENTIALS_FILE: '/etc/aws/creds' }, '/etc/aws/creds'],
    ['AWS_CONFIG_FILE', { AWS_CONFIG_FILE: '/etc/aws/config' }, '/etc/aws/config'],
  ])('a file at %s -> may exist', (_what, env, file) => {
    expect(awsCredentialSourceMayExist({ ...offline, ...env }, (f) => f === file, HOME)).toBe(true);
  });

  test('instance metadata not disabled -> may exist (the SDK probes it last)', () => {
    expect(awsCredentialSourceMayExist({}, none, HOME)).toBe(true);
    expect(awsCredentialSourceMayExist({ AWS_EC2_METADATA_DISABLED: 'false' }, none, HOME)).toBe(true);
  });
});
