/**
 * Interruption handler benchmark (`npm run bench:handler`), against mocked AWS APIs that answer after 50 ms
 * (EC2, Auto Scaling, SSM, ELBv2, SNS and the idempotency table alike).
 *  1. A batch of 10 interruption warnings for 10 instances vs the slowest single event: target <= 2x.
 *  2. 1,000 duplicate deliveries (10 instances x 50 copies of the interruption warning + 50 of the rebalance
 *     recommendation), in batches of 10 over 5 concurrent "Lambda instances" sharing one idempotency table,
 *     failed records redelivered as SQS would: exactly one drain (SendCommand) per instance.
 * Writes bench/results/handler.json.
 */
process.env.POWERTOOLS_METRICS_DISABLED = 'true';

import * as fs from 'fs';
import * as path from 'path';
import { AutoScalingClient, SetInstanceHealthCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DeregisterTargetsCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { mockClient } from 'aws-sdk-client-mock';
import { createInterruptionProcessor } from '../lib/interruption/runtime/processor';
import { CONFIG, events, FLEET, instance, lambdaContext, sqsEvent } from '../test/interruption/support/handler-fixtures';
import { InMemoryPersistenceLayer } from '../test/interruption/support/in-memory-persistence';

const LATENCY_MS = 50;
const later = <T>(value: T) => new Promise<T>((r) => setTimeout(() => r(value), LATENCY_MS));
const INSTANCES = Array.from({ length: 10 }, (_, i) => `i-0${(i + 1).toString(16).padStart(16, 'b')}`);

const ec2 = mockClient(EC2Client);
const autoScaling = mockClient(AutoScalingClient);
const ssm = mockClient(SSMClient);
const elbv2 = mockClient(ElasticLoadBalancingV2Client);
const sns = mockClient(SNSClient);

function resetMocks(): Map<string, number> {
  const drains = new Map<string, number>();
  for (const m of [ec2, autoScaling, ssm, elbv2, sns]) m.reset();
  ec2.on(DescribeInstancesCommand).callsFake((input: { InstanceIds: string[] }) =>
    later({ Reservations: [{ Instances: input.InstanceIds.map((id) => instance(id)) }] }),
  );
  elbv2.on(DeregisterTargetsCommand).callsFake(() => later({}));
  ssm.on(SendCommandCommand).callsFake((input: { InstanceIds: string[] }) => {
    const id = input.InstanceIds[0];
    drains.set(id, (drains.get(id) ?? 0) + 1);
    return later({ Command: { CommandId: `cmd-${id}` } });
  });
  autoScaling.on(SetInstanceHealthCommand).callsFake(() => later({}));
  sns.on(PublishCommand).callsFake(() => later({}));
  return drains;
}

function newProcessor(table = new Map()) {
  return createInterruptionProcessor(CONFIG, {
    ec2: new EC2Client({ region: 'us-east-1' }),
    autoScaling: new AutoScalingClient({ region: 'us-east-1' }),
    ssm: new SSMClient({ region: 'us-east-1' }),
    elbv2: new ElasticLoadBalancingV2Client({ region: 'us-east-1' }),
    sns: new SNSClient({ region: 'us-east-1' }),
    logger: new Logger({ logLevel: 'SILENT' }),
    metrics: new Metrics({ namespace: 'GpuSpotFleet', serviceName: 'interruption-handler', defaultDimensions: { Fleet: FLEET.value } }),
    eventStore: new InMemoryPersistenceLayer(table, LATENCY_MS),
    drainStore: new InMemoryPersistenceLayer(table, LATENCY_MS),
  });
}

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const out = await fn();
  return [performance.now() - t0, out];
}

async function batchVsSingle() {
  resetMocks();
  const singles: number[] = [];
  for (const id of INSTANCES) {
    const [ms, res] = await timed(() => newProcessor().handle(sqsEvent(events.interruption(id)), lambdaContext()));
    if (res.batchItemFailures.length > 0) throw new Error(`single event for ${id} failed`);
    singles.push(ms);
  }
  const drains = resetMocks();
  const [batchMs, res] = await timed(() => newProcessor().handle(sqsEvent(...INSTANCES.map((id) => events.interruption(id))), lambdaContext()));
  if (res.batchItemFailures.length > 0 || drains.size !== 10) throw new Error('batch of 10 did not drain all 10 instances');
  const slowestSingleMs = Math.max(...singles);
  return {
    slowestSingleMs: round(slowestSingleMs),
    medianSingleMs: round([...singles].sort((a, b) => a - b)[5]),
    batchOf10Ms: round(batchMs),
    ratio: round(batchMs / slowestSingleMs, 2),
    target: '<= 2x',
    pass: batchMs <= 2 * slowestSingleMs,
  };
}

async function duplicates() {
  const drains = resetMocks();
  const table = new Map();
  const lambdas = Array.from({ length: 5 }, () => newProcessor(table));
  const perInstance = INSTANCES.map((id) => [events.interruption(id), events.rebalance(id)] as const);
  let pending: object[] = [];
  for (let copy = 0; copy < 50; copy++) for (const [a, b] of perInstance) pending.push(a, b);
  pending = shuffle(pending);
  const deliveries = pending.length;
  let invocations = 0;
  let redeliveries = 0;
  const [ms] = await timed(async () => {
    while (pending.length > 0) {
      const batches: object[][] = [];
      for (let i = 0; i < pending.length; i += 10) batches.push(pending.slice(i, i + 10));
      const failed: object[] = [];
      // 5 concurrent invocations at a time, as the event source's maxConcurrency allows.
      for (let i = 0; i < batches.length; i += lambdas.length) {
        await Promise.all(
          batches.slice(i, i + lambdas.length).map(async (batch, j) => {
            const ev = sqsEvent(...batch);
            invocations++;
            const res = await lambdas[j].handle(ev, lambdaContext());
            const failedIds = new Set(res.batchItemFailures.map((f) => f.itemIdentifier));
            ev.Records.forEach((r, k) => failedIds.has(r.messageId) && failed.push(batch[k]));
          }),
        );
      }
      redeliveries += failed.length;
      pending = failed;
    }
  });
  const counts = INSTANCES.map((id) => drains.get(id) ?? 0);
  return {
    deliveries,
    instances: INSTANCES.length,
    invocations,
    redeliveriesOfInFlightDuplicates: redeliveries,
    drainsPerInstance: counts,
    setInstanceHealthCalls: autoScaling.commandCalls(SetInstanceHealthCommand).length,
    totalMs: round(ms),
    pass: counts.every((c) => c === 1),
  };
}

function shuffle<T>(items: T[]): T[] {
  // Deterministic (LCG) so runs are comparable.
  let seed = 42;
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const j = seed % (i + 1);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

async function main() {
  const concurrency = await batchVsSingle();
  const idempotency = await duplicates();
  const result = {
    benchmark: 'interruption handler',
    date: new Date().toISOString(),
    node: process.version,
    mockedApiLatencyMs: LATENCY_MS,
    batchOf10VsSlowestSingle: concurrency,
    duplicateDeliveries: idempotency,
  };
  const out = path.join(__dirname, 'results', 'handler.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
  if (!concurrency.pass || !idempotency.pass) {
    console.error('handler benchmark: a target was missed (see above)');
    process.exitCode = 1;
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
