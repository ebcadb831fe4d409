import { Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { ServingConfigError } from './errors';
import {
  ALB_PATH_PATTERN, ALB_PATH_PATTERN_RULE, CERTIFICATE_ARN, HEALTH_CHECK_PATH, IPV4_CIDR, MAX_RULE_CONDITION_VALUES, MAX_RULE_WILDCARDS,
  isHealthyHttpCodes, pathWildcards,
} from '../shared/serving-spec';

/** Health check of the model server, as the load balancer runs it. */
export interface ServingHealthCheck {
  /** Path, starting with /. @default '/health' */
  readonly path?: string;
  /** HTTP codes of a healthy answer, e.g. '200' or '200-299' (codes 200-499). @default '200' */
  readonly healthyHttpCodes?: string;
  /** Between checks, 5-300 seconds and longer than `timeout`. @default Duration.seconds(15) */
  readonly interval?: Duration;
  /** Of one check, 2-120 seconds. @default Duration.seconds(5) */
  readonly timeout?: Duration;
  /** Consecutive successes before a host gets traffic, 2-10. @default 2 */
  readonly healthyThresholdCount?: number;
  /**
   * Consecutive failures before a host loses traffic, 2-10. 3 x 15 s tolerates a compile or GC pause of a model
   * server under load before the host is pulled.
   * @default 3
   */
  readonly unhealthyThresholdCount?: number;
}

export interface ServingEndpointProps {
  /** VPC of the fleet. */
  readonly vpc: ec2.IVpc;
  /**
   * Subnets of the load balancer, in at least two AZs.
   * @default - the private subnets with egress (internal), the public subnets (internet-facing)
   */
  readonly subnets?: ec2.SubnetSelection;
  /** Port the workload listens on, on every host (1-65535). */
  readonly port: number;
  /** Health check of the workload. @default - /health, 200, every 15 s, 5 s timeout, 2 healthy / 3 unhealthy */
  readonly healthCheck?: ServingHealthCheck;
  /** The fleet's drain timeout: the deregistration delay must not exceed it. */
  readonly drainTimeout: Duration;
  /** Internet-facing (HTTPS only, `certificate` required) instead of internal. @default false */
  readonly internetFacing?: boolean;
  /**
   * ACM certificate of the HTTPS listener (same region as the stack); HTTP then redirects to HTTPS.
   * @default - plain HTTP on port 80 (allowed for an internal endpoint only)
   */
  readonly certificate?: acm.ICertificate;
  /** TLS policy of the HTTPS listener. @default elbv2.SslPolicy.TLS13_12_RES_PQ - AWS's recommended policy */
  readonly sslPolicy?: elbv2.SslPolicy;
  /**
   * IPv4 CIDRs that may reach the listener(s).
   * @default - the VPC CIDR (internal), 0.0.0.0/0 (internet-facing)
   */
  readonly allowedCidrs?: readonly string[];
  /**
   * Slow start: a new host's share of requests ramps up over this time (0 or 30-900 seconds). Round robin only.
   * @default Duration.seconds(120) with round robin, 0 otherwise
   */
  readonly slowStart?: Duration;
  /**
   * How long the load balancer lets in-flight requests of a deregistered host finish, 0-3600 seconds and at most
   * `drainTimeout`.
   * @default - 120 seconds, or `drainTimeout` when shorter
   */
  readonly deregistrationDelay?: Duration;
  /**
   * ALB path patterns (case-sensitive, e.g. `/v1/*`) forwarded to the hosts, 1-5 with at most 5 wildcards (`*`, `?`) in
   * all (one listener rule's limits). Every other path gets a fixed 403, e.g. vLLM's `/invocations` and `/tokenize`,
   * which its `--api-key` does not guard (it guards `/v1/*` only). The health check is unaffected: the target group
   * runs it against the hosts directly, not through the listener.
   * @default - every path is forwarded (only `BLOCKED_PATHS` answer 403)
   */
  readonly allowedPaths?: readonly string[];
  /** Routing algorithm. @default elbv2.TargetGroupLoadBalancingAlgorithmType.ROUND_ROBIN */
  readonly routing?: elbv2.TargetGroupLoadBalancingAlgorithmType;
  /**
   * Idle timeout of client connections, 1-4000 seconds; non-streaming completions can exceed the ALB's 60 s default.
   * @default Duration.seconds(300)
   */
  readonly idleTimeout?: Duration;
  /** How long access logs are kept, 1-3650 whole days. @default Duration.days(90) */
  readonly accessLogRetention?: Duration;
  /** Deletion protection of the load balancer. @default false */
  readonly deletionProtection?: boolean;
}

/** CloudWatch metrics of the endpoint, one-minute periods unless `props` say otherwise. */
export interface ServingEndpointMetrics {
  /** Requests routed to the hosts (target group `RequestCount`, Sum). */
  requests(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** Target response time at a percentile, e.g. 'p90' (target group `TargetResponseTime`, seconds). */
  latency(percentile: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** 5xx answers of the hosts (Sum). */
  target5xx(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** 5xx answers of the load balancer itself, e.g. 502/503 when no host is healthy (Sum). */
  elb5xx(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** Healthy hosts (Minimum). */
  healthyHosts(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** Unhealthy hosts (Maximum). */
  unhealthyHosts(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
}

const ANYWHERE = '0.0.0.0/0';
/** Paths the load balancer answers 403 to: the model server's metrics, which its API key does not protect. */
export const BLOCKED_PATHS = ['/metrics', '/metrics/*'] as const;

/**
 * Whether ALB path pattern `pattern` may match a `BLOCKED_PATHS` path (`/metrics`, `/metrics/...`). Conservative: every
 * path it matches starts with its literal prefix (before the first wildcard), so when that prefix and `/metrics` are not
 * prefixes one of the other, no match is possible; otherwise we assume one.
 */
export function mayMatchBlockedPath(pattern: string): boolean {
  const wildcard = pattern.search(/[*?]/);
  if (wildcard === -1) return pattern === '/metrics' || pattern.startsWith('/metrics/');
  const prefix = pattern.slice(0, wildcard);
  return '/metrics'.startsWith(prefix) || prefix.startsWith('/metrics');
}

function checkAllowedPaths(paths: string[], problems: string[]): void {
  const shown = JSON.stringify(paths);
  if (paths.length === 0) problems.push('allowedPaths ([]) must list at least one path pattern: every request would be refused');
  if (paths.length > MAX_RULE_CONDITION_VALUES) {
    problems.push(`allowedPaths (${shown}) must list at most ${MAX_RULE_CONDITION_VALUES} path patterns: one listener rule's condition limit (ALB quota)`);
  }
  for (const p of paths) {
    if (!Token.isUnresolved(p) && !ALB_PATH_PATTERN.test(p)) problems.push(`allowedPaths (${JSON.stringify(p)}) ${ALB_PATH_PATTERN_RULE}`);
  }
  const repeated = [...new Set(paths.filter((v, i) => paths.indexOf(v) !== i))];
  if (repeated.length) problems.push(`allowedPaths (${shown}) lists ${repeated.map((r) => JSON.stringify(r)).join(', ')} more than once: each pattern once`);
  const wildcards = pathWildcards(paths.filter((p) => !Token.isUnresolved(p)));
  if (wildcards > MAX_RULE_WILDCARDS) {
    problems.push(`allowedPaths (${shown}) has ${wildcards} wildcards (* and ?): one listener rule takes at most ${MAX_RULE_WILDCARDS} (ALB quota)`);
  }
}

/**
 * The front door of the serving fleet: an Application Load Balancer (internal by default; internet-facing only with
 * HTTPS) with access logs in an encrypted, TLS-only bucket, a security group open to the allowed CIDRs on the
 * listener ports only, and a target group with the workload's health check, slow start and a deregistration delay
 * within the drain timeout. Groups registered with the target group (GpuFleet/OnDemandFallback `targetGroups`, or
 * `registerGroup`) get ingress from the load balancer on the workload port, and nothing else.
 */
export class ServingEndpoint extends Construct {
  public readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  /** The listener that forwards to the hosts: HTTPS :443 with a certificate, else HTTP :80. */
  public readonly listener: elbv2.ApplicationListener;
  /** HTTP :80 listener that redirects to HTTPS; only with a certificate. */
  public readonly redirectListener?: elbv2.ApplicationListener;
  public readonly targetGroup: elbv2.ApplicationTargetGroup;
  /**
   * Priority 1 on `listener`: a fixed 403 for `BLOCKED_PATHS` (the model server's metrics). Absent when `allowedPaths`
   * is set and none of its patterns can match a `BLOCKED_PATHS` path (the default 403 covers them then).
   */
  public readonly metricsBlockRule?: elbv2.ApplicationListenerRule;
  /** With `allowedPaths`: the rule on `listener` forwarding them to `targetGroup` (the default action is a 403). */
  public readonly allowedPathsRule?: elbv2.ApplicationListenerRule;
  public readonly accessLogBucket: s3.Bucket;
  /** Security group of the load balancer. */
  public readonly securityGroup: ec2.SecurityGroup;
  /** DNS name of the load balancer, for a stack output. */
  public readonly dnsName: string;
  /**
   * `http(s)://<load balancer DNS name>`. With HTTPS, clients must use a name the certificate covers (a DNS alias of
   * the load balancer), not this one.
   */
  public readonly url: string;
  /** The deregistration delay in effect (at most the drain timeout). */
  public readonly deregistrationDelay: Duration;
  /** The target group's routing algorithm (ServingScaling checks it against throughput tracking). */
  public readonly routing: elbv2.TargetGroupLoadBalancingAlgorithmType;
  /** The slow start in effect (0 without it). */
  public readonly slowStart: Duration;
  /** The health check in effect, defaults filled in (for the fleet's warm-up and grace: `servingTimings`). */
  public readonly healthCheck: Required<ServingHealthCheck>;
  public readonly metrics: ServingEndpointMetrics;

  private readonly registered = new Set<autoscaling.AutoScalingGroup>();

  constructor(scope: Construct, id: string, props: ServingEndpointProps) {
    super(scope, id);
    const problems: string[] = [];
    const internetFacing = props.internetFacing ?? false;
    const routing = props.routing ?? elbv2.TargetGroupLoadBalancingAlgorithmType.ROUND_ROBIN;
    const roundRobin = routing === elbv2.TargetGroupLoadBalancingAlgorithmType.ROUND_ROBIN;
    const slowStart = props.slowStart ?? Duration.seconds(roundRobin ? 120 : 0);
    this.routing = routing;
    this.slowStart = slowStart;
    const drainSeconds = props.drainTimeout.toSeconds();
    this.deregistrationDelay = props.deregistrationDelay ?? Duration.seconds(Math.min(120, drainSeconds));
    const idleTimeout = props.idleTimeout ?? Duration.seconds(300);
    const retentionDays = (props.accessLogRetention ?? Duration.days(90)).toDays({ integral: false });
    const hc = {
      path: props.healthCheck?.path ?? '/health',
      healthyHttpCodes: props.healthCheck?.healthyHttpCodes ?? '200',
      interval: props.healthCheck?.interval ?? Duration.seconds(15),
      timeout: props.healthCheck?.timeout ?? Duration.seconds(5),
      healthyThresholdCount: props.healthCheck?.healthyThresholdCount ?? 2,
      unhealthyThresholdCount: props.healthCheck?.unhealthyThresholdCount ?? 3,
    };
    this.healthCheck = hc;

    if (internetFacing && !props.certificate) {
      problems.push('certificate (missing) is required when internetFacing is true: an internet-facing endpoint serves HTTPS only');
    }
    if (props.certificate) this.checkCertificate(props.certificate.certificateArn, problems);
    const int = (name: string, v: number, min: number, max: number, why: string) => {
      if (!Token.isUnresolved(v) && (!Number.isInteger(v) || v < min || v > max)) problems.push(`${name} (${v}) must be a whole number from ${min} to ${max}: ${why}`);
    };
    int('port', props.port, 1, 65535, 'a TCP port');
    if (!HEALTH_CHECK_PATH.test(hc.path)) problems.push(`healthCheck.path (${JSON.stringify(hc.path)}) must start with / (e.g. /health) and hold at most 1024 URL path characters`);
    if (!isHealthyHttpCodes(hc.healthyHttpCodes)) {
      problems.push(`healthCheck.healthyHttpCodes (${JSON.stringify(hc.healthyHttpCodes)}) must be codes 200-499 as "200", "200-299" or "200,202"`);
    }
    const interval = hc.interval.toSeconds();
    const timeout = hc.timeout.toSeconds();
    int('healthCheck.interval', interval, 5, 300, 'seconds between checks (ALB range)');
    int('healthCheck.timeout', timeout, 2, 120, 'seconds of one check (ALB range)');
    if (interval <= timeout) problems.push(`healthCheck.interval (${interval}s) must be longer than healthCheck.timeout (${timeout}s)`);
    int('healthCheck.healthyThresholdCount', hc.healthyThresholdCount, 2, 10, 'ALB range');
    int('healthCheck.unhealthyThresholdCount', hc.unhealthyThresholdCount, 2, 10, 'ALB range');
    const slow = slowStart.toSeconds();
    if (slow !== 0 && (slow < 30 || slow > 900)) problems.push(`slowStart (${slow}s) must be 0 or from 30s to 900s (ALB range)`);
    if (slow !== 0 && !roundRobin) {
      problems.push(`slowStart (${slow}s) must be 0 when routing is ${routing}: ALB has slow start with round robin only`);
    }
    const dereg = this.deregistrationDelay.toSeconds();
    int('deregistrationDelay', dereg, 0, 3600, 'seconds (ALB range)');
    if (dereg > drainSeconds) {
      problems.push(`deregistrationDelay (${dereg}s) must be <= drainTimeout (${drainSeconds}s): the drain must last as long as the load balancer lets in-flight requests finish`);
    }
    int('idleTimeout', idleTimeout.toSeconds(), 1, 4000, 'seconds (ALB range)');
    int('accessLogRetention', retentionDays, 1, 3650, 'whole days of access logs');
    const allowedPaths = props.allowedPaths === undefined ? undefined : [...props.allowedPaths];
    if (allowedPaths) checkAllowedPaths(allowedPaths, problems);
    const cidrs = this.allowedCidrs(props, internetFacing, problems);
    const subnets = this.subnets(props, internetFacing, problems);
    if (problems.length) throw new ServingConfigError(`ServingEndpoint ${this.node.path}`, problems);

    // --- Access logs: SSE-S3 is the only encryption ALB log delivery supports --------------------------------
    // https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html#access-log-create-bucket
    this.accessLogBucket = new s3.Bucket(this, 'AccessLogBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ id: 'ExpireAccessLogs', expiration: Duration.days(retentionDays), abortIncompleteMultipartUploadAfter: Duration.days(1) }],
      // Logs outlive the stack; no autoDeleteObjects (it would add a Lambda function).
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.accessLogBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'this is the load balancer access-log bucket; logging its own access to another bucket would add a bucket of logs about logs',
    });

    // --- Load balancer ------------------------------------------------------------------------------------
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: `Serving endpoint load balancer: ${props.certificate ? 'HTTPS 443 (HTTP 80 redirects)' : 'HTTP 80'} from the allowed CIDRs; out only to the hosts on the workload port`,
      allowAllOutbound: false,
    });
    const ports = props.certificate ? [443, 80] : [80];
    for (const cidr of cidrs) {
      const who = !Token.isUnresolved(cidr) ? cidr : props.allowedCidrs ? '(an allowed CIDR)' : '(the VPC CIDR)';
      for (const port of ports) this.securityGroup.addIngressRule(ec2.Peer.ipv4(cidr), ec2.Port.tcp(port), `Clients ${who} on ${port}`);
    }
    if (cidrs.includes(ANYWHERE)) {
      Validations.of(this.securityGroup).acknowledge({
        id: 'AwsSolutions-EC23',
        reason: internetFacing
          ? 'internet-facing endpoint by configuration: HTTPS only (HTTP answers with a redirect), current TLS policy'
          : 'allowedCidrs names 0.0.0.0/0 on an internal load balancer: only networks routed into the VPC reach it',
      });
    }
    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc: props.vpc,
      vpcSubnets: subnets,
      internetFacing,
      securityGroup: this.securityGroup,
      dropInvalidHeaderFields: true,
      idleTimeout,
      deletionProtection: props.deletionProtection ?? false,
    });
    this.loadBalancer.logAccessLogs(this.accessLogBucket, 'alb');

    this.targetGroup = new elbv2.ApplicationTargetGroup(this, 'TargetGroup', {
      vpc: props.vpc,
      targetType: elbv2.TargetType.INSTANCE,
      protocol: elbv2.ApplicationProtocol.HTTP,
      port: props.port,
      healthCheck: {
        path: hc.path,
        healthyHttpCodes: hc.healthyHttpCodes,
        interval: hc.interval,
        timeout: hc.timeout,
        healthyThresholdCount: hc.healthyThresholdCount,
        unhealthyThresholdCount: hc.unhealthyThresholdCount,
        port: 'traffic-port',
        protocol: elbv2.Protocol.HTTP,
      },
      slowStart: slow === 0 ? undefined : slowStart,
      deregistrationDelay: this.deregistrationDelay,
      loadBalancingAlgorithmType: routing,
    });

    // Added here, not later: scaling on request count needs the target group attached to its load balancer.
    // With a certificate, HTTP :80 redirects to HTTPS also on an internal endpoint: a client trying http:// gets
    // the right URL instead of a refused connection.
    // With allowedPaths the listener refuses by default and one rule forwards the allowed patterns. The health check
    // is unaffected: the target group sends it to the hosts directly, not through a listener.
    const forbidden = elbv2.ListenerAction.fixedResponse(403, { contentType: 'text/plain', messageBody: 'Forbidden' });
    const defaultAction = allowedPaths ? { defaultAction: forbidden } : { defaultTargetGroups: [this.targetGroup] };
    if (props.certificate) {
      this.listener = this.loadBalancer.addListener('Listener', {
        port: 443,
        protocol: elbv2.ApplicationProtocol.HTTPS,
        certificates: [elbv2.ListenerCertificate.fromCertificateManager(props.certificate)],
        // Explicit: CloudFormation's default is ELBSecurityPolicy-2016-08 unless the app sets a CDK feature flag.
        sslPolicy: props.sslPolicy ?? elbv2.SslPolicy.TLS13_12_RES_PQ,
        open: false,
        ...defaultAction,
      });
      this.redirectListener = this.loadBalancer.addListener('HttpRedirect', {
        port: 80,
        protocol: elbv2.ApplicationProtocol.HTTP,
        open: false,
        defaultAction: elbv2.ListenerAction.redirect({ protocol: 'HTTPS', port: '443', permanent: true }),
      });
      // Adding a certificate to a deployed HTTP endpoint moves `Listener` from 80 to 443 in place: the redirect may
      // take port 80 only after that update, or CloudFormation's parallel create fails with a duplicate listener.
      this.redirectListener.node.addDependency(this.listener);
    } else {
      this.listener = this.loadBalancer.addListener('Listener', {
        port: 80,
        protocol: elbv2.ApplicationProtocol.HTTP,
        open: false,
        ...defaultAction,
      });
    }
    // vLLM's --api-key guards /v1/* only: its Prometheus /metrics would be readable by every allowed client. Blocked
    // at the forwarding listener (the redirect listener only sends clients here); the hosts' own drain script reads
    // metrics on 127.0.0.1, not through the load balancer. Path patterns are case-sensitive, as vLLM's routes are.
    // https://docs.aws.amazon.com/elasticloadbalancing/latest/application/rule-condition-types.html#path-conditions
    // With allowedPaths, the block stays (before the forward rule) only while an allowed pattern could match a metrics
    // path; otherwise the default 403 already answers them and the request skips one rule evaluation.
    const blockMetrics = !allowedPaths || allowedPaths.some(mayMatchBlockedPath);
    if (blockMetrics) {
      this.metricsBlockRule = new elbv2.ApplicationListenerRule(this, 'BlockMetrics', {
        listener: this.listener,
        priority: 1,
        conditions: [elbv2.ListenerCondition.pathPatterns([...BLOCKED_PATHS])],
        action: forbidden,
      });
    }
    if (allowedPaths) {
      // A forward action registers the listener with the target group: request-count scaling still finds its load balancer.
      this.allowedPathsRule = new elbv2.ApplicationListenerRule(this, 'ForwardAllowedPaths', {
        listener: this.listener,
        priority: blockMetrics ? 2 : 1,
        conditions: [elbv2.ListenerCondition.pathPatterns(allowedPaths)],
        action: elbv2.ListenerAction.forward([this.targetGroup]),
      });
    }
    this.dnsName = this.loadBalancer.loadBalancerDnsName;
    this.url = `${props.certificate ? 'https' : 'http'}://${this.dnsName}`;
    this.metrics = this.buildMetrics();
  }

  /**
   * Registers `group`'s hosts with the target group (ELB health checks are the group's own choice) and lets the load
   * balancer reach them on the workload port. For groups not given the target group already (GpuFleet and
   * OnDemandFallback register through their `targetGroups` prop). Idempotent per group.
   */
  registerGroup(group: autoscaling.AutoScalingGroup): void {
    if (this.registered.has(group)) return;
    this.registered.add(group);
    group.attachToApplicationTargetGroup(this.targetGroup);
  }

  private checkCertificate(arn: string, problems: string[]): void {
    if (Token.isUnresolved(arn)) return;
    const m = CERTIFICATE_ARN.exec(arn);
    const region = Stack.of(this).region;
    if (!m) {
      problems.push(`certificate (${arn}) must be an ACM certificate ARN, arn:aws:acm:<region>:<account>:certificate/<id>`);
    } else if (!Token.isUnresolved(region) && m[1] !== region) {
      problems.push(`certificate (${arn}) must be in the stack's region (${region}): a load balancer uses certificates of its own region`);
    }
  }

  private allowedCidrs(props: ServingEndpointProps, internetFacing: boolean, problems: string[]): string[] {
    if (props.allowedCidrs) {
      if (props.allowedCidrs.length === 0) problems.push('allowedCidrs ([]) must list at least one CIDR: nobody could reach the endpoint');
      for (const c of props.allowedCidrs) {
        if (!Token.isUnresolved(c) && !IPV4_CIDR.test(c)) problems.push(`allowedCidrs (${JSON.stringify(c)}) must be an IPv4 CIDR like 10.0.0.0/8`);
      }
      return [...props.allowedCidrs];
    }
    if (internetFacing) return [ANYWHERE];
    try {
      // A VPC created in this app has its CIDR as a literal on the CfnVPC: a literal rule reads better in reviews and
      // lets cdk-nag judge it (its EC23 rule cannot resolve the Fn::GetAtt).
      const cfnVpc = props.vpc.node.defaultChild;
      const literal = cfnVpc instanceof ec2.CfnVPC ? cfnVpc.cidrBlock : undefined;
      return [literal !== undefined && !Token.isUnresolved(literal) ? literal : props.vpc.vpcCidrBlock];
    } catch {
      problems.push('allowedCidrs (missing) is required for this VPC: it was imported without vpcCidrBlock, so the default (the VPC CIDR) is unknown');
      return [];
    }
  }

  private subnets(props: ServingEndpointProps, internetFacing: boolean, problems: string[]): ec2.SubnetSelection {
    const wanted = props.subnets ?? { subnetType: internetFacing ? ec2.SubnetType.PUBLIC : ec2.SubnetType.PRIVATE_WITH_EGRESS };
    try {
      const selected = props.vpc.selectSubnets(wanted);
      const azs = new Set(selected.availabilityZones);
      if (!selected.availabilityZones.some((az) => Token.isUnresolved(az)) && azs.size < 2) {
        problems.push(`subnets (${selected.subnetIds.length} subnet(s) in ${[...azs].join(', ') || 'no AZ'}) must span at least 2 AZs: an Application Load Balancer needs subnets in two`);
      }
      return { subnets: selected.subnets };
    } catch (e) {
      problems.push(`subnets (${props.subnets ? 'given' : internetFacing ? 'default: public' : 'default: private with egress'}) cannot be selected in the VPC: ${(e as Error).message}`);
      return wanted;
    }
  }

  private buildMetrics(): ServingEndpointMetrics {
    const tg = this.targetGroup.metrics;
    const lb = this.loadBalancer.metrics;
    const minute = (props?: cloudwatch.MetricOptions): cloudwatch.MetricOptions => ({ period: Duration.minutes(1), ...props });
    return {
      requests: (p) => tg.requestCount(minute({ statistic: cloudwatch.Stats.SUM, ...p })),
      latency: (percentile, p) => tg.targetResponseTime(minute({ statistic: percentile, ...p })),
      target5xx: (p) => tg.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, minute({ statistic: cloudwatch.Stats.SUM, ...p })),
      elb5xx: (p) => lb.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, minute({ statistic: cloudwatch.Stats.SUM, ...p })),
      healthyHosts: (p) => tg.healthyHostCount(minute({ statistic: cloudwatch.Stats.MINIMUM, ...p })),
      unhealthyHosts: (p) => tg.unhealthyHostCount(minute({ statistic: cloudwatch.Stats.MAXIMUM, ...p })),
    };
  }
}
