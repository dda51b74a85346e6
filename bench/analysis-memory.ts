import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createClients } from '../shared/adapters/clients.js';
import type { FirestoreLoopStore } from '../shared/adapters/firestore/loop-store.js';
import { silentLogger } from '../shared/adapters/json-logger.js';
import { createRecordResults } from '../shared/chain/record-results/record-results.js';
import type { TestsFinished } from '../shared/chain/messages.js';
import { Criteria, Deadlines, Guards } from '../shared/config/loop-config.js';
import { newLoop, StoredConfig } from '../shared/domain/model.js';
import type { Emulators } from '../shared/local/emulators.js';
import { ensureTopology } from '../shared/local/topology-setup.js';
import type { RunTotals, TestCase } from '../shared/results/model.js';
import { systemClock } from '../shared/ports/services.js';
import { round } from './stats.js';

export interface AnalysisMemoryRow {
  /** Tests in each of the two cycles. */
  tests: number;
  /** Seconds of the analyze step (reading both cycles from the emulator included). */
  seconds: number;
  /** Peak RSS of the process that ran it, in MB. */
  peakRssMb: number;
  removed: number;
  failing: number;
}

/** Tests removed (and as many added) from one cycle to the next: the analysis reads the previous cases again to name them. */
const RENAMED = 100;

/** 1 % failing with their text, the rest passing; `shift` moves which ones fail, so the diff has regressions and fixes. */
function caseOf(i: number, shift: number, renamed: boolean): TestCase {
  const name = renamed ? `test_${i}_renamed` : `test_${i}`;
  const failing = (i + shift) % 100 === 0;
  return {
    id: `tests/test_${i % 500}.py::TestCase${i % 50}::${name}`,
    suite: `suite-${i % 50}`,
    className: `TestCase${i % 50}`,
    name,
    file: `tests/test_${i % 500}.py`,
    status: failing ? 'failed' : 'passed',
    durationMs: 12 + (i % 7),
    ...(failing ? { message: `expected 201 but got 503 (item ${i})`, details: `Traceback\n  File "tests/test_${i % 500}.py", line ${i % 300}` } : {}),
  };
}

function* cycleCases(n: number, shift: number, renameLast: boolean): Generator<TestCase> {
  for (let i = 0; i < n; i++) yield caseOf(i, shift, renameLast && i >= n - RENAMED);
}

function totalsOf(n: number, shift: number): RunTotals {
  let failed = 0;
  for (let i = 0; i < n; i++) if ((i + shift) % 100 === 0) failed++;
  return { tests: n, passed: n - failed, failed, errors: 0, skipped: 0, flaky: 0, durationMs: 0 };
}

/**
 * What the analyze function holds, measured as it runs: two cycles of `n` tests each stored in
 * the Firestore emulator by record-results (chunks and their outcome maps, as the test job
 * stores them), then the analyze step (the production wiring, shared/composition.ts) in a
 * process of its own whose peak RSS is read. The second cycle renames its last 100 tests, so
 * the analysis also reads the previous cycle's cases again to name the removed ones.
 */
