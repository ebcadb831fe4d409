import * as fs from 'fs';
import * as path from 'path';
import { DETAIL_TYPES } from '../../lib/interruption/events';
import { METRIC_NAMESPACE } from '../../lib/interruption/interruption-handler';
import { EVENT_TYPES, FLEET_METRIC_NAMESPACE, HANDLER_METRICS, HANDLER_SERVICE, POOL_CAPACITY_ERROR_CODES } from '../../lib/shared/metric-names';

// The ledger and dashboard restate the interruption handler's metric contract; these fail when it drifts.
const source = (file: string) => fs.readFileSync(path.join(__dirname, '../../lib/interruption', file), 'utf8');

describe('metric names shared with the interruption handler', () => {
  test('namespace, service and event types are the handler\'s', () => {
    expect(FLEET_METRIC_NAMESPACE).toBe(METRIC_NAMESPACE);
    expect(source('interruption-handler.ts')).toContain(`const SERVICE = '${HANDLER_SERVICE}';`);
    expect(EVENT_TYPES).toEqual({
      spotInterruption: DETAIL_TYPES.spotInterruption,
      rebalance: DETAIL_TYPES.rebalance,
      terminateLifecycle: DETAIL_TYPES.terminateLifecycle,
      launchUnsuccessful: DETAIL_TYPES.launchUnsuccessful,
    });
  });

  test('every metric the ledger reads is emitted by the handler', () => {
    const logic = source('handler-logic.ts');
    const emitted = Object.values(HANDLER_METRICS).filter((name) => logic.includes(`'${name}'`));
    expect(emitted).toEqual(Object.values(HANDLER_METRICS));
    expect(logic).toMatch(/ErrorCode: failure\.errorCode/);
  });

  test('the pool capacity codes are codes the handler can produce', () => {
    const events = source('events.ts');
    for (const code of POOL_CAPACITY_ERROR_CODES.filter((c) => c !== 'Unknown')) expect(events).toContain(`'${code}'`);
    expect(events).toContain("errorCode: code ?? 'Unknown'");
  });
});
