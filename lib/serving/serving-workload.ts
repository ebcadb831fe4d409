import { Annotations, Duration, Stack, Token } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { ServingConfigError } from './errors';
import { HostSecretGrant, ServingModel, acknowledgeHostPolicy, acknowledgeReadiness, hostStatements, readinessStatement } from './host-policy';
import { HostFile, HostScriptSpec, HostSecretSpec, hostScriptProblems, renderServingHost } from './host-script';
import { encryptedLogGroup } from '../shared/encryption';
import { HostParameterReadGuard } from '../shared/host-parameter-reads';
import { SERVING_READY_HOOK_NAME } from '../shared/serving';
import { IMAGE_DIGEST, IMAGE_TAG, PUBLIC_IMAGE_URI, SECRET_LOOKING_NAME, isSafeKeyPrefix, normalizeKeyPrefix } from '../shared/serving-spec';
import { WARNING_IDS } from '../shared/warning-ids';

// One definition of the model artifact: the host policy grants exactly what the workload syncs.
export type { ServingModel } from './host-policy';

/** The container image: from an ECR repository (the hosts may pull from it only) or a public registry. */
export interface ServingImage {
  /**
   * ECR repository of the image. Exactly one of `repository` and `uri`. A repository in another account also needs
   * a repository policy that lets the host role pull.
   * @default - none
   */
  readonly repository?: ecr.IRepository;
  /**
   * Image outside ECR, `registry/path` without tag or digest (e.g. `docker.io/vllm/vllm-openai`), pulled without
   * credentials: over NAT on every launch, subject to the registry's rate limits.
   * @default - none
   */
  readonly uri?: string;
  /**
   * Image tag. Exactly one of `tag` and `digest`. A tag is mutable: pushing it again changes no template, so no
   * rollout happens and new hosts silently get the new image (warning `gpu-fleet:mutableImageTag`).
   * @default - none
   */
  readonly tag?: string;
  /** Image digest, `sha256:<64 hex>`: a new digest changes the user data, so the hosts are replaced. @default - none */
  readonly digest?: string;
}

/** A secret the container gets as an environment variable. Exactly one of `secret` and `parameter`. */
export interface ServingSecret {
  /**
   * A Secrets Manager secret with a known full ARN (created in CDK, or imported with `Secret.fromSecretCompleteArn`),
   * so the host's permission names it exactly. Its string value is used.
   * @default - none
   */
  readonly secret?: secretsmanager.ISecret;
  /** An SSM parameter (String or SecureString). @default - none */
  readonly parameter?: ssm.IParameter;
  /**
   * Customer-managed key the value is encrypted with; the host may decrypt with it through that service only.
   * @default - the secret's own `encryptionKey`, else none (AWS managed keys need no grant)
   */
  readonly key?: kms.IKey;
}

export interface ServingWorkloadProps {
  /** The container image. */
  readonly image: ServingImage;
  /** Port the server listens on, in the container and on the host, 1-65535. @default 8000 */
  readonly port?: number;
  /** Health check path of the server (readiness polls it locally; the load balancer should use the same). @default '/health' */
  readonly healthCheckPath?: string;
  /** Arguments after the image (the container's command). @default - the image's own command */
  readonly command?: readonly string[];
  /** Non-secret environment variables (one line each). @default - none */
  readonly environment?: Readonly<Record<string, string>>;
  /** Secrets by environment variable name, fetched by the host at each start, never in user data. @default - none */
  readonly secrets?: Readonly<Record<string, ServingSecret>>;
  /** Extra `docker run` arguments, `--flag=value` from the allow-list in lib/shared/docker-args.ts (e.g. `--ipc=host`). @default - none */
  readonly dockerArgs?: readonly string[];
  /** Model artifact synced to local disk before the container starts. @default - none */
  readonly model?: ServingModel;
  /**
   * How long a host may take from boot to a healthy server (image pull and model sync included), 60-6900 seconds:
   * the unit's start timeout, and the readiness hook's heartbeat (plus 5 minutes).
   */
  readonly startupTimeout: Duration;
  /**
   * The fleet's drain timeout (the interruption handler's): the unit's stop timeout and the drain script's budget,
   * 30-3600 seconds.
   */
  readonly drainTimeout: Duration;
  /**
   * Longest wait of the drain script for in-flight requests (vLLM metrics) before it stops the server.
   * @default - half the drain timeout
   */
  readonly drainIdleWait?: Duration;
  /**
   * Hosts complete a launch lifecycle hook (`SERVING_READY_HOOK_NAME`) once healthy, so InService means serving.
   * The hook itself is added by `attachTo`.
   * @default true
   */
  readonly readiness?: boolean;
  /** Free text in the host settings: change it to replace the hosts when only a secret's value changed. @default - none */
  readonly revision?: string;
  /** Retention of the container's log group. @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** Key of the container's log group. @default - the stack's log key (lib/shared/encryption.ts) */
  readonly logEncryptionKey?: kms.IKey;
}

