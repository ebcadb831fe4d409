import {
  CERTIFICATE_ARN, IMAGE_DIGEST, IMAGE_TAG, IPV4_CIDR, KMS_KEY_ARN, PUBLIC_IMAGE_URI, isBucketName, isHealthyHttpCodes,
  isSafeKeyPrefix, parseEcrRepository, parseS3Uri, secretArnSource,
} from '../../lib/shared/serving-spec';

describe('serving inputs: one definition for config validation and the constructs', () => {
  test('ECR repositories by name or ARN', () => {
    expect(parseEcrRepository('ml-platform/vllm-openai')).toEqual({ name: 'ml-platform/vllm-openai' });
    expect(parseEcrRepository('vllm')).toEqual({ name: 'vllm' });
    expect(parseEcrRepository('arn:aws:ecr:us-east-1:123456789012:repository/ml-platform/vllm-openai'))
      .toEqual({ name: 'ml-platform/vllm-openai', region: 'us-east-1', account: '123456789012' });
    for (const bad of ['ML_Platform/VLLM', 'a', 'x'.repeat(257), 'ml-platform//vllm', '/vllm', 'vllm/', 'ml--platform', 'vllm:v1',
      'arn:aws:ecr:us-east-1:1234:repository/vllm', 'arn:aws:ecr:us-east-1:123456789012:repository/', 'arn:aws:s3:::bucket']) {
      expect({ bad, parsed: parseEcrRepository(bad) }).toEqual({ bad, parsed: undefined });
    }
    expect(parseEcrRepository('x'.repeat(256))).toEqual({ name: 'x'.repeat(256) });
  });

  test('tags, digests, public images', () => {
    expect(['v0.10.1', 'latest', '_x', 'a'.repeat(128)].every((t) => IMAGE_TAG.test(t))).toBe(true);
    expect(['', '.v1', '-v1', 'v 1', 'a'.repeat(129)].some((t) => IMAGE_TAG.test(t))).toBe(false);
    expect(IMAGE_DIGEST.test(`sha256:${'a'.repeat(64)}`)).toBe(true);
    expect([`sha256:${'A'.repeat(64)}`, `sha256:${'a'.repeat(63)}`, `sha512:${'a'.repeat(64)}`].some((d) => IMAGE_DIGEST.test(d))).toBe(false);
    expect(['docker.io/vllm/vllm-openai', 'public.ecr.aws/x/y', 'registry:5000/model'].every((u) => PUBLIC_IMAGE_URI.test(u))).toBe(true);
    expect(['vllm/vllm-openai:v1', 'Docker.io/x', 'vllm'].some((u) => PUBLIC_IMAGE_URI.test(u))).toBe(false);
  });

  test('S3 URIs: s3://<bucket>/<prefix>, prefix normalized, safe characters only', () => {
    expect(parseS3Uri('s3://ml-platform-models/llama-3.1/')).toEqual({ bucket: 'ml-platform-models', prefix: 'llama-3.1' });
    expect(parseS3Uri('s3://ml-platform-models/a/b')).toEqual({ bucket: 'ml-platform-models', prefix: 'a/b' });
    for (const bad of ['s3://ml-models', 's3://ml-models/', 's3://ml-models//', 'https://ml-models/x', 's3://ML/x', 's3://a..b/x', 's3://ab/x', 's3://192.168.1.1/x']) {
      expect({ bad, parsed: parseS3Uri(bad) }).toEqual({ bad, parsed: undefined });
    }
    expect(isSafeKeyPrefix('llama-3.1/awq')).toBe(true);
    expect(['llama/*', 'a//b', 'a/../b', 'a/./b', 'with space', ''].some(isSafeKeyPrefix)).toBe(false);
    expect(isBucketName('ml-platform-models')).toBe(true);
  });

  test('secret, key and certificate ARNs; CIDRs; health codes', () => {
    expect(secretArnSource('arn:aws:secretsmanager:us-east-1:123456789012:secret:ml/key-AbC123')).toBe('secretsmanager');
    expect(secretArnSource('arn:aws:secretsmanager:us-east-1:123456789012:secret:hf')).toBeUndefined();
    expect(secretArnSource('arn:aws:ssm:us-east-1:123456789012:parameter/ml/hf-token')).toBe('ssm');
    expect(secretArnSource('arn:aws:ssm:us-east-1:123456789012:document/x')).toBeUndefined();
    expect(KMS_KEY_ARN.test('arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555')).toBe(true);
    expect(KMS_KEY_ARN.test(`arn:aws:kms:us-east-1:123456789012:key/mrk-${'0'.repeat(32)}`)).toBe(true);
    expect(KMS_KEY_ARN.test('arn:aws:kms:us-east-1:123456789012:alias/aws/s3')).toBe(false);
    expect(CERTIFICATE_ARN.exec('arn:aws:acm:eu-west-1:123456789012:certificate/0c1d2e3f-1111')?.[1]).toBe('eu-west-1');
    expect(['10.0.0.0/8', '0.0.0.0/0', '192.168.1.0/24'].every((c) => IPV4_CIDR.test(c))).toBe(true);
    expect(['10.0.0.0', '10.0.0.0/33', '256.0.0.0/8'].some((c) => IPV4_CIDR.test(c))).toBe(false);
    expect(['200', '200-299', '200,202', '200-399,404'].every(isHealthyHttpCodes)).toBe(true);
    expect(['199', '500', '200-500', '2xx', ''].some(isHealthyHttpCodes)).toBe(false);
  });
});
