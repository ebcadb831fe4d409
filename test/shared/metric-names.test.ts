import { describeLaunchFailure } from '../../lib/interruption/runtime/launch-failure';
import { CAPACITY_SHORTAGE_ERROR_CODES } from '../../lib/shared/metric-names';
import { events } from '../interruption/support/handler-fixtures';

// The handler and the ledger import the same names (lib/shared/metric-names.ts), so a renamed metric or event type
// cannot drift. What an import cannot show is that the handler classifies each code the ledger alarms on as a
// capacity shortage when AWS reports it.
describe('metric names shared with the interruption handler', () => {
  test.each(CAPACITY_SHORTAGE_ERROR_CODES)('%s, as Auto Scaling reports it for a spot launch, is a capacity shortage', (code) => {
    const failure = describeLaunchFailure(events.launchUnsuccessful(`Could not launch Spot Instances. ${code} - The request could not be fulfilled. Launching EC2 instance failed.`) as never);
    expect(failure).toMatchObject({ errorCode: code, market: 'spot', capacityShortage: true });
  });
});
