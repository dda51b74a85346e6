import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PubSub, type Message, type Subscription } from '@google-cloud/pubsub';
import type { LoadedLoopConfig } from '../config/loop-config.js';
import { storedConfig } from '../config/loop-config.js';
import { DeployRequested, LoopEvent } from '../chain/messages.js';
import { createFirestore, FirestoreLoopStore } from '../adapters/firestore/loop-store.js';
import { PubSubPublisher } from '../adapters/pubsub/pubsub-publisher.js';
import { isLoopEnded, newLoop, type CycleDoc, type LoopDoc } from '../domain/model.js';
import { renderLoopReport } from '../report/markdown.js';
import { FUNCTIONS } from '../chain/topology.js';
import { startEmulators, type Emulators } from './emulators.js';
import { startFunctionHosts, type FunctionHost } from './function-hosts.js';
import { detachPushSubscriptions, ensureTopology } from './topology-setup.js';
import { LocalDeployer } from './deployer.js';
import { LocalJobServer } from './job-server.js';
import { runCommand } from '../process/commands.js';

export const LOCAL_PROJECT = 'demo-tdl';

export interface LocalRunOptions {
  loaded: LoadedLoopConfig;
  /** Where cycle and loop reports are written. */
  reportDir: string;
  say: (line: string) => void;
  /** Show every line the suite prints. */
  verbose?: boolean;
  projectId?: string;
  watchdogIntervalMs?: number;
  /** Started once the topology exists (tdl local: the dashboard); closed with everything else. */
  serve?: (world: LocalWorld) => Promise<{ url: string; close(): Promise<void> }>;
  /** Awaited when the loop has ended and its reports are written, before anything stops (tdl local --keep). */
  onEnded?: (result: LocalRunResult) => Promise<void>;
}

export interface LocalWorld {
  projectId: string;
  pubsub: PubSub;
  store: FirestoreLoopStore;
  publisher: PubSubPublisher;
}

export interface CycleSummary {
  n: number;
  commit: string;
  total: number;
  passed: number;
  failed: number;
  skipped: number;
  passRate: number | null;
  verdict: string;
  overheadMs: number | null;
}

export interface LocalRunResult {
  loopId: string;
  status: LoopDoc['status'];
  cycles: CycleSummary[];
  report: string;
  reportText: string;
}

/**
 * `tdl local`: the whole chain on one machine. Emulators, the topology, one
 * functions-framework server per function, the local deployer, job endpoint and fix hook;
 * runs one loop to its end and stops every process it started.
 */
