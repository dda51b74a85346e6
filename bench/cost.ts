import { randomUUID } from 'node:crypto';
import { DocumentReference, Query, Transaction, WriteBatch } from '@google-cloud/firestore';
import { createClients, type EmulatorHosts } from '../shared/adapters/clients.js';
import { HttpHealthProbe } from '../shared/adapters/http/http-health-probe.js';
import { HttpLatencyProbe } from '../shared/adapters/http/http-latency-probe.js';
import { silentLogger } from '../shared/adapters/json-logger.js';
import { systemClock, type Publisher, type TestJobRequest } from '../shared/ports/services.js';
import { createRunTests } from '../shared/chain/run-tests/run-tests.js';
import { createRecordResults } from '../shared/chain/record-results/record-results.js';
import { createAnalyze } from '../shared/chain/analyze/analyze.js';
import { createDecide } from '../shared/chain/decide/decide.js';
import { defaultAnalyzer } from '../shared/analysis/default-analyzer.js';
import { ensureTopology } from '../shared/local/topology-setup.js';
import { startHttpEndpoint } from '../shared/local/http-endpoint.js';
import { Criteria, Deadlines, Guards } from '../shared/config/loop-config.js';
import { suitesOf, totalsOf } from '../shared/results/ingest.js';
import { newLoop } from '../shared/domain/model.js';
import type { TestCase } from '../shared/results/model.js';
import type { MessageOf, SchemaTopic } from '../shared/chain/messages.js';
import { round } from './stats.js';

/** List prices used (USD), stated so the figures can be redone: Firestore (nam5), Pub/Sub, Cloud Run functions. */
export const PRICES = {
  firestoreReadsPer100k: 0.06,
  firestoreWritesPer100k: 0.18,
  firestoreDeletesPer100k: 0.02,
  pubsubPerTiB: 40,
  /** Pub/Sub bills at least 1 KB per publish and per delivery. */
  pubsubMinimumBytes: 1000,
  functionInvocationsPerMillion: 0.4,
};

export interface CostRow {
  tests: number;
  reads: number;
  writes: number;
  deletes: number;
  messages: number;
  messageBytes: number;
  resultChunks: number;
  invocations: number;
  usdPer1000Cycles: number;
}

const counts = { reads: 0, writes: 0, deletes: 0 };

/** Counts every document read, write and delete the Firestore client makes, in this process. */
function instrumentFirestore(): void {
  const wrap = <T extends object>(proto: T, method: keyof T, count: (args: unknown[], result: unknown) => void) => {
    const original = proto[method] as unknown as (...a: unknown[]) => unknown;
    (proto as Record<PropertyKey, unknown>)[method as PropertyKey] = function (this: unknown, ...args: unknown[]) {
      const result = original.apply(this, args);
      if (result instanceof Promise) return result.then((r) => (count(args, r), r));
      count(args, result);
      return result;
    };
  };
  const readsOf = (r: unknown) => {
    const size = (r as { size?: number }).size;
    counts.reads += typeof size === 'number' ? Math.max(1, size) : 1;
  };
  wrap(DocumentReference.prototype, 'get', (_a, r) => readsOf(r));
  wrap(Query.prototype, 'get', (_a, r) => readsOf(r));
  wrap(Transaction.prototype, 'get', (_a, r) => readsOf(r));
  for (const proto of [DocumentReference.prototype, Transaction.prototype, WriteBatch.prototype] as object[]) {
    for (const m of ['set', 'update', 'create']) {
      if (m in proto) wrap(proto as Record<string, unknown>, m, () => void counts.writes++);
    }
    wrap(proto as Record<string, unknown>, 'delete', () => void counts.deletes++);
  }
}

/** A publisher that counts what it publishes. */
class CountingPublisher implements Publisher {
  messages = 0;
  bytes = 0;
  readonly sent: Array<{ topic: string; data: unknown }> = [];
  constructor(private readonly inner: Publisher) {}
  async publish<T extends SchemaTopic>(topic: T, message: MessageOf<T>): Promise<string> {
    this.messages++;
    this.bytes += Math.max(PRICES.pubsubMinimumBytes, Buffer.byteLength(JSON.stringify(message)));
    this.sent.push({ topic, data: message });
    return this.inner.publish(topic, message);
  }
}

/**
 * Firestore and Pub/Sub cost of one cycle with `n` tests: the four steps run in this process
 * against the emulators, with the client instrumented, exactly as the functions run them.
 */
