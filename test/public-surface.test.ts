import * as lib from '../lib';

// The construct library's public surface: what a consumer imports from the package.
test('exports every construct, the config validation, the pricing entry points and the report writers', () => {
  for (const name of [
    'GpuFleet', 'FleetNetwork', 'InterruptionHandler', 'BudgetGuard', 'ScaleToZeroSchedule', 'OnDemandFallback',
    'CapacityLedger', 'FleetDashboard', 'GpuFleetStack',
    'validateEnvironments', 'FleetConfigError', 'resolvePriceTable', 'priceRequestsFor', 'estimateEnvironmentCost',
    'estimateEnvironments', 'buildCostReport', 'writeCostReport', 'renderCostReportMarkdown', 'diffCostReports',
    'checkCostReport', 'lookupSpotPlacementScores', 'scheduledHoursInMonth', 'averageScheduledHoursPerMonth', 'decideFallback',
  ]) {
    expect({ name, type: typeof (lib as Record<string, unknown>)[name] }).toEqual({ name, type: 'function' });
  }
  expect(lib.HOURS_PER_MONTH).toBe(730);
});
