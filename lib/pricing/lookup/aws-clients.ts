import { EC2Client } from '@aws-sdk/client-ec2';
import { PricingClient } from '@aws-sdk/client-pricing';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@aws-sdk/types';

/** How the lookups build their AWS clients. Everything unset comes from the standard SDK configuration. */
export interface AwsClientOptions {
  /**
   * Endpoint for both services, e.g. a local test server. Normally unset: the SDK then honours
   * `AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_PRICING` and `AWS_ENDPOINT_URL_EC2`.
   * @default - the SDK's endpoint resolution
   */
  readonly endpoint?: string;
  /**
   * Credentials to sign with.
   * @default - the SDK's default provider chain (env, profile, SSO, container, instance metadata)
   */
  readonly credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /**
   * Attempts per call, including the first; the SDK's standard retry mode backs off on throttling.
   * @default 4
   */
  readonly maxAttempts?: number;
  /**
   * Milliseconds a single HTTP request may stay silent before it is abandoned (and retried).
   * @default 10000
   */
  readonly requestTimeoutMs?: number;
}

/** The Price List API is served only from these regions. */
export const PRICING_API_REGIONS = ['us-east-1', 'eu-central-1', 'ap-south-1'] as const;

/**
 * The Price List endpoint closest to `region`: Europe, the Middle East and Africa go to eu-central-1, Asia-Pacific
 * to ap-south-1, everything else to us-east-1. Any of them returns prices for every region.
 * https://docs.aws.amazon.com/awsaccountbilling/latest/aboutv2/using-price-list-query-api.html
 */
export function pricingApiRegionFor(region: string): (typeof PRICING_API_REGIONS)[number] {
  if (/^(eu|me|af|il)-/.test(region)) return 'eu-central-1';
  if (/^ap-/.test(region)) return 'ap-south-1';
  return 'us-east-1';
}

function common(options: AwsClientOptions) {
  return {
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    maxAttempts: options.maxAttempts ?? 4,
    retryMode: 'standard',
    // Plain options instead of a NodeHttpHandler instance: the SDK builds its own handler from them.
    requestHandler: { requestTimeout: options.requestTimeoutMs ?? 10_000, connectionTimeout: 5_000 },
  };
}

/** Builds (once per region) and hands out the AWS clients the lookups use. */
export class AwsClients {
  private readonly pricing = new Map<string, PricingClient>();
  private readonly ec2 = new Map<string, EC2Client>();

  constructor(private readonly options: AwsClientOptions = {}) {}

  /** Price List client for the endpoint closest to `fleetRegion`. */
  pricingFor(fleetRegion: string): PricingClient {
    const region = pricingApiRegionFor(fleetRegion);
    let client = this.pricing.get(region);
    if (!client) {
      client = new PricingClient({ region, ...common(this.options) });
      this.pricing.set(region, client);
    }
    return client;
  }

  ec2For(region: string): EC2Client {
    let client = this.ec2.get(region);
    if (!client) {
      client = new EC2Client({ region, ...common(this.options) });
      this.ec2.set(region, client);
    }
    return client;
  }

  /**
   * Whether credentials resolve within `timeoutMs`. The default chain can end at instance metadata, which on a
   * laptop means waiting for a connection that never comes, so the wait is capped.
   */
  async credentialsResolve(timeoutMs: number): Promise<boolean> {
    const client = this.ec2For('us-east-1');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    try {
      return await Promise.race([
        client.config.credentials().then((c) => Boolean(c?.accessKeyId), () => false),
        timeout,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  destroy(): void {
    for (const c of [...this.pricing.values(), ...this.ec2.values()]) c.destroy();
  }
}