export async function measureCost(sizes: number[], emulators: EmulatorHosts): Promise<CostRow[]> {
  instrumentFirestore();
  const projectId = `demo-cost-${randomUUID().slice(0, 8)}`;
  const clients = createClients({ projectId, emulators });
  const { store, pubsub } = clients;
  await ensureTopology(pubsub, { endpoints: {} });
  const health = await startHttpEndpoint((_q, s) => s.end('ok'));
  const url = health.url.replace(/\/$/, '');
  const rows: CostRow[] = [];
  try {
    for (const n of sizes) {
      const publisher = new CountingPublisher(clients.publisher);
      const base = { store, publisher, clock: systemClock, log: silentLogger };
      const launches: TestJobRequest[] = [];
      const runTests = createRunTests({ ...base, health: new HttpHealthProbe(2000), latency: new HttpLatencyProbe(2000), launcher: { launch: async (r) => (launches.push(r), { executionId: 'x' }) } });
      const loopId = `cost-${n}`;
      const now = new Date().toISOString();
      const stored = { branch: 'main', criteria: Criteria.parse({}), guards: Guards.parse({}), deadlines: Deadlines.parse({}), classification: { rules: [] }, allowedHosts: ['127.0.0.1'], services: [{ name: 'api', critical: true, healthPath: '/' }] };
      await store.putLoop(newLoop(loopId, stored, now), { reset: true });
      counts.reads = counts.writes = counts.deletes = 0;
      await runTests(
        { loopId, trigger: 'push', branch: 'main', commit: 'c1', buildId: `b-${n}`, services: [{ name: 'api', url, revision: 'r1', ready: true }], finishedAt: now },
        'm1',
      );
      const cases = generateCases(n);
      await createRecordResults(base)({
        loopId,
        cycle: 1,
        jobId: launches[0]!.jobId,
        run: { cases, totals: totalsOf(cases), suites: suitesOf(cases), files: [], rejected: [] },
        exitCode: 1,
        crashed: false,
        commandStartedAt: now,
        commandFinishedAt: now,
      });
      const testsFinished = publisher.sent.find((m) => m.topic === 'tests-finished')!.data as MessageOf<'tests-finished'>;
      await createAnalyze({ ...base, analyzer: defaultAnalyzer })(testsFinished, 'm2');
      const analysisFinished = publisher.sent.find((m) => m.topic === 'analysis-finished')!.data as MessageOf<'analysis-finished'>;
      await createDecide(base)(analysisFinished, 'm3');
      const cycle = await store.getCycle(loopId, 1);
      // Reading the cycle back above is the bench's own; take it out of the count.
      counts.reads -= 1;
      const invocations = 3;
      // Each published message is delivered once (a push to a function, or to one watcher).
      const pubsubBytes = publisher.bytes * 2;
      const usd =
        1000 *
        ((counts.reads * PRICES.firestoreReadsPer100k) / 1e5 +
          (counts.writes * PRICES.firestoreWritesPer100k) / 1e5 +
          (counts.deletes * PRICES.firestoreDeletesPer100k) / 1e5 +
          (pubsubBytes / 2 ** 40) * PRICES.pubsubPerTiB +
          (invocations * PRICES.functionInvocationsPerMillion) / 1e6);
      rows.push({
        tests: n,
        reads: counts.reads,
        writes: counts.writes,
        deletes: counts.deletes,
        messages: publisher.messages,
        messageBytes: publisher.bytes,
        resultChunks: cycle?.resultChunks ?? 0,
        invocations,
        usdPer1000Cycles: round(usd, 4),
      });
    }
  } finally {
    await health.close();
    await clients.close();
  }
  return rows;
}

/** Cases shaped like a real suite's: 10 % failing with a message and a short stack. */
function generateCases(n: number): TestCase[] {
  return Array.from({ length: n }, (_, i) => {
    const failing = i % 10 === 0;
    return {
      id: `suite-${i % 40}::Case${i % 97}::test_case_${i}::tests/test_${i % 40}.py`,
      suite: `suite-${i % 40}`,
      className: `Case${i % 97}`,
      name: `test_case_${i}`,
      file: `tests/test_${i % 40}.py`,
      status: failing ? 'failed' : 'passed',
      durationMs: 12 + (i % 50),
      ...(failing ? { message: `AssertionError: expected 200 but got 503 for /api/items/${i}`, details: `Traceback (most recent call last):\n  File "tests/test_${i % 40}.py", line ${i % 300}, in test_case_${i}\n    assert r.status_code == 200\nAssertionError` } : {}),
    } satisfies TestCase;
  });
}
