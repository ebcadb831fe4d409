import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { z } from 'zod';
import type { FallbackState } from './decision';

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
  /** When the controller wrote it, epoch ms (absent in states written before it expired). */
  savedAt: z.number().optional(),
});

/** What the state parameter held at the start of a run. */
export type StoredState =
  | { readonly kind: 'missing' }
  | { readonly kind: 'unreadable'; readonly raw: string }
  | {
    readonly kind: 'found';
    readonly state: FallbackState;
    /** When it was saved: its own `savedAt`, else the parameter's LastModifiedDate; undefined when neither is known. */
    readonly savedAt?: number;
  };

/**
 * Reads the state parameter. Not found and unreadable are answers (the caller rebuilds the state from the groups);
 * any other read error fails the run: resetting the state on, say, AccessDenied would drop capacity.
 */
export async function loadState(parameterName: string, ssm: SSMClient): Promise<StoredState> {
  let raw: string | undefined;
  let lastModified: Date | undefined;
  try {
    const out = await ssm.send(new GetParameterCommand({ Name: parameterName }));
    raw = out.Parameter?.Value;
    lastModified = out.Parameter?.LastModifiedDate;
  } catch (e) {
    if ((e as { name?: string })?.name !== 'ParameterNotFound') throw e;
  }
  if (raw === undefined) return { kind: 'missing' };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    json = undefined;
  }
  const parsed = stateSchema.safeParse(json);
  if (!parsed.success) return { kind: 'unreadable', raw };
  const { savedAt, ...state } = parsed.data;
  return { kind: 'found', state, savedAt: savedAt ?? lastModified?.getTime() };
}

export async function saveState(parameterName: string, ssm: SSMClient, state: FallbackState, now: number): Promise<void> {
  await ssm.send(new PutParameterCommand({ Name: parameterName, Value: serializeState(state, now), Type: 'String', Overwrite: true }));
}

/** The state as stored, stamped with `savedAt`; the oldest counted ids go first if it would not fit the 4 KB. */
export function serializeState(state: FallbackState, savedAt: number): string {
  let ids = [...(state.countedFailureIds ?? [])];
  const json = () => JSON.stringify({ ...state, countedFailureIds: ids, savedAt });
  let text = json();
  while (Buffer.byteLength(text) > STATE_MAX_BYTES && ids.length > 0) {
    ids = ids.slice(Math.max(1, Math.ceil(ids.length / 4)));
    text = json();
  }
  return text;
}
