import {
  IdempotencyAlreadyInProgressError,
  IdempotencyInconsistentStateError,
  IdempotencyPersistenceLayerError,
} from '@aws-lambda-powertools/idempotency';
import { errorMessage, errorName, isTransient, TRANSIENT_ERROR_NAMES } from '../../lib/shared/transient';

const awsError = (name: string, message: string, httpStatusCode = 400) => Object.assign(new Error(message), { name, $metadata: { httpStatusCode } });

describe('isTransient', () => {
  test.each([
    ['ThrottlingException (SSM)', awsError('ThrottlingException', 'Rate exceeded'), true],
    ['Throttling (Auto Scaling, ELB)', awsError('Throttling', 'Rate exceeded'), true],
    ['RequestLimitExceeded (EC2)', awsError('RequestLimitExceeded', 'Request limit exceeded.', 503), true],
    ['ResourceContention (Auto Scaling)', awsError('ResourceContention', 'busy'), true],
    ['an unknown name with 503', awsError('SomethingElse', 'x', 503), true],
    ['an unknown name with 429', awsError('SomethingElse', 'x', 429), true],
    ['AccessDeniedException', awsError('AccessDeniedException', 'x', 403), false],
    ['ValidationError', awsError('ValidationError', 'x', 400), false],
    ['a plain Error', new Error('plain'), false],
    ['a string', 'Throttling', false],
    ['undefined', undefined, false],
  ])('%s -> %p', (_name, error, expected) => expect(isTransient(error)).toBe(expected));

  test('a Node.js network error is transient by its code', () => {
    expect(isTransient(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe(true);
  });

  test("the SDK's $retryable mark is transient", () => {
    expect(isTransient(Object.assign(new Error('x'), { name: 'Odd', $retryable: { throttling: false } }))).toBe(true);
  });

  test('the union of the handler and controller lists (every name the fallback controller retried)', () => {
    for (const name of ['Throttling', 'ThrottlingException', 'RequestLimitExceeded', 'TooManyRequestsException', 'ServiceUnavailable', 'InternalFailure', 'TimeoutError', 'ResourceContention']) {
      expect(TRANSIENT_ERROR_NAMES.has(name)).toBe(true);
    }
  });

  test('Powertools idempotency races are transient (by name: no Powertools import in lib/shared)', () => {
    expect(isTransient(new IdempotencyAlreadyInProgressError('in progress'))).toBe(true);
    expect(isTransient(new IdempotencyInconsistentStateError('Item has expired during processing and may not longer be valid.'))).toBe(true);
  });

  test('DynamoDB throttling wrapped by Powertools (IdempotencyPersistenceLayerError) is transient', () => {
    const wrapped = new IdempotencyPersistenceLayerError('Failed to save in progress record to idempotency store', {
      cause: awsError('ProvisionedThroughputExceededException', 'The level of configured provisioned throughput for the table was exceeded', 400),
    });
    expect(isTransient(wrapped)).toBe(true);
  });

  test('a permanent cause inside the wrapper stays permanent', () => {
    const wrapped = new IdempotencyPersistenceLayerError('Failed to save in progress record to idempotency store', {
      cause: awsError('AccessDeniedException', 'not authorized to perform: dynamodb:PutItem', 400),
    });
    expect(isTransient(wrapped)).toBe(false);
  });

  test('causes are followed through several wrappers', () => {
    expect(isTransient(new Error('outer', { cause: new Error('middle', { cause: awsError('SomethingElse', 'x', 503) }) }))).toBe(true);
  });

  test('a cause chain deeper than the bound (or a cycle) is not followed forever', () => {
    const cyclic = new Error('a') as Error & { cause?: unknown };
    cyclic.cause = cyclic;
    expect(isTransient(cyclic)).toBe(false);
    let deep: unknown = awsError('ThrottlingException', 'x');
    for (let i = 0; i < 10; i++) deep = new Error(`wrap ${i}`, { cause: deep });
    expect(isTransient(deep)).toBe(false);
  });
});

describe('errorName / errorMessage', () => {
  test('name and message of an error; stand-ins for anything else', () => {
    expect(errorName(awsError('Throttling', 'Rate exceeded'))).toBe('Throttling');
    expect(errorName('boom')).toBe('Error');
    expect(errorName(undefined)).toBe('Error');
    expect(errorMessage(new Error('Rate exceeded'))).toBe('Rate exceeded');
    expect(errorMessage(42)).toBe('42');
  });
});
