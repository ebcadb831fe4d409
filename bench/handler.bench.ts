/**
 * Interruption handler benchmark (`npm run bench:handler`), against mocked AWS APIs that answer after 50 ms
 * (EC2, Auto Scaling, SSM, ELBv2, SNS and the idempotency table alike).
 *  1. A batch of 10 interruption warnings for 10 instances vs the slowest single event: target <= 2x.
 *  2. 1,000 duplicate deliveries (10 instances x 50 copies of the interruption warning + 50 of the rebalance
 *     recommendation), in batches of 10 over 5 concurrent "Lambda instances" sharing one idempotency table,
 *     failed records redelivered as SQS would: exactly one drain (SendCommand) per instance.
 *  3. An interruption wave (issue 9): 50 interruption warnings arriving together with 50 terminate hooks for hosts
 *     that are already gone (their warnings came earlier and started drains whose commands never finish), shuffled
 *     into one queue, pulled in batches of 10 by 5 concurrent invocations. Figure: how long after its arrival the
 *     last warning is handled: target <= 30 s.
 * Prints the figures; writes bench/results/handler.json only with `--save`.
 */
process.env.POWERTOOLS_METRICS_DISABLED = 'true';

import * as fs from 'fs';
import * as path from 'path';
import {
  AutoScalingClient,
  CompleteLifecycleActionCommand,
  RecordLifecycleActionHeartbeatCommand,
  SetInstanceHealthCommand,
} from '@aws-sdk/client-auto-scaling';
import { CreateTagsCommand, DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DeregisterTargetsCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { GetCommandInvocationCommand, SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm';
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
const sqs = mockClient(SQSClient);

function resetMocks(gone: ReadonlySet<string> = new Set()): Map<string, number> {
  const drains = new Map<string, number>();
  for (const m of [ec2, autoScaling, ssm, elbv2, sns, sqs]) m.reset();
  ec2.on(DescribeInstancesCommand).callsFake((input: { InstanceIds: string[] }) =>
    later({ Reservations: [{ Instances: input.InstanceIds.map((id) => instance(id, { state: gone.has(id) ? 'terminated' : 'running' })) }] }),
  );
  ec2.on(CreateTagsCommand).callsFake(() => later({}));
  // A reclaimed host's drain command never finishes: SSM shows it InProgress until its timeout.
  ssm.on(GetCommandInvocationCommand).callsFake(() => later({ Status: 'InProgress' }));
  autoScaling.on(RecordLifecycleActionHeartbeatCommand).callsFake(() => later({}));
  autoScaling.on(CompleteLifecycleActionCommand).callsFake(() => later({}));
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
    sqs: new SQSClient({ region: 'us-east-1' }),
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

/**
 * The wave: 50 warnings for running hosts and 50 terminate hooks for hosts already gone, all in the queue at t=0.
 * 5 workers (the event source's maxConcurrency) each pull up to 10 messages, run one invocation, and pull again;
 * a failed record goes back to the queue. Each warning's handling time is measured from t=0.
 */
async function wave() {
  const WARNINGS = 50;
  const HOOKS = 50;
  const warned = Array.from({ length: WARNINGS }, (_, i) => `i-0${(i + 1).toString(16).padStart(16, 'a')}`);
  const gone = Array.from({ length: HOOKS }, (_, i) => `i-0${(i + 1).toString(16).padStart(16, 'c')}`);
  const table = new Map();
  // The gone hosts' warnings came two minutes earlier and started their drains (the hook joins that record).
  resetMocks();
  const prep = newProcessor(table);
  for (let i = 0; i < gone.length; i += 10) await prep.handle(sqsEvent(...gone.slice(i, i + 10).map((id) => events.interruption(id))), lambdaContext());
  resetMocks(new Set(gone));
  let queue: Array<{ body: object; warning?: string }> = shuffle([
    ...warned.map((id) => ({ body: events.interruption(id), warning: id })),
    ...gone.map((id) => ({ body: events.lifecycle(id) })),
  ]);
  const handledAt = new Map<string, number>();
  let invocations = 0;
  let redeliveries = 0;
  const t0 = performance.now();
  const worker = async (lambda: ReturnType<typeof newProcessor>) => {
    while (queue.length > 0) {
      const batch = queue.slice(0, 10);
      queue = queue.slice(10);
      invocations++;
      const ev = sqsEvent(...batch.map((m) => m.body));
      const res = await lambda.handle(ev, lambdaContext());
      const failed = new Set(res.batchItemFailures.map((f) => f.itemIdentifier));
      ev.Records.forEach((r, k) => {
        if (failed.has(r.messageId)) {
          redeliveries++;
          queue.push(batch[k]);
        } else if (batch[k].warning) handledAt.set(batch[k].warning!, performance.now() - t0);
      });
    }
  };
  await Promise.all(Array.from({ length: 5 }, () => worker(newProcessor(table))));
  const totalMs = performance.now() - t0;
  const times = [...handledAt.values()].sort((a, b) => a - b);
  const lastWarningMs = times[times.length - 1] ?? Number.NaN;
  return {
    warnings: WARNINGS,
    hooksForGoneHosts: HOOKS,
    concurrentInvocations: 5,
    batchSize: 10,
    invocations,
    redeliveries,
    warningsHandled: handledAt.size,
    medianWarningHandledAfterMs: round(times[Math.floor(times.length / 2)]),
    lastWarningHandledAfterMs: round(lastWarningMs),
    hooksCompleted: autoScaling.commandCalls(CompleteLifecycleActionCommand).length,
    drainPollsOfGoneHosts: ssm.commandCalls(GetCommandInvocationCommand).length,
    totalMs: round(totalMs),
    target: 'last warning handled <= 30 s after arrival',
    pass: handledAt.size === WARNINGS && lastWarningMs <= 30_000,
  };
}

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

async function main() {
  const concurrency = await batchVsSingle();
  const idempotency = await duplicates();
  const interruptionWave = await wave();
  const result = {
    benchmark: 'interruption handler',
    date: new Date().toISOString(),
    node: process.version,
    mockedApiLatencyMs: LATENCY_MS,
    batchOf10VsSlowestSingle: concurrency,
    duplicateDeliveries: idempotency,
    interruptionWave,
  };
  console.log(JSON.stringify(result, null, 2));
  if (process.argv.includes('--save')) {
    const out = path.join(__dirname, 'results', 'handler.json');
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
    console.log(`written: ${path.relative(process.cwd(), out)}`);
  }
  if (!concurrency.pass || !idempotency.pass || !interruptionWave.pass) {
    console.error('handler benchmark: a target was missed (see above)');
    process.exitCode = 1;
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