export async function runLocalLoop(options: LocalRunOptions): Promise<LocalRunResult> {
  const { loaded, say } = options;
  const { config } = loaded;
  const projectId = options.projectId ?? LOCAL_PROJECT;
  const cleanup: Array<() => Promise<void>> = [];
  const runCleanup = async () => {
    for (const step of cleanup.reverse()) await step().catch((e: Error) => say(`cleanup: ${e.message}`));
    cleanup.length = 0;
  };
  try {
    const emulators: Emulators = await startEmulators({ log: (l) => say(`emulators: ${l}`) });
    cleanup.push(() => emulators.stop());
    Object.assign(process.env, emulators.env, { GOOGLE_CLOUD_PROJECT: projectId });

    const pubsub = new PubSub({ projectId });
    const firestore = createFirestore({ projectId });
    const store = new FirestoreLoopStore(firestore);
    const publisher = new PubSubPublisher(pubsub);
    cleanup.push(async () => {
      await publisher.close();
      await firestore.terminate();
    });

    const childEnv = { ...emulators.env, GOOGLE_CLOUD_PROJECT: projectId };
    const jobs = new LocalJobServer(loaded, childEnv, (jobId, line) => {
      if (options.verbose || !line.startsWith('  | ')) say(line.startsWith('job ') ? line : `${jobId} ${line}`);
    });
    const jobsUrl = await jobs.start();
    cleanup.push(() => jobs.stop());

    say(`functions: starting ${Object.values(FUNCTIONS).join(', ')} on functions-framework`);
    const hosts: FunctionHost[] = await startFunctionHosts({
      env: { ...childEnv, TDL_LOCAL_JOBS_URL: jobsUrl },
      onOutput: (name, line) => {
        if (/"severity":"(WARNING|ERROR)"/.test(line) || !line.startsWith('{')) say(`${name}: ${line}`);
      },
    });
    cleanup.push(async () => {
      await Promise.all(hosts.map((h) => h.stop()));
    });
    await ensureTopology(pubsub, { endpoints: Object.fromEntries(hosts.map((h) => [h.name, h.url])) });
    // On emulators that outlive this run, leave no push subscription to a stopped server.
    if (!emulators.owned) cleanup.push(() => detachPushSubscriptions(pubsub));
    say(`topology: topics and push subscriptions created on the emulator (project ${projectId})`);
    if (options.serve) {
      const served = await options.serve({ projectId, pubsub, store, publisher });
      cleanup.push(() => served.close());
      say(`dashboard at ${served.url} (open it to follow the loop live)`);
    }

    const now = new Date().toISOString();
    await store.putLoop(newLoop(config.loopId, { branch: config.branch, ...storedConfig(config) }, now), { reset: true });

    if (config.setup) {
      say(`setup: ${config.setup.command.join(' ')}`);
      const r = await runCommand('setup', config.setup.command, {
        cwd: path.dirname(loaded.file),
        env: config.setup.env,
        timeoutSeconds: config.setup.timeoutSeconds,
        onLine: (l) => say(`setup: ${l}`),
      });
      if (r.exitCode !== 0) throw new Error(`setup command exited ${r.exitCode ?? r.signal}`);
    }

    const deployer = new LocalDeployer(loaded, publisher, say);
    cleanup.push(() => deployer.stopAll());
    let deploying: Promise<unknown> = Promise.resolve();
    const serially = (what: () => Promise<unknown>) => {
      deploying = deploying.then(what).catch((e: Error) => say(`deploy failed: ${e.message}`));
      return deploying;
    };

    // The local deployer consumes deploy-requested, as Cloud Build's Pub/Sub trigger does in the cloud.
    const handledDeploys = new Set<string>();
    const deploySub = pubsub.subscription('local-deployer');
    deploySub.on('message', (m: Message) => {
      const parsed = DeployRequested.safeParse(safeJson(m.data));
      m.ack();
      // The loop's own requests are told apart by cycle; re-runs by hand by message.
      const key = parsed.success ? String(parsed.data.cycle ?? m.id) : '';
      if (!parsed.success || parsed.data.loopId !== config.loopId || handledDeploys.has(key)) return;
      handledDeploys.add(key);
      const req = parsed.data;
      void serially(async () => {
        const wait = req.notBefore ? Date.parse(req.notBefore) - Date.now() : 0;
        if (wait > 0) {
          say(`deploy: cycle ${req.cycle ?? 'next'} redeploy waits ${Math.ceil(wait / 1000)} s (backoff)`);
          await sleep(wait);
        }
        await deployer.deploy({ trigger: req.trigger, cycle: req.cycle, reason: req.reason });
      });
    });
    cleanup.push(() => closeSubscription(deploySub));

    // Our own view of loop-events: progress for the person, the fix hook, and the end.
    const [eventsSub] = await pubsub.topic('loop-events').createSubscription(`local-runtime-${process.pid}-${Date.now()}`, {
      ackDeadlineSeconds: 30,
    });
    cleanup.push(async () => {
      await closeSubscription(eventsSub);
      await eventsSub.delete().catch(() => undefined);
    });
    const fixed = new Set<number>();
    let ended: (() => void) | undefined;
    const endedPromise = new Promise<void>((r) => (ended = r));
    let stopReason: string | undefined;
    eventsSub.on('message', (m: Message) => {
      m.ack();
      const parsed = LoopEvent.safeParse(safeJson(m.data));
      if (!parsed.success || parsed.data.loopId !== config.loopId) return;
      const e = parsed.data;
      say(describeEvent(e));
      if (e.type === 'loop-ended') ended?.();
      if (e.type === 'fix-requested' && e.cycle !== undefined && !fixed.has(e.cycle)) {
        fixed.add(e.cycle);
        void serially(async () => {
          if (!config.fix) {
            stopReason = 'the loop awaits a fix and the config has no fix command: push a fix, then `tdl rerun`';
            ended?.();
            return;
          }
          say(`fix: running ${config.fix.command.join(' ')}`);
          const r = await runCommand('fix', config.fix.command, {
            cwd: loaded.workdir,
            env: config.fix.env,
            timeoutSeconds: config.fix.timeoutSeconds,
            onLine: (l) => say(`fix: ${l}`),
          });
          if (r.exitCode !== 0) {
            stopReason = `the fix command exited ${r.exitCode ?? r.signal}: the loop stays awaiting a fix`;
            ended?.();
            return;
          }
          await deployer.deploy({ trigger: 'fix', reason: 'fix pushed by the fix command' });
        });
      }
    });

    // The watchdog tick that Cloud Scheduler sends in the cloud.
    const tick = setInterval(() => {
      void publisher.publish('watchdog-tick', { at: new Date().toISOString() }).catch(() => undefined);
    }, options.watchdogIntervalMs ?? 5000);
    cleanup.push(async () => clearInterval(tick));

    // A safety net under the events: the loop document is the truth.
    const poll = setInterval(() => {
      void store.getLoop(config.loopId).then((l) => {
        if (l && isLoopEnded(l.status)) ended?.();
      });
    }, 2000);
    cleanup.push(async () => clearInterval(poll));

    say(`loop ${config.loopId}: first deployment of ${config.branch}`);
    await serially(() => deployer.deploy({ trigger: 'push', reason: `tdl local: first deployment of ${config.branch}` }));
    const budget = setTimeout(() => {
      stopReason = `tdl local stopped waiting after the loop's time budget (${config.guards.maxDurationMinutes} min)`;
      ended?.();
    }, config.guards.maxDurationMinutes * 60_000);
    await endedPromise;
    clearTimeout(budget);
    if (stopReason) say(stopReason);

    const loop = await waitForLoopReport(store, config.loopId);
    const cycles = await store.listCycles(config.loopId);
    const reportPath = await writeReports(options.reportDir, loop, cycles);
    const result: LocalRunResult = {
      loopId: config.loopId,
      status: loop.status,
      cycles: cycles.filter((c) => c.phase === 'done').map(summarizeCycle),
      report: reportPath,
      reportText: loop.report ?? renderLoopReport(loop, cycles),
    };
    await options.onEnded?.(result);
    return result;
  } finally {
    await runCleanup();
  }
}

