import * as os from 'os';
import * as path from 'path';

/**
 * Whether any source of AWS credentials can exist in this environment, decided without loading the AWS SDK:
 * an access key, a profile or SSO in a config file, a web identity token, container credentials, or instance
 * metadata. When none can, `auto` pricing goes straight to the snapshot (or the public feeds) instead of spending
 * ~0.2 s loading the SDK only to learn that no credentials exist (CI sets AWS_EC2_METADATA_DISABLED=true).
 * The order of the SDK's default chain: https://docs.aws.amazon.com/sdkref/latest/guide/standardized-credentials.html
 */
export function awsCredentialSourceMayExist(
  env: Readonly<Record<string, string | undefined>>,
  fileExists: (file: string) => boolean,
  home: string = os.homedir(),
): boolean {
  const set = (name: string) => (env[name] ?? '').length > 0;
  if (['AWS_ACCESS_KEY_ID', 'AWS_PROFILE', 'AWS_DEFAULT_PROFILE', 'AWS_WEB_IDENTITY_TOKEN_FILE',
    'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_CONTAINER_CREDENTIALS_FULL_URI'].some(set)) return true;
  const files = [env.AWS_SHARED_CREDENTIALS_FILE || path.join(home, '.aws', 'credentials'), env.AWS_CONFIG_FILE || path.join(home, '.aws', 'config')];
  if (files.some(fileExists)) return true;
  // Instance metadata (EC2, or anything answering 169.254.169.254) is the chain's last source.
  return (env.AWS_EC2_METADATA_DISABLED ?? '').toLowerCase() !== 'true';
}
