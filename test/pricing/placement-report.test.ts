import { dev, prod, staging } from '../../config/environments';
import { estimateEnvironmentCost } from '../../lib/pricing/cost-model';
import { priceRequestsFor } from '../../lib/pricing/lookup';
import { buildCostReport } from '../../lib/pricing/report';
import { renderCostReportMarkdown } from '../../lib/pricing/report-markdown';
import { threeTypeEnv, threeTypeTable } from './cost/fixtures';

describe('spot placement scores in the request and the report', () => {
  test('each environment asks for scores at its spot burst (maxSize - base)', () => {
    expect(priceRequestsFor([dev, staging, prod]).map((r) => [r.environment, r.spotTargetCapacity])).toEqual([
      ['dev', dev.fleet.maxSize - dev.fleet.onDemandBaseCapacity],
      ['staging', staging.fleet.maxSize - staging.fleet.onDemandBaseCapacity],
      ['prod', prod.fleet.maxSize - prod.fleet.onDemandBaseCapacity],
    ]);
    expect(priceRequestsFor([{ ...dev, fleet: { ...dev.fleet, spotPercentageAboveBase: 0 } }])[0].spotTargetCapacity).toBeUndefined();
  });

  const estimate = estimateEnvironmentCost(threeTypeEnv(), threeTypeTable(), { hoursPerMonth: 730 });

  test('the report shows each AZ score, flags low and missing ones', () => {
    const placement = {
      environment: 'staging', region: 'us-east-1', targetCapacity: 5, source: 'live' as const, validOn: '2026-11-22',
      scores: [{ availabilityZone: 'us-east-1a', score: 9 }, { availabilityZone: 'us-east-1b', score: 3 }, { availabilityZone: 'us-east-1c', score: null }],
    };
    const md = renderCostReportMarkdown(buildCostReport([{ ...estimate, placement }]));
    expect(md).toContain('- Spot placement score (1-10, EC2, 2026-11-22, target 5): us-east-1a 9, us-east-1b 3 ⚠️, us-east-1c none ⚠️');
  });

  test('without live pricing the report says scores were not read, rather than showing none', () => {
    const md = renderCostReportMarkdown(buildCostReport([estimate]));
    expect(md).toContain('- Spot placement score: not read (only with live pricing');
  });
});
