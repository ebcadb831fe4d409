import { describeLaunchFailure } from '../../lib/interruption/runtime/launch-failure';
import { POOL_CAPACITY_ERROR_CODES } from '../../lib/shared/metric-names';
import { events } from '../interruption/support/handler-fixtures';

// The handler and the ledger import the same names (lib/shared/metric-names.ts), so a renamed metric or event type
// cannot drift. What an import cannot show is that the handler actually produces each error code the ledger sums.
describe('metric names shared with the interruption handler', () => {
  test.each(POOL_CAPACITY_ERROR_CODES.filter((c) => c !== 'Unknown'))('the pool capacity code %s is one the handler produces', (code) => {
    const failure = describeLaunchFailure(events.launchUnsuccessful(`Launching a new EC2 instance. Status Reason: An error occurred (${code}) when calling RunInstances.`) as never);
    expect(failure.errorCode).toBe(code);
  });
});
