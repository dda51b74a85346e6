import { randomUUID } from 'node:crypto';
import type { Emulators } from '../shared/local/emulators.js';
import { createClients } from '../shared/adapters/clients.js';
import { startHttpEndpoint } from '../shared/local/http-endpoint.js';
import { World } from './chaos/world.js';
import { Team } from './chaos/team.js';
import { untilEnded } from './chaos/audit.js';
import { median, percentile, round } from './stats.js';

export interface OverheadResult {
  p50Ms: number;
  p95Ms: number;
  floorMs: number;
  ratio: number;
  cycles: number;
  hopMs: number;
  transactionMs: number;
  hopsPerCycle: number;
  transactionsPerCycle: number;
  /** Median time each phase took (entered -> next entered), to name the slowest part; `analysisCompute` is the analyze function's own reading and analysis within `analyzing`. */
  phasesMs: Record<string, number>;
}

/** Push hops in a cycle: deploy-finished -> run-tests, tests-finished -> analyze, analysis-finished -> report. */
const HOPS_PER_CYCLE = 3;
/** Transactions in a cycle: open, record launch, store results, store analysis, verdict, loop report. */
const TRANSACTIONS_PER_CYCLE = 6;

/**
 * Orchestration overhead: from deploy-finished published to the verdict stored, minus the
 * suite's run time (zero here: the "job" reports at once), over `cycles` one-cycle loops run
 * one after another. Beside it, measured in the same run, the floor: the raw push hop times
 * the hops of a cycle plus a Firestore transaction times the transactions of a cycle.
 */
export async function measureOverhead(emulators: Emulators, cycles: number): Promise<OverheadResult> {
  const world = new World(emulators);
  await world.start();
  const team = new Team(world, { script: () => 'green', jobDelayMs: [0, 0] });
  await team.start();
  const overheads: number[] = [];
  const phases: Record<string, number[]> = { testing: [], analyzing: [], reporting: [] };
  try {
    // Warm up: the first cycle pays for lazy client creation in each function.
    for (let i = 0; i <= cycles; i++) {
      const loopId = `overhead-${i}`;
      await world.createLoop(loopId);
      await team.deploy(loopId, 'push');
      await untilEnded(world, [loopId], 30_000);
      const c = await world.store.getCycle(loopId, 1);
      if (i === 0 || !c?.overheadMs) continue;
      overheads.push(c.overheadMs);
      const at = (p: string) => Date.parse(c.phaseAt[p] ?? '');
      phases.testing!.push(at('analyzing') - at('testing'));
      phases.analyzing!.push(at('reporting') - at('analyzing'));
      phases.reporting!.push(at('done') - at('reporting'));
      phases.deploy ??= [];
      phases.deploy.push(at('testing') - Date.parse(c.deployFinishedAt ?? ''));
      // Of the analyzing phase, what the analyze function spent reading and analyzing the
      // results (stored with the analysis); the rest is the hop, the dedup read and the commits.
      const computeMs = c.analysis?.analysisMs;
      if (typeof computeMs === 'number') (phases.analysisCompute ??= []).push(computeMs);
    }
  } finally {
    await team.stop();
    await world.stop();
  }
  const hopMs = await measureHop(emulators, 30);
  const transactionMs = await measureTransaction(emulators, 30);
  const floorMs = HOPS_PER_CYCLE * hopMs + TRANSACTIONS_PER_CYCLE * transactionMs;
  const p50 = median(overheads);
  return {
    p50Ms: round(p50),
    p95Ms: round(percentile(overheads, 95)),
    floorMs: round(floorMs),
    ratio: round(p50 / floorMs, 2),
    cycles: overheads.length,
    hopMs: round(hopMs),
    transactionMs: round(transactionMs),
    hopsPerCycle: HOPS_PER_CYCLE,
    transactionsPerCycle: TRANSACTIONS_PER_CYCLE,
    phasesMs: Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, round(median(v))])),
  };
}

/** Publish -> push endpoint that only acknowledges: median latency of one emulator hop. */
async function measureHop(emulators: Emulators, n: number): Promise<number> {
  const clients = createClients({ projectId: `demo-hop-${randomUUID().slice(0, 8)}`, emulators });
  const arrivals = new Map<string, number>();
  const server = await startHttpEndpoint((body, res) => {
    const id = (JSON.parse(body) as { message: { messageId: string } }).message.messageId;
    arrivals.set(id, performance.now());
    res.writeHead(204).end();
  });
  try {
    const [topic] = await clients.pubsub.createTopic('hop');
    await topic.createSubscription('hop-push', { pushConfig: { pushEndpoint: server.url } });
    const latencies: number[] = [];
    for (let i = 0; i <= n; i++) {
      // The emulator delivers pushes on a polling beat: publish at a random point of it, as the
      // chain's steps do, not in step with it.
      await new Promise((r) => setTimeout(r, Math.random() * 100));
      const sent = performance.now();
      const id = await topic.publishMessage({ json: { i } });
      while (!arrivals.has(id)) await new Promise((r) => setTimeout(r, 1));
      if (i > 0) latencies.push(arrivals.get(id)! - sent);
    }
    return median(latencies);
  } finally {
    await server.close();
    await clients.close();
  }
}

/** A read-then-write transaction on one document: median latency. */
async function measureTransaction(emulators: Emulators, n: number): Promise<number> {
  const clients = createClients({ projectId: `demo-tx-${randomUUID().slice(0, 8)}`, emulators });
  const db = clients.firestore;
  const ref = db.collection('bench').doc('tx');
  const times: number[] = [];
  try {
    for (let i = 0; i <= n; i++) {
      const t = performance.now();
      await db.runTransaction(async (tx) => {
        const snap = await tx.get(ref);
        tx.set(ref, { n: ((snap.data()?.n as number | undefined) ?? 0) + 1 });
      });
      if (i > 0) times.push(performance.now() - t);
    }
    return median(times);
  } finally {
    await clients.close();
  }
}
