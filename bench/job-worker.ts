import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { createFirestore, FirestoreLoopStore } from '../shared/adapters/firestore/loop-store.js';
import { createRecordResults } from '../shared/loop/steps/record-results.js';
import { runJob } from '../shared/job/run-job.js';
import { silentLogger } from '../shared/logger.js';
import { systemClock, type Publisher } from '../shared/ports.js';
import { newLoop, StoredConfig } from '../shared/loop/model.js';
import { Criteria, Deadlines, Guards } from '../shared/config/loop-config.js';

/**
 * The test job's whole path from a result file to Firestore, in a fresh process so its peak
 * memory is the job's: `node job-worker.js FILE` (emulator hosts in the environment) seeds a
 * cycle in testing, runs `tdl job`'s runJob with a suite that only touches FILE, and prints
 * {"ms","tests","chunks","peakRssMb"}. Messages go nowhere: publishing is not what is measured.
 */
async function main(): Promise<void> {
  const [file] = process.argv.slice(2);
  if (!file) throw new Error('usage: job-worker FILE');
  const projectId = `demo-bench-job-${randomUUID().slice(0, 8)}`;
  const firestore = createFirestore({ projectId });
  const store = new FirestoreLoopStore(firestore);
  const publisher: Publisher = { publish: async () => 'not-published' };
  const loopId = 'bench-job';
  const jobId = `${loopId}-c1`;
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

  const started = performance.now();
  const { exitCode } = await runJob({
    loopId,
    cycle: 1,
    jobId,
    command: ['touch', path.basename(file)],
    cwd: path.dirname(file),
    env: {},
    resultGlobs: [path.basename(file)],
    timeoutSeconds: 600,
    say: () => {},
    record: createRecordResults({ store, publisher, clock: systemClock, log: silentLogger }),
  });
  const ms = performance.now() - started;
  const cycle = await store.getCycle(loopId, 1);
  if (exitCode === 4 || cycle?.phase !== 'analyzing') throw new Error(`the job did not record its results: exit ${exitCode}, cycle ${cycle?.phase}`);
  await firestore.terminate();
  process.stdout.write(JSON.stringify({ ms, tests: cycle.totals?.tests ?? 0, chunks: cycle.resultChunks, peakRssMb: process.resourceUsage().maxRSS / 1024 }));
}

main().catch((error) => {
  process.stderr.write(String((error as Error).stack ?? error));
  process.exit(1);
});
