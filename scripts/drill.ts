/**
 * `npm run drill -- <env>`: starts the spot interruption drill (FIS experiment template) of stack `GpuFleet-<env>`.
 * The template is found by its `gpu-spot-fleet:stack` tag, which the InterruptionHandler construct sets.
 */
import {
  ExperimentTemplateSummary,
  FisClient,
  ListExperimentTemplatesCommand,
  StartExperimentCommand,
} from '@aws-sdk/client-fis';
import { randomUUID } from 'crypto';
import { ENVIRONMENTS } from '../config/environments';
import { GpuFleetError } from '../lib/shared/errors';

export const STACK_TAG = 'gpu-spot-fleet:stack';

export class DrillError extends GpuFleetError {
  constructor(message: string) {
    super(message);
    this.name = 'DrillError';
  }
}

/** The drill template of `stackName`, or a DrillError that says what to do. */
export async function findDrillTemplate(fis: FisClient, stackName: string, region: string): Promise<ExperimentTemplateSummary> {
  const found: ExperimentTemplateSummary[] = [];
  let nextToken: string | undefined;
  do {
    const page = await fis.send(new ListExperimentTemplatesCommand({ nextToken, maxResults: 100 }));
    found.push(...(page.experimentTemplates ?? []).filter((t) => t.tags?.[STACK_TAG] === stackName));
    nextToken = page.nextToken;
  } while (nextToken);
  if (found.length === 0) {
    throw new DrillError(
      `no FIS experiment template tagged ${STACK_TAG}=${stackName} in ${region}: deploy the stack first (npx cdk deploy ${stackName}), or check the account and region`,
    );
  }
  if (found.length > 1) {
    throw new DrillError(`${found.length} FIS templates are tagged ${STACK_TAG}=${stackName} (${found.map((t) => t.id).join(', ')}): expected one; delete the stale ones`);
  }
  return found[0];
}

/** Runs the drill for `args[0]`; returns the process exit code. */
export async function drill(args: readonly string[], makeClient = (region: string) => new FisClient({ region }), log = console): Promise<number> {
  const names = ENVIRONMENTS.map((e) => e.name);
  const env = ENVIRONMENTS.find((e) => e.name === args[0]);
  if (!env) {
    log.error(`usage: npm run drill -- <env>, where <env> is one of ${names.join(', ')} (got ${JSON.stringify(args[0] ?? '')})`);
    return 2;
  }
  const stackName = `GpuFleet-${env.name}`;
  const fis = makeClient(env.region);
  try {
    const template = await findDrillTemplate(fis, stackName, env.region);
    const out = await fis.send(
      new StartExperimentCommand({
        experimentTemplateId: template.id,
        clientToken: randomUUID(),
        tags: { [STACK_TAG]: stackName, 'gpu-spot-fleet:started-by': 'npm run drill' },
      }),
    );
    const id = out.experiment?.id ?? '(unknown)';
    log.log(`started spot interruption drill ${id} from template ${template.id} (${template.description ?? ''}) in ${env.region}`);
    log.log(`watch: https://${env.region}.console.aws.amazon.com/fis/home?region=${env.region}#ExperimentDetails:ExperimentId=${id}`);
    return 0;
  } catch (e) {
    const name = (e as Error).name;
    if (e instanceof DrillError) log.error(e.message);
    else if (name === 'CredentialsProviderError' || name === 'ExpiredTokenException' || name === 'UnrecognizedClientException') {
      log.error(`no usable AWS credentials (${name}): set AWS_PROFILE or run aws sso login for the ${env.name} account, then retry`);
    } else if (name === 'AccessDeniedException') {
      log.error(`access denied (${(e as Error).message}): the caller needs fis:ListExperimentTemplates and fis:StartExperiment`);
    } else log.error(`drill failed: ${name}: ${(e as Error).message}`);
    return 1;
  }
}

if (require.main === module) {
  drill(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
