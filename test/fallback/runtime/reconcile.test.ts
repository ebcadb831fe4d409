import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { FallbackState, INITIAL_STATE } from '../../../lib/fallback/runtime/decision';
import { reconcileState, STATE_MAX_AGE_MS } from '../../../lib/fallback/runtime/reconcile';
import { loadState, saveState } from '../../../lib/fallback/runtime/state-store';

const MIN = 60_000;
const NOW = Date.UTC(2025, 5, 2, 12, 0, 0);
const engaged: FallbackState = {
  version: 1, mode: 'engaged', desiredFallback: 3, troubleSince: NOW - 20 * MIN, failuresInStreak: 9, window: [[NOW - 20 * MIN, 3]], countedFailureIds: ['a-1'],
};

describe('reconcileState', () => {
  test('a fresh state that matches the fallback group is used as it is', () => {
    expect(reconcileState({ kind: 'found', state: engaged, savedAt: NOW - MIN }, 3, NOW)).toEqual({ state: engaged });
  });

  test(`exactly ${STATE_MAX_AGE_MS / MIN} minutes old is still fresh; a millisecond more is stale`, () => {
    expect(reconcileState({ kind: 'found', state: engaged, savedAt: NOW - STATE_MAX_AGE_MS }, 3, NOW).rebuilt).toBeUndefined();
    expect(reconcileState({ kind: 'found', state: engaged, savedAt: NOW - STATE_MAX_AGE_MS - 1 }, 3, NOW).rebuilt?.reason).toBe('stale');
  });

  test('stale: rebuilt from the group (timers and counted ids dropped), notified when capacity is at stake', () => {
    const result = reconcileState({ kind: 'found', state: engaged, savedAt: NOW - 3 * 24 * 60 * MIN }, 0, NOW);
    expect(result).toEqual({
      state: INITIAL_STATE,
      rebuilt: {
        reason: 'stale',
        notify: true,
        text: 'the stored state is 4320m 0s old (saved 2025-05-30T12:00:00.000Z), older than 10m 0s: the controller did not run in between ' +
          '(schedule disabled, throttled or failing); it said the fallback group should be at 3, the group is at 0; ' +
          'it starts in standby with the fallback group at 0',
      },
    });
  });

  test('stale with the group still running: the group is adopted for a release window', () => {
    const result = reconcileState({ kind: 'found', state: engaged, savedAt: NOW - 60 * MIN }, 2, NOW);
    expect(result.state).toEqual({ version: 1, mode: 'engaged', desiredFallback: 2, failuresInStreak: 0, window: [[NOW, 2]] });
    expect(result.rebuilt?.text).toMatch(/it adopts the fallback group's 2 and holds it for a full release window before handing back$/);
  });

  test('stale with nothing running is logged but not news', () => {
    const result = reconcileState({ kind: 'found', state: INITIAL_STATE, savedAt: NOW - 60 * MIN }, 0, NOW);
    expect(result.rebuilt).toMatchObject({ reason: 'stale', notify: false });
    expect(result.rebuilt?.text).not.toContain('it said');
  });

  test('a state of unknown age (no savedAt, no LastModifiedDate) is stale', () => {
    expect(reconcileState({ kind: 'found', state: engaged }, 3, NOW).rebuilt).toMatchObject({
      reason: 'stale',
      text: expect.stringMatching(/^the stored state is of unknown age, older than 10m 0s/),
    });
  });

  test('mismatch: the group wins, the counted failure ids are kept, and it is news', () => {
    const result = reconcileState({ kind: 'found', state: engaged, savedAt: NOW - MIN }, 0, NOW);
    expect(result.state).toEqual({ ...INITIAL_STATE, countedFailureIds: ['a-1'] });
    expect(result.rebuilt).toEqual({
      reason: 'mismatch',
      notify: true,
      text: "the fallback group's desired capacity is 0, not the 3 the controller last decided: it was changed outside the controller " +
        '(by hand, or a deploy that lowered its MaxSize) or the last run failed after resizing; the controller starts in standby with ' +
        'the fallback group at 0, and engages again only after a new shortfall',
    });
  });

  test('missing: news only when a fallback is running', () => {
    expect(reconcileState({ kind: 'missing' }, 0, NOW)).toEqual({
      state: INITIAL_STATE,
      rebuilt: { reason: 'missing', notify: false, text: 'no stored state; the controller starts in standby with the fallback group at 0' },
    });
    expect(reconcileState({ kind: 'missing' }, 2, NOW).rebuilt).toMatchObject({ reason: 'missing', notify: true });
  });

  test('unreadable: always news, the value cut at 200 characters', () => {
    const result = reconcileState({ kind: 'unreadable', raw: 'x'.repeat(500) }, 0, NOW);
    expect(result.rebuilt).toEqual({
      reason: 'unreadable',
      notify: true,
      text: `the stored state is unreadable (${'x'.repeat(200)}); the controller starts in standby with the fallback group at 0`,
    });
  });
});

describe('state store (SSM)', () => {
  const ssm = mockClient(SSMClient);
  beforeEach(() => ssm.reset());

  test('savedAt comes from the state; the state handed on does not carry it', async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: JSON.stringify({ ...engaged, savedAt: NOW - MIN }), LastModifiedDate: new Date(NOW - 5 * MIN) } });
    expect(await loadState('/p', new SSMClient({}))).toEqual({ kind: 'found', state: engaged, savedAt: NOW - MIN });
  });

  test('a state without savedAt (older controller) ages by the parameter\'s LastModifiedDate', async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: JSON.stringify(engaged), LastModifiedDate: new Date(NOW - 5 * MIN) } });
    expect(await loadState('/p', new SSMClient({}))).toEqual({ kind: 'found', state: engaged, savedAt: NOW - 5 * MIN });
  });

  test('not found and unreadable are answers; other errors are thrown', async () => {
    ssm.on(GetParameterCommand).rejectsOnce(Object.assign(new Error('not found'), { name: 'ParameterNotFound' }))
      .resolvesOnce({ Parameter: { Value: '{"version":2}' } })
      .rejectsOnce(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    expect(await loadState('/p', new SSMClient({}))).toEqual({ kind: 'missing' });
    expect(await loadState('/p', new SSMClient({}))).toEqual({ kind: 'unreadable', raw: '{"version":2}' });
    await expect(loadState('/p', new SSMClient({}))).rejects.toThrow('denied');
  });

  test('saveState stamps savedAt', async () => {
    ssm.on(PutParameterCommand).resolves({});
    await saveState('/p', new SSMClient({}), engaged, NOW);
    expect(ssm).toHaveReceivedCommandWith(PutParameterCommand, { Name: '/p', Type: 'String', Overwrite: true });
    expect(JSON.parse(ssm.commandCalls(PutParameterCommand)[0].args[0].input.Value!)).toEqual({ ...engaged, savedAt: NOW });
  });
});
