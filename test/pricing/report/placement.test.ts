import { estimateEnvironmentCost } from '../../../lib/pricing/estimate';
import { renderCostReportMarkdown } from '../../../lib/pricing/report/markdown';
import { buildCostReport } from '../../../lib/pricing/report/model';
import { threeTypeEnv, threeTypeTable } from '../support/fixtures';

describe('spot placement scores in the report', () => {
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