async function waitForLoopReport(store: FirestoreLoopStore, loopId: string): Promise<LoopDoc> {
  // The report step stores the loop report just after the verdict that ended the loop.
  for (let i = 0; i < 50; i++) {
    const loop = await store.getLoop(loopId);
    if (loop && (loop.report || !isLoopEnded(loop.status))) return loop;
    await sleep(100);
  }
  const loop = await store.getLoop(loopId);
  if (!loop) throw new Error(`loop ${loopId} vanished from Firestore`);
  return loop;
}

async function writeReports(dir: string, loop: LoopDoc, cycles: CycleDoc[]): Promise<string> {
  const folder = path.resolve(dir, loop.loopId);
  await mkdir(folder, { recursive: true });
  for (const c of cycles) {
    if (c.report) await writeFile(path.join(folder, `cycle-${c.n}.md`), c.report);
  }
  const file = path.join(folder, 'loop.md');
  await writeFile(file, loop.report ?? renderLoopReport(loop, cycles));
  return file;
}

function summarizeCycle(c: CycleDoc): CycleSummary {
  const t = c.totals;
  return {
    n: c.n,
    commit: c.commit ?? '',
    total: t?.tests ?? 0,
    passed: t?.passed ?? 0,
    failed: (t?.failed ?? 0) + (t?.errors ?? 0),
    skipped: t?.skipped ?? 0,
    passRate: c.passRate ?? null,
    verdict: c.verdict ?? c.phase,
    overheadMs: c.overheadMs ?? null,
  };
}

function describeEvent(e: LoopEvent): string {
  const where = e.cycle !== undefined ? `cycle ${e.cycle}` : 'loop';
  switch (e.type) {
    case 'phase-changed':
      return `${where}: ${e.phase}: ${e.detail ?? ''}`;
    case 'verdict':
      return `${where}: verdict ${e.verdict}: ${e.detail ?? ''}`;
    case 'fix-requested':
      return `${where}: fix requested: ${e.detail ?? ''}`;
    case 'loop-ended':
      return `loop ended ${e.status}: ${e.detail ?? ''}`;
    default:
      return `${where}: ${e.type}: ${e.detail ?? ''}`;
  }
}

function safeJson(data: Buffer): unknown {
  try {
    return JSON.parse(data.toString('utf8'));
  } catch {
    return null;
  }
}

async function closeSubscription(sub: Subscription): Promise<void> {
  sub.removeAllListeners('message');
  await sub.close().catch(() => undefined);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
