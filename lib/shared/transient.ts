/**
 * The project's one transient-error classifier, for every Lambda (interruption handler, fallback controller, kill
 * switch). Runtime code imports this file, so it must stay free of aws-cdk-lib, constructs and any SDK import.
 */

/**
 * Error names (or Node.js error codes) that a later attempt can resolve: throttling, 5xx-style service faults,
 * network resets, and the races of Powertools idempotency (a duplicate in flight, a record changing under us).
 */
export const TRANSIENT_ERROR_NAMES: ReadonlySet<string> = new Set([
  // Throttling, as each service spells it (EC2: RequestLimitExceeded, Auto Scaling: Throttling, SSM/ELB: Throttling*).
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'RequestThrottled',
  'RequestThrottledException',
  'EC2ThrottledException',
  'SlowDown',
  'PriorRequestNotComplete',
  // DynamoDB throttling of an idempotency table (HTTP 400, not 429); Powertools wraps it in IdempotencyPersistenceLayerError.
  'ProvisionedThroughputExceededException',
  // Service faults.
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalError',
  'InternalFailure',
  'InternalServerError',
  'InternalServerErrorException',
  'ResourceContention',
  // Powertools idempotency races: another invocation holds the record / the record changed between put and get.
  'IdempotencyAlreadyInProgressError',
  'IdempotencyInconsistentStateError',
  // Network.
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
]);

/** How many `cause` links isTransient follows: Powertools wraps once or twice; a cycle must not loop. */
export const MAX_CAUSE_DEPTH = 5;

/**
 * Whether a later attempt can succeed: a transient name or code, the SDK's `$retryable` mark, HTTP 5xx or 429, or
 * any of these in the `cause` chain (up to MAX_CAUSE_DEPTH links), because Powertools and our own code wrap errors.
 */
export function isTransient(error: unknown, depth = 0): boolean {
  if (error === undefined || error === null || typeof error !== 'object' || depth > MAX_CAUSE_DEPTH) return false;
  const e = error as { name?: unknown; code?: unknown; $metadata?: { httpStatusCode?: unknown }; $retryable?: unknown; cause?: unknown };
  if (typeof e.name === 'string' && TRANSIENT_ERROR_NAMES.has(e.name)) return true;
  if (typeof e.code === 'string' && TRANSIENT_ERROR_NAMES.has(e.code)) return true;
  if (e.$retryable) return true;
  const status = e.$metadata?.httpStatusCode;
  if (typeof status === 'number' && (status >= 500 || status === 429)) return true;
  return isTransient(e.cause, depth + 1);
}

/** The error's name (`Error` when it has none), for logs, metrics and permanent-failure messages. */
export function errorName(error: unknown): string {
  const name = (error as { name?: unknown } | null | undefined)?.name;
  return typeof name === 'string' && name.length > 0 ? name : 'Error';
}

/** The error's message, or the value as text when it is not an Error. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
