import { Validations } from 'aws-cdk-lib';
import { formatFindings, nagApp, nagFindings } from '../support/nag';
import { servingStack } from './support/serving-stack';

// cdk-nag (AwsSolutions, as bin/app.ts runs it) on the stack composed with the scaling, rollout and monitoring
// constructs (ServingScaling, ServingAlarms, the rollout props, the serving dashboard rows) next to ServingEndpoint,
// ServingWorkload, GpuFleet and OnDemandFallback.

test('zero unacknowledged findings on the composed serving stack', () => {
  const app = nagApp();
  servingStack({ app });
  expect(formatFindings(nagFindings(app))).toEqual([]);
});

test('the scaling, alarm and dashboard constructs need no acknowledgement at all', () => {
  const app = nagApp();
  const { servingAlarms, scaling, dashboard } = servingStack({ app });
  const acknowledged = [servingAlarms, scaling, dashboard].flatMap((root) => root.node.findAll())
    .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY).map((m) => `${c.node.path} ${Object.keys(m.data as object)}`));
  expect(acknowledged).toEqual([]);
});
