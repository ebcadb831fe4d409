import * as lib from '../lib';

// The construct library's public surface: what a consumer imports from the package.
test('exports every construct, the pricing entry points, the report writers and the shared error and warning ids', () => {
  for (const name of [
    'GpuFleet', 'FleetNetwork', 'InterruptionHandler', 'BudgetGuard', 'ScaleToZeroSchedule', 'OnDemandFallback',
    'CapacityLedger', 'FleetDashboard',
    'resolvePriceTable', 'estimateEnvironmentCost', 'buildCostReport', 'writeCostReport', 'renderCostReportMarkdown', 'diffCostReports',
    'checkCostReport', 'lookupSpotPlacementScores', 'scheduledHoursInMonth', 'averageScheduledHoursPerMonth', 'validateSchedule',
    'decideFallback', 'GpuFleetError',
    // Issue 11: serving (endpoint, workload) and its scaling, rollout and monitoring
    'ServingEndpoint', 'ServingWorkload', 'ServingScaling', 'ServingAlarms', 'ServingConfigError', 'requestTargetPerHost', 'throughputWeights',
    'servingTimings', 'rolloutProblems', 'rolloutUpdatePolicy', 'fleetCostPerHour', 'gpuUtilizationMetric',
    'HostParameterReadGuard',
  ]) {
    expect({ name, type: typeof (lib as Record<string, unknown>)[name] }).toEqual({ name, type: 'function' });
  }
  expect(lib.HOURS_PER_MONTH).toBe(730);
  expect(lib.WARNING_IDS.singleAz).toBe('gpu-fleet:singleAz');
});

test('exports nothing of the app: no stack composition, no config validation (issue 10)', () => {
  for (const name of ['GpuFleetStack', 'validateEnvironments', 'FleetConfigError', 'environmentProblems', 'priceRequestsFor', 'estimateEnvironments']) {
    expect({ name, exported: name in lib }).toEqual({ name, exported: false });
  }
});
