import { estimateEnvironmentCost } from '../../../lib/pricing/estimate';
import { costAnnotations } from '../../../lib/pricing/report/annotations';
import { threeTypeEnv, threeTypeTable } from '../support/fixtures';

describe('costAnnotations', () => {
  test('within budget: info only, left-out parts still warn', () => {
    const a = costAnnotations(estimateEnvironmentCost(threeTypeEnv(), { ...threeTypeTable(), spot: threeTypeTable().spot.slice(0, 7) }, { hoursPerMonth: 730 }));
    // The pool without history, and the pools without an interruption bucket.
    expect(a.warnings.map((w) => w.id)).toEqual(['gpu-fleet:costPartLeftOut', 'gpu-fleet:costPartLeftOut', 'gpu-fleet:costPartLeftOut']);
  });

  test('over budget: the annotation warns with the figures', () => {
    const e = estimateEnvironmentCost(threeTypeEnv({ budget: { monthlyLimitUsd: 300 } }), threeTypeTable(), { hoursPerMonth: 200 });
    expect(e.budget.overBudget).toBe(true);
    const a = costAnnotations(e);
    expect(a.info).toBe('staging expected $371.72/month (range $317.05-$481.05, worst case $5,338.48) at 200 h/month');
    expect(a.warnings).toEqual([
      {
        id: 'gpu-fleet:costOverBudget',
        message:
          'staging expected monthly cost $371.72 exceeds budget.monthlyLimitUsd $300.00 by $71.72; raise the budget or ' +
          'shrink the fleet (fewer base instances, fewer hours, cheaper types)',
      },
      {
        id: 'gpu-fleet:costPartLeftOut',
        message: 'staging (us-east-1): no spot price history for g5.xlarge in us-east-1c; that pool is left out of the spot estimate',
      },
      {
        id: 'gpu-fleet:costPartLeftOut',
        message: 'staging (us-east-1): no interruption bucket for g6.xlarge, g4dn.xlarge in the data; their pools\' churn is not counted',
      },
    ]);
  });

  test('a worst case over cost.maxWorstCaseUsd warns; over the budget alone it is flagged in the report only', () => {
    const base = threeTypeEnv();
    const over = costAnnotations(estimateEnvironmentCost({ ...base, cost: { ...base.cost, maxWorstCaseUsd: 5000 } }, threeTypeTable(), { hoursPerMonth: 200 }));
    expect(over.warnings.filter((w) => w.id === 'gpu-fleet:worstCaseOverBudget')).toEqual([{
      id: 'gpu-fleet:worstCaseOverBudget',
      message: 'staging worst case $5,338.48/month exceeds cost.maxWorstCaseUsd $5,000.00; lower fleet.maxSize or fallback.maxInstances, or raise the limit',
    }]);
    const within = costAnnotations(estimateEnvironmentCost({ ...base, budget: { monthlyLimitUsd: 1000 } }, threeTypeTable(), { hoursPerMonth: 200 }));
    expect(within.warnings.map((w) => w.id)).not.toContain('gpu-fleet:worstCaseOverBudget');
  });
});