/** EC2 accepts at most 16 KB of user data; the GPU metrics agent's part takes about 1.2 KB of it. */
const USER_DATA_BUDGET_BYTES = 14 * 1024;
/** What a CDK token in the commands may resolve to, at most, for the size estimate. */
const TOKEN_ESTIMATE_BYTES = 160;

/**
 * The model server on every GPU host: a systemd unit running the container with all GPUs (ECR image, secrets fetched
 * at start, model synced from S3, logs to CloudWatch, graceful stop within the drain timeout, readiness hook). Two
 * phases, because the launch template needs the user data before the groups exist:
 * 1. construct it, pass `userDataCommands` to `GpuFleet.userDataCommands`;
 * 2. `attachTo(fleet.role, [fleet.autoScalingGroup, fallback.fallbackGroup])`: the host permissions and the
 *    readiness hook on each group.
 */
export class ServingWorkload extends Construct {
  /** User data lines for `GpuFleet.userDataCommands`. */
  public readonly userDataCommands: string[];
  /** Every file the user data writes on the host, by path. */
  public readonly hostFiles: Readonly<Record<string, HostFile>>;
  /** What the host script was rendered from. */
  public readonly hostScript: HostScriptSpec;
  /** The container's log group (one stream per instance). */
  public readonly logGroup: logs.LogGroup;
  public readonly port: number;
  public readonly healthCheckPath: string;
  /** Heartbeat of the readiness hook: the startup timeout plus 5 minutes (at most 2 hours, the hook maximum). */
  public readonly readinessTimeout: Duration;
  /** Host permissions (image, model, secrets, logs); set by `attachTo`. */
  public hostPolicy?: iam.Policy;
  /** Readiness hooks, one per group; set by `attachTo` (empty with `readiness: false`). */
  public readonly readinessHooks: autoscaling.LifecycleHook[] = [];

  private readonly props: ServingWorkloadProps;
  private readonly secretGrants: HostSecretGrant[];