export async function measureAnalysisMemory(sizes: number[], emulators: Emulators, say: (l: string) => void = () => {}): Promise<AnalysisMemoryRow[]> {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const peakRss = pathToFileURL(path.join(here, 'peak-rss.js')).href;
  const projectId = `demo-bench-analysis-${randomUUID().slice(0, 8)}`;
  const clients = createClients({ projectId, emulators });
  const { store, pubsub } = clients;
  const rows: AnalysisMemoryRow[] = [];
  try {
    await ensureTopology(pubsub, { endpoints: {} });
    for (const n of sizes) {
      const loopId = `bench-analysis-${n}`;
      say(`analysis memory: storing two cycles of ${n} tests through record-results`);
      await putLoop(store, loopId);
      await recordCycle(store, loopId, 1, n, 0, false);
      await store.transact({ loopId, cycle: 1 }, () => ({ writes: { cycles: [{ n: 1, data: { phase: 'done', phaseAt: { done: new Date().toISOString() } } }] }, result: null }));
      const message = await recordCycle(store, loopId, 2, n, 37, true);
      say(`analysis memory: analyze step on ${n} tests, in its own process`);
      const { code, stdout, stderr } = await run(process.execPath, ['--import', peakRss, path.join(here, 'analysis-child.js')], {
        ...process.env,
        ...emulators.env,
        GOOGLE_CLOUD_PROJECT: projectId,
        TDL_BENCH_MESSAGE: JSON.stringify(message),
      });
      const cycle = await store.getCycle(loopId, 2);
      const analysis = cycle?.analysis as { counts?: { tests: number; failing: number }; diff?: { counts: { removed: number } } } | undefined;
      if (code !== 0 || cycle?.phase !== 'reporting' || analysis?.counts?.tests !== n || analysis.diff?.counts.removed !== RENAMED) {
        throw new Error(`analyze on ${n} tests: exit ${code}, cycle ${cycle?.phase}, ${analysis?.counts?.tests} tests analyzed, ${analysis?.diff?.counts.removed} removed (expected ${n}, ${RENAMED})\n${stdout}\n${stderr.slice(-2000)}`);
      }
      const { seconds } = JSON.parse(stdout.trim().split('\n').at(-1)!) as { seconds: number };
      const peak = Number(/peak-rss-mb ([\d.]+)\s*$/.exec(stderr)?.[1]);
      rows.push({ tests: n, seconds: round(seconds), peakRssMb: round(peak), removed: analysis.diff.counts.removed, failing: analysis.counts.failing });
      say(`analysis memory: ${n} tests, ${rows.at(-1)!.seconds} s, ${rows.at(-1)!.peakRssMb} MB peak`);
      // The emulator holds everything in memory: the next size starts without this one.
      for (const k of [1, 2]) await store.dropResults(loopId, k, { except: '' });
    }
  } finally {
    await clients.close();
  }
  return rows;
}

async function putLoop(store: FirestoreLoopStore, loopId: string): Promise<void> {
  const config = StoredConfig.parse({ branch: 'main', criteria: Criteria.parse({}), guards: Guards.parse({}), deadlines: Deadlines.parse({}), classification: { rules: [] }, services: [] });
  await store.putLoop({ ...newLoop(loopId, config, new Date().toISOString()), currentCycle: 1 }, { reset: true });
}

/** Cycle k of the loop through testing and record-results, as the test job runs it; returns its tests-finished. */
async function recordCycle(store: FirestoreLoopStore, loopId: string, k: number, n: number, shift: number, renameLast: boolean): Promise<TestsFinished> {
  const jobId = `${loopId}-c${k}`;
  const now = new Date().toISOString();
  await store.transact({ loopId, cycle: k }, () => ({
    writes: { loop: { currentCycle: k }, cycles: [{ n: k, data: { loopId, n: k, phase: 'testing', commit: String(k).repeat(40), testJob: { jobId }, phaseAt: { testing: now } } }] },
    result: null,
  }));
  const totals = totalsOf(n, shift);
  const publisher = { publish: async () => 'bench' };
  const outcome = await createRecordResults({ store, publisher, clock: systemClock, log: silentLogger })({
    loopId,
    cycle: k,
    jobId,
    run: { cases: cycleCases(n, shift, renameLast), totals, suites: [], files: [], rejected: [] },
    exitCode: 1,
    crashed: false,
    commandStartedAt: now,
    commandFinishedAt: now,
  });
  const cycle = await store.getCycle(loopId, k);
  if (outcome.kind !== 'done' || cycle?.phase !== 'analyzing') throw new Error(`record-results on cycle ${k} of ${n} tests: ${outcome.detail}`);
  return { loopId, cycle: k, jobId, exitCode: 1, crashed: false, totals, rejected: [], resultChunks: cycle.resultChunks, startedAt: now, finishedAt: now };
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString('utf8')).slice(-20_000)));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
