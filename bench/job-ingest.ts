import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createClients } from '../shared/adapters/clients.js';
import type { FirestoreLoopStore } from '../shared/adapters/firestore/loop-store.js';
import type { Emulators } from '../shared/local/emulators.js';
import { ensureTopology } from '../shared/local/topology-setup.js';
import { packageRoot } from '../shared/local/function-hosts.js';
import { newLoop, StoredConfig } from '../shared/domain/model.js';
import { Criteria, Deadlines, Guards } from '../shared/config/loop-config.js';
import { generatePytestJUnit } from './ingest.js';
import { round } from './stats.js';

export interface JobIngestRow {
  /** Node's heap flags: V8's defaults, or the image's NODE_OPTIONS (a heap held to what a 128 MB job can afford). */
  heap: string;
  cases: number;
  mb: number;
  seconds: number;
  chunks: number;
  peakRssMb: number;
}

/**
 * The heap flags the job's image sets (infra/test-job/Dockerfile, ENV NODE_OPTIONS), read from
 * that file so the figure is the image's, not flags typed into the bench: V8's defaults let the
 * heap grow far past what is alive.
 */
export function imageNodeOptions(dockerfile = path.join(packageRoot(), 'infra', 'test-job', 'Dockerfile')): string {
  const m = /^ENV\s+NODE_OPTIONS="([^"]*)"/m.exec(readFileSync(dockerfile, 'utf8'));
  if (!m) throw new Error(`${dockerfile}: no ENV NODE_OPTIONS="..." line: the job's heap flags are not set by its image`);
  return m[1]!;
}

/**
 * The test job's whole path, as the Cloud Run Job runs it: `tdl job` in its own process (its
 * peak RSS is the job's) with a suite that only touches a generated result file, against the
 * emulators, for a cycle seeded in testing; with V8's heap defaults and with the image's NODE_OPTIONS.
 */
export async function measureJobIngest(
  sizes: number[],
  emulators: Emulators,
  say: (l: string) => void = () => {},
  heaps: ReadonlyArray<readonly [string, string]> = [['default', ''], ['image', imageNodeOptions()]],
): Promise<JobIngestRow[]> {
  const peakRss = pathToFileURL(path.join(path.dirname(fileURLToPath(import.meta.url)), 'peak-rss.js')).href;
  const tdl = path.join(packageRoot(), 'bin', 'tdl.js');
  const projectId = `demo-bench-job-${randomUUID().slice(0, 8)}`;
  const clients = createClients({ projectId, emulators });
  const { store, pubsub } = clients;
  const dir = await mkdtemp(path.join(tmpdir(), 'tdl-job-bench-'));
  const rows: JobIngestRow[] = [];
  try {
    await ensureTopology(pubsub, { endpoints: {} });
    for (const n of sizes) {
      const name = `pytest-${n}.xml`;
      await generatePytestJUnit(path.join(dir, name), n);
      const mb = (await stat(path.join(dir, name))).size / 1e6;
      say(`job ingest: ${n} cases, ${mb.toFixed(1)} MB, tdl job to the emulators`);
      for (const [heap, nodeOptions] of heaps) {
        const loopId = `bench-job-${n}-${heap}`;
        const jobId = `${loopId}-c1`;
        await seedTestingCycle(store, loopId, jobId);
        const started = performance.now();
        // As in the image: the flags come through NODE_OPTIONS, which the job itself reads at start.
        const { code, stderr } = await run(process.execPath, ['--import', peakRss, tdl, 'job', '--results', name, '--', 'touch', name], {
          cwd: dir,
          env: { ...process.env, ...emulators.env, NODE_OPTIONS: nodeOptions, TDL_SUITE_NODE_OPTIONS: '', GOOGLE_CLOUD_PROJECT: projectId, TDL_LOOP_ID: loopId, TDL_CYCLE: '1', TDL_JOB_ID: jobId },
        });
        const seconds = (performance.now() - started) / 1000;
        const cycle = await store.getCycle(loopId, 1);
        if (code !== 1 || cycle?.totals?.tests !== n) throw new Error(`tdl job (${heap} heap) on ${name}: exit ${code}, ${cycle?.totals?.tests ?? 0} tests stored, expected ${n}\n${stderr.slice(-2000)}`);
        const peak = Number(/peak-rss-mb ([\d.]+)\s*$/.exec(stderr)?.[1]);
        rows.push({ heap: nodeOptions ? `image: ${nodeOptions}` : 'V8 defaults', cases: n, mb: round(mb), seconds: round(seconds), chunks: cycle.resultChunks, peakRssMb: round(peak) });
        say(`job ingest (${heap} heap): ${rows.at(-1)!.seconds} s, ${rows.at(-1)!.peakRssMb} MB peak, ${cycle.resultChunks} chunks`);
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
    await clients.close();
  }
  return rows;
}

async function seedTestingCycle(store: FirestoreLoopStore, loopId: string, jobId: string): Promise<void> {
  const now = new Date().toISOString();
  const config = StoredConfig.parse({
    branch: 'main',
    criteria: Criteria.parse({}),
    guards: Guards.parse({}),
    deadlines: Deadlines.parse({}),
    classification: { rules: [] },
    services: [{ name: 'api', critical: true, healthPath: '/healthz' }],
  });
  await store.putLoop({ ...newLoop(loopId, config, now), currentCycle: 1 }, { reset: true });
  await store.transact({ loopId, cycle: 1 }, () => ({
    writes: { cycles: [{ n: 1, data: { loopId, n: 1, phase: 'testing', testJob: { jobId }, phaseAt: { testing: now } } }] },
    result: null,
  }));
}

/** Runs a process to its end; its output is kept (stdout only counted: the job logs each line). */
function run(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}
