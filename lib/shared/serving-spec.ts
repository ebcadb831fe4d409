/**
 * What a serving workload's inputs look like (image references, ARNs, S3 URIs, health checks), as patterns and pure
 * parsers: one definition for the constructs' prop checks (lib/serving) and the config validation (config/), which
 * may import only lib/catalog and lib/shared. No aws-cdk-lib here.
 */

/** An image tag (Docker's rule): 1-128 letters, digits, _ . -, not starting with . or -. */
export const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** An image digest, `sha256:<64 lowercase hex>`. */
export const IMAGE_DIGEST = /^sha256:[a-f0-9]{64}$/;

/** An image outside ECR, `<registry>/<path>` in lowercase, without tag or digest (e.g. `docker.io/vllm/vllm-openai`). */
export const PUBLIC_IMAGE_URI = /^[a-z0-9.-]+(:[0-9]+)?(\/[a-z0-9._-]+)+$/;

/** A full image reference as the host pulls it: `<registry>/<repository>` with `:<tag>` or `@sha256:<digest>`. */
export const IMAGE_REFERENCE = /^[a-z0-9.-]+(:[0-9]+)?\/[a-z0-9._/-]+(@sha256:[a-f0-9]{64}|:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})$/;

/**
 * An ECR repository name: lowercase path components separated by /, each letters and digits joined by single . _ -.
 * https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_CreateRepository.html#ECR-CreateRepository-request-repositoryName
 */
export const ECR_REPOSITORY_NAME = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

/** `arn:<partition>:ecr:<region>:<account>:repository/<name>`; groups: region, account, name. */
export const ECR_REPOSITORY_ARN = /^arn:aws[a-z-]*:ecr:([a-z0-9-]+):([0-9]{12}):repository\/(.+)$/;

/** An ECR repository given by name or ARN. */
export interface EcrRepositoryRef {
  readonly name: string;
  /** Region and account, when given by ARN. */
  readonly region?: string;
  readonly account?: string;
}

/** `value` as an ECR repository (name or ARN), or undefined when it is neither. Names are 2-256 characters. */
export function parseEcrRepository(value: string): EcrRepositoryRef | undefined {
  const arn = ECR_REPOSITORY_ARN.exec(value);
  const name = arn ? arn[3] : value;
  if (name.length < 2 || name.length > 256 || !ECR_REPOSITORY_NAME.test(name)) return undefined;
  return arn ? { name, region: arn[1], account: arn[2] } : { name };
}

/** A health check path of an ALB target group: starts with /, at most 1024 URL path characters. */
export const HEALTH_CHECK_PATH = /^\/[A-Za-z0-9/._~%!$&'()*+,;=:@-]{0,1023}$/;

/**
 * An ALB path pattern: starts with /, at most 128 characters, only A-Z a-z 0-9 _ - . $ / ~ " ' @ : + & and the
 * wildcards * and ?; case-sensitive.
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/rule-condition-types.html#path-conditions
 */
export const ALB_PATH_PATTERN = /^\/[A-Za-z0-9_\-.$/~"'@:+&*?]{0,127}$/;
export const ALB_PATH_PATTERN_RULE = 'must be an ALB path pattern: start with /, at most 128 characters of A-Z a-z 0-9 _ - . $ / ~ " \' @ : + & * ?';
/**
 * One listener rule's limits (not adjustable): 5 condition values and 5 wildcards (* and ?) per rule.
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-limits.html#rules-quotas
 */
export const MAX_RULE_CONDITION_VALUES = 5;
export const MAX_RULE_WILDCARDS = 5;
/** Wildcards (* and ?) in ALB path patterns, counted against `MAX_RULE_WILDCARDS`. */
export const pathWildcards = (patterns: readonly string[]) => patterns.reduce((n, p) => n + (p.match(/[*?]/g)?.length ?? 0), 0);

/** ALB matcher syntax: `200`, `200-299`, `200,202`. */
const HTTP_CODES = /^\d{3}(-\d{3})?(,\d{3}(-\d{3})?)*$/;

/** True when `codes` is an ALB matcher of HTTP codes, every code 200-499. */
export function isHealthyHttpCodes(codes: string): boolean {
  return HTTP_CODES.test(codes) && codes.split(/[,-]/).map(Number).every((c) => c >= 200 && c <= 499);
}

/** An IPv4 CIDR block, e.g. `10.0.0.0/8`. */
export const IPV4_CIDR = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}\/(3[0-2]|[12]?\d)$/;

/** `arn:<partition>:acm:<region>:<account>:certificate/<id>`; group 1: region. */
export const CERTIFICATE_ARN = /^arn:aws[a-z-]*:acm:([a-z0-9-]+):[0-9]{12}:certificate\/[A-Za-z0-9-]+$/;

/** A KMS key ARN (a key id, single- or multi-Region), not an alias: IAM grants name keys by key ARN. */
export const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/;

/**
 * Secret ARNs a host may read. Secrets Manager: the full ARN with the 6-character suffix AWS appends, so the IAM
 * statement names it without a wildcard. SSM: a parameter ARN (String or SecureString).
 */
export const SECRET_ARN = {
  secretsmanager: /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+-[A-Za-z0-9]{6}$/,
  ssm: /^arn:aws[a-z-]*:ssm:[a-z0-9-]+:[0-9]{12}:parameter\/.+$/,
} as const;

/** Where a secret ARN points: `secretsmanager`, `ssm`, or undefined when it is neither kind of full ARN. */
export function secretArnSource(arn: string): keyof typeof SECRET_ARN | undefined {
  if (SECRET_ARN.secretsmanager.test(arn)) return 'secretsmanager';
  if (SECRET_ARN.ssm.test(arn)) return 'ssm';
  return undefined;
}

/**
 * An S3 key prefix the host may read under: letters, digits and ! _ . ' ( ) - (S3's safe characters), separated by
 * single /, without . or .. segments. No * or ?: the prefix becomes an IAM resource.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html#object-key-guidelines-safe-characters
 */
export function isSafeKeyPrefix(prefix: string): boolean {
  return /^[A-Za-z0-9!_.'()/-]+$/.test(prefix) && prefix.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..');
}

/** A prefix without leading or trailing slashes (`/llama/` -> `llama`). */
export function normalizeKeyPrefix(prefix: string): string {
  return prefix.replace(/^\/+|\/+$/g, '');
}

/**
 * A general purpose bucket name: 3-63 lowercase letters, digits, . and -, starting and ending with a letter or digit,
 * no `..`, not an IP address.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
 */
export function isBucketName(name: string): boolean {
  return /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) && !name.includes('..') && !/^\d+\.\d+\.\d+\.\d+$/.test(name);
}

/** `s3://<bucket>/<prefix>[/]` as bucket and normalized prefix, or undefined when it has not that shape. */
export function parseS3Uri(uri: string): { readonly bucket: string; readonly prefix: string } | undefined {
  const m = /^s3:\/\/([^/]+)\/(.*)$/.exec(uri);
  if (!m || !isBucketName(m[1])) return undefined;
  const prefix = normalizeKeyPrefix(m[2]);
  return prefix.length > 0 ? { bucket: m[1], prefix } : undefined;
}

/** An environment variable name the container gets (Docker env files, shells). */
export const ENV_VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Names that look like secrets: their values belong in `secrets`, not in plain environment variables. */
export const SECRET_LOOKING_NAME = /(TOKEN|SECRET|PASSWORD|API_?KEY)$/i;
