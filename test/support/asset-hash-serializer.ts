/**
 * Jest snapshot serializer: replaces CDK asset hashes (64 hex chars, optionally with an extension such as .zip)
 * by a placeholder, so stack snapshots match on every machine and do not churn when a bundled Lambda changes
 * byte-for-byte. Fine-grained tests, not snapshots, check the Lambda code paths.
 */
const HASH = /[0-9a-f]{64}(\.zip|\.json)?/g;

module.exports = {
  test(val: unknown): boolean {
    return typeof val === 'string' && /[0-9a-f]{64}/.test(val);
  },
  serialize(val: string): string {
    return JSON.stringify(val.replace(HASH, (_m, ext) => `[ASSET HASH]${ext ?? ''}`));
  },
};