  constructor(scope: Construct, id: string, props: ServingWorkloadProps) {
    super(scope, id);
    this.props = props;
    this.port = props.port ?? 8000;
    this.healthCheckPath = props.healthCheckPath ?? '/health';
    const problems: string[] = [];
    const image = this.imageRef(props.image, problems);
    // The rendered image reference is judged again below; once is enough when its parts are already wrong.
    const imageInvalid = problems.length > 0;
    const secretNames = Object.keys(props.secrets ?? {});
    this.secretGrants = this.secrets(props.secrets ?? {}, problems);
    const prefix = props.model ? this.modelPrefix(props.model.prefix, problems) : undefined;
    const startupSeconds = props.startupTimeout.toSeconds();
    this.readinessTimeout = Duration.seconds(Math.min(7200, startupSeconds + 300));
    this.logGroup = encryptedLogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      encryptionKey: props.logEncryptionKey,
    });
    this.hostScript = {
      image,
      ecrLogin: props.image.repository !== undefined,
      region: Stack.of(this).region,
      port: this.port,
      healthCheckPath: this.healthCheckPath,
      command: props.command,
      environment: props.environment,
      // Secrets without an ARN are already a problem above.
      secrets: this.secretGrants.flatMap((g, i): HostSecretSpec[] => (g.arn ? [{ name: secretNames[i], source: g.source, arn: g.arn }] : [])),
      dockerArgs: props.dockerArgs,
      modelS3Uri: props.model && prefix ? `s3://${props.model.bucket.bucketName}/${prefix}/` : undefined,
      logGroupName: this.logGroup.logGroupName,
      startupSeconds,
      drainSeconds: props.drainTimeout.toSeconds(),
      idleWaitSeconds: props.drainIdleWait?.toSeconds(),
      readinessHookName: props.readiness === false ? undefined : SERVING_READY_HOOK_NAME,
      revision: props.revision,
    };
    problems.push(...hostScriptProblems(this.hostScript, workloadLabel).filter((p) => !(imageInvalid && p.startsWith('image ('))));
    if (problems.length) throw new ServingConfigError(`ServingWorkload ${this.node.path}`, problems);

    const rendered = renderServingHost(this.hostScript);
    this.userDataCommands = rendered.commands;
    this.hostFiles = rendered.files;
    const bytes = estimatedBytes(this.userDataCommands);
    if (bytes > USER_DATA_BUDGET_BYTES) {
      throw new ServingConfigError(`ServingWorkload ${this.node.path}`, [
        `user data (about ${bytes} bytes) must stay within ${USER_DATA_BUDGET_BYTES} bytes: EC2 accepts 16 KB of user data in all, the GPU metrics agent takes the rest; shorten environment, command or secrets`,
      ]);
    }
    this.warnAboutRiskyChoices(props);
  }

  /**
   * Grants `role` what the hosts' start needs and adds the readiness hook to each group (main and fallback: they
   * share the role). The groups wait for the host policy, so the first hosts can pull. The role must also allow
   * `ec2:DescribeTags` (the readiness script finds its group by tag), as GpuFleet's role does. When `role` has a
   * HostParameterReadGuard (GpuFleet's has), the secret parameters are registered with it, so its deny spares them.
   * Call once.
   */
  attachTo(role: iam.IRole, groups: readonly autoscaling.AutoScalingGroup[]): void {
    if (this.hostPolicy) throw new ServingConfigError(`ServingWorkload ${this.node.path}`, ['attachTo (called twice) must be called once, with every group']);
    const inputs = {
      repository: this.props.image.repository,
      model: this.props.model ? { ...this.props.model, prefix: normalizeKeyPrefix(this.props.model.prefix) } : undefined,
      secrets: this.secretGrants,
      logGroup: this.logGroup,
    };
    this.hostPolicy = new iam.Policy(this, 'HostPolicy', { statements: hostStatements(this, inputs) });
    role.attachInlinePolicy(this.hostPolicy);
    // GpuFleet's role denies every parameter read it was not told of: the secret parameters are the host's own reads.
    const guard = HostParameterReadGuard.of(role);
    guard?.allowRead(...this.secretGrants.filter((g) => g.source === 'ssm' && g.arn).map((g) => g.arn));
    acknowledgeHostPolicy(this.hostPolicy, inputs);
    // The groups (the fallback shares the role) start no host before it can pull, nor before its parameter reads are cut.
    for (const group of groups) group.node.addDependency(this.hostPolicy, ...(guard ? [guard] : []));
    if (this.props.readiness === false || groups.length === 0) return;

    // Its own policy: it names the groups, so the groups cannot wait for it (they wait for the host policy).
    const readyPolicy = new iam.Policy(this, 'ReadinessPolicy', { statements: [readinessStatement(this, groups)] });
    role.attachInlinePolicy(readyPolicy);
    acknowledgeReadiness(readyPolicy, groups);
    for (const group of groups) {
      const hook = group.addLifecycleHook('ServingReady', {
        lifecycleHookName: SERVING_READY_HOOK_NAME,
        lifecycleTransition: autoscaling.LifecycleTransition.INSTANCE_LAUNCHING,
        heartbeatTimeout: this.readinessTimeout,
        // A host that never reports healthy is terminated and replaced.
        defaultResult: autoscaling.DefaultResult.ABANDON,
      });
      // A host launched once the hook exists can complete it.
      hook.node.addDependency(readyPolicy);
      this.readinessHooks.push(hook);
    }
  }

  private imageRef(image: ServingImage, problems: string[]): string {
    if ((image.repository === undefined) === (image.uri === undefined)) {
      problems.push(`image (${image.repository ? 'repository and uri' : 'neither repository nor uri'}) must name exactly one of repository (ECR) and uri (another registry)`);
    }
    if ((image.tag === undefined) === (image.digest === undefined)) {
      problems.push(`image (${image.tag !== undefined ? `tag ${JSON.stringify(image.tag)} and digest ${JSON.stringify(image.digest)}` : 'no tag, no digest'}) must name a tag or a digest, not both, e.g. tag "v0.10.1" or digest "sha256:<64 hex>"`);
    }
    if (image.tag !== undefined && !Token.isUnresolved(image.tag) && !IMAGE_TAG.test(image.tag)) {
      problems.push(`image.tag (${JSON.stringify(image.tag)}) must be 1-128 letters, digits, _ . - (not starting with . or -)`);
    }
    if (image.digest !== undefined && !Token.isUnresolved(image.digest) && !IMAGE_DIGEST.test(image.digest)) {
      problems.push(`image.digest (${JSON.stringify(image.digest)}) must be sha256:<64 lowercase hex>`);
    }
    if (image.uri !== undefined && !Token.isUnresolved(image.uri) && !PUBLIC_IMAGE_URI.test(image.uri)) {
      problems.push(`image.uri (${JSON.stringify(image.uri)}) must be <registry>/<path> in lowercase, without tag or digest (give those in tag or digest)`);
    }
    const ref = image.digest !== undefined ? `@${image.digest}` : `:${image.tag ?? ''}`;
    if (image.repository) return image.digest !== undefined ? image.repository.repositoryUriForDigest(image.digest) : image.repository.repositoryUriForTag(image.tag);
    return `${image.uri ?? ''}${ref}`;
  }

  private secrets(secrets: Readonly<Record<string, ServingSecret>>, problems: string[]): HostSecretGrant[] {
    return Object.entries(secrets).map(([name, s]) => {
      if ((s.secret === undefined) === (s.parameter === undefined)) {
        problems.push(`secrets.${name} (${s.secret ? 'secret and parameter' : 'neither secret nor parameter'}) must name exactly one of secret and parameter`);
      }
      if (s.secret) {
        const arn = s.secret.secretFullArn;
        if (arn === undefined) {
          problems.push(`secrets.${name}.secret (${JSON.stringify(s.secret.secretName)}) has no full ARN (imported by name or partial ARN): import it with Secret.fromSecretCompleteArn, so the host's permission names it without a wildcard`);
        }
        return { source: 'secretsmanager' as const, arn: arn ?? '', key: s.key ?? s.secret.encryptionKey };
      }
      return { source: 'ssm' as const, arn: s.parameter?.parameterArn ?? '', key: s.key };
    });
  }

  private modelPrefix(prefix: string, problems: string[]): string | undefined {
    const p = normalizeKeyPrefix(prefix);
    if (Token.isUnresolved(prefix)) return p;
    if (!isSafeKeyPrefix(p)) {
      problems.push(`model.prefix (${JSON.stringify(prefix)}) must be a non-empty key prefix of letters, digits and ! _ . ' ( ) - separated by single /, without . or .. segments (no * or ?: it becomes an IAM resource)`);
      return undefined;
    }
    return p;
  }

  private warnAboutRiskyChoices(props: ServingWorkloadProps): void {
    const a = Annotations.of(this);
    if (props.image.tag !== undefined) {
      a.addWarningV2(WARNING_IDS.mutableImageTag,
        `image tag ${JSON.stringify(props.image.tag)} is mutable: pushing it again rolls no host, and new hosts silently run the new image; pin a digest`);
    }
    if (props.image.uri !== undefined) {
      a.addWarningV2(WARNING_IDS.publicImage,
        `image ${props.image.uri} is pulled from outside ECR on every launch: over NAT, without the S3 endpoint, and subject to the registry's rate limits`);
    }
    for (const name of Object.keys(props.environment ?? {})) {
      if (SECRET_LOOKING_NAME.test(name)) {
        a.addWarningV2(WARNING_IDS.secretInEnvironment,
          `environment.${name} looks like a secret: environment values are in the user data, readable with ec2:DescribeInstanceAttribute; use secrets`);
      }
    }
  }
}

/** The workload's prop names and units in problems about the host script. */
function workloadLabel(field: keyof HostScriptSpec): string {
  switch (field) {
    case 'startupSeconds': return 'startupTimeout';
    case 'drainSeconds': return 'drainTimeout';
    case 'idleWaitSeconds': return 'drainIdleWait';
    case 'modelS3Uri': return 'model';
    default: return field;
  }
}

function estimatedBytes(commands: readonly string[]): number {
  const text = commands.join('\n');
  const tokens = text.match(/\$\{Token\[[^\]]*\]\}/g) ?? [];
  return Buffer.byteLength(text, 'utf8') + tokens.reduce((n, t) => n + TOKEN_ESTIMATE_BYTES - t.length, 0);
}
