import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { Logger } from '@aws-lambda-powertools/logger';
import { z } from 'zod';
import { FallbackState, stateFromGroup } from './decision';

/** The SSM String parameter (standard tier) holds 4 KB. */
const STATE_MAX_BYTES = 4096;

const stateSchema = z.object({
  version: z.literal(1),
  mode: z.enum(['standby', 'engaged']),
  desiredFallback: z.number().int().min(0),
  troubleSince: z.number().optional(),
  failuresInStreak: z.number().int().min(0),
  window: z.array(z.tuple([z.number(), z.number()])),
  failuresSinceGrowth: z.number().int().min(0).optional(),
  growthWantedSince: z.number().optional(),
  countedFailureIds: z.array(z.string()).optional(),
});

/**
 * The stored state, or one rebuilt from the fallback group's size when there is none or it is unreadable.
 * Any other read error fails the run: resetting the state on, say, AccessDenied would drop capacity.
 */
export async function loadState(
  parameterName: string,
  ssm: SSMClient,
  logger: Logger,
  fallbackDesired: number,
  now: number,
): Promise<FallbackState> {
  let raw: string | undefined;
  try {
    const out = await ssm.send(new GetParameterCommand({ Name: parameterName }));
    raw = out.Parameter?.Value;
  } catch (e) {
    if ((e as { name?: string })?.name !== 'ParameterNotFound') throw e;
  }
  if (raw === undefined) {
    logger.info('no stored fallback state; starting from the fallback group', { fallbackGroupDesired: fallbackDesired, parameter: parameterName });
    return stateFromGroup(fallbackDesired, now);
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    json = undefined;
  }
  const parsed = stateSchema.safeParse(json);
  if (!parsed.success) {
    logger.warn('stored fallback state is unreadable; starting from the fallback group', { parameter: parameterName, value: raw.slice(0, 200) });
    return stateFromGroup(fallbackDesired, now);
  }
  return parsed.data;
}

export async function saveState(parameterName: string, ssm: SSMClient, state: FallbackState): Promise<void> {
  await ssm.send(new PutParameterCommand({ Name: parameterName, Value: serializeState(state), Type: 'String', Overwrite: true }));
}

/** The state as stored; the oldest counted ids go first if it would not fit the parameter's 4 KB. */
export function serializeState(state: FallbackState): string {
  let ids = [...(state.countedFailureIds ?? [])];
  let json = JSON.stringify({ ...state, countedFailureIds: ids });
  while (Buffer.byteLength(json) > STATE_MAX_BYTES && ids.length > 0) {
    ids = ids.slice(Math.max(1, Math.ceil(ids.length / 4)));
    json = JSON.stringify({ ...state, countedFailureIds: ids });
  }
  return json;
}
