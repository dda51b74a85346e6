import type { PubSub } from '@google-cloud/pubsub';
import type { FirestoreLoopStore } from '../adapters/firestore/loop-store.js';
import type { PubSubPublisher } from '../adapters/pubsub/pubsub-publisher.js';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { LoadedLoopConfig } from '../config/loop-config.js';
import { storedConfig } from '../config/loop-config.js';
import { DeployRequested, LoopEvent } from '../chain/messages.js';
import type { LoopStore } from '../ports/loop-store.js';
import { isLoopEnded, type CycleDoc, type LoopDoc } from '../domain/model.js';
import { renderLoopReport } from '../report/markdown.js';
import { FUNCTIONS, TOPICS } from '../chain/topology.js';
import { LocalEnvironment } from './environment.js';
import { LocalDeployer } from './deployer.js';
import { LocalJobServer } from './job-server.js';
import { runCommand } from '../process/commands.js';
import { FakeGitHub, type FakeIssue, type FakeStatus } from './fake-github.js';
import { planNotifications } from '../chain/notify/plan.js';

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
  /** Start a fake GitHub and point notify at it (TDL_GITHUB_API_URL), with a token of its own. */
  fakeGitHub?: boolean;
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
  /** What the fake GitHub received, with --fake-github. */
  github?: { statuses: FakeStatus[]; issues: Array<Omit<FakeIssue, 'body'>> };
}

/**
 * `tdl local`: the whole chain on one machine. The environment (emulators, the topology, one
 * functions-framework server per function), the local deployer, job endpoint and fix hook;
 * runs one loop to its end and stops every process it started.
 */
export async function runLocalLoop(options: LocalRunOptions): Promise<LocalRunResult> {
  const { loaded, say } = options;
  const { config } = loaded;
  const environment = await LocalEnvironment.start({ projectId: options.projectId ?? LOCAL_PROJECT, log: say });
  try {
    // What the services print is captured here by the deployer and read by the analyze function.
    const serviceLogs = await mkdtemp(path.join(tmpdir(), 'tdl-service-logs-'));
    environment.defer(() => rm(serviceLogs, { recursive: true, force: true }));
    environment.sharedEnv.TDL_LOCAL_SERVICE_LOGS = serviceLogs;
    const github = options.fakeGitHub ? await startFakeGitHub(config, environment, say) : undefined;
    await startChain(environment, options);
    await environment.putLoop(config.loopId, { branch: config.branch, ...storedConfig(config) });
    if (config.setup) await runSetup(loaded, say);

    if (options.serve) {
      const served = await options.serve({ projectId: environment.projectId, pubsub: environment.pubsub, store: environment.store, publisher: environment.publisher });
      environment.defer(() => served.close());
      say(`dashboard at ${served.url} (open it to follow the loop live)`);
    }
    const deployer = new LocalDeployer(loaded, environment.publisher, say, serviceLogs);
    environment.defer(() => deployer.stopAll());
    let deploying: Promise<unknown> = Promise.resolve();
    const serially = (what: () => Promise<unknown>) => {
      deploying = deploying.then(what).catch((e: Error) => say(`deploy failed: ${e.message}`));
      return deploying;
    };
    consumeDeployRequests(environment, config.loopId, deployer, serially, say);
    const { end } = await followLoop(environment, loaded, deployer, serially, options);

    say(`loop ${config.loopId}: first deployment of ${config.branch}`);
    await serially(() => deployer.deploy({ trigger: 'push', reason: `tdl local: first deployment of ${config.branch}` }));
    const stopReason = await end;
    if (stopReason) say(stopReason);

    const loop = await waitForLoopReport(environment.store, config.loopId);
    await waitForNotifications(environment.store, loop);
    const cycles = await environment.store.listCycles(config.loopId);
    const reportPath = await writeReports(options.reportDir, loop, cycles);
    const result: LocalRunResult = {
      loopId: config.loopId,
      status: loop.status,
      cycles: cycles.filter((c) => c.phase === 'done').map(summarizeCycle),
      report: reportPath,
      reportText: loop.report ?? renderLoopReport(loop, cycles),
      ...(github ? { github: { statuses: github.statuses, issues: github.issues.map(({ body: _body, ...i }) => i) } } : {}),
    };
    await options.onEnded?.(result);
    return result;
  } finally {
    await environment.stop();
  }
}

/** The fake GitHub, and the variables that point notify at it: its URL and its token under the config's name. */
async function startFakeGitHub(config: LoadedLoopConfig['config'], environment: LocalEnvironment, say: (line: string) => void): Promise<FakeGitHub | undefined> {
  const gh = config.notify.github;
  if (!gh?.token.env) {
    say('--fake-github: the loop config has no notify.github with a token "env": nothing will be posted');
    return undefined;
  }
  const fake = new FakeGitHub(say);
  const url = await fake.start();
  Object.assign(environment.sharedEnv, { TDL_GITHUB_API_URL: url, [gh.token.env]: fake.token });
  environment.defer(() => fake.stop());
  say(`github: a fake GitHub API at ${url} stands in for ${gh.repository}`);
  return fake;
}

/**
 * notify tells the sinks after the verdict that ended the loop: wait (a while) until what it
 * plans for that verdict is recorded on the cycle, so nothing is cut off when the servers stop.
 */
async function waitForNotifications(store: LoopStore, loop: LoopDoc): Promise<void> {
  const n = loop.currentCycle;
  for (let i = 0; i < 150 && n > 0; i++) {
    const cycle = await store.getCycle(loop.loopId, n);
    if (!cycle?.verdict) return;
    const plan = planNotifications({ loopId: loop.loopId, cycle: n, type: 'verdict', verdict: cycle.verdict, at: loop.updatedAt }, loop, cycle);
    if (!plan || plan.sends.every((s) => cycle.notifications[s.id])) return;
    await sleep(100);
  }
}

/** The job endpoint that runs `tdl job`, then the function servers and the topology. */
async function startChain(environment: LocalEnvironment, options: LocalRunOptions): Promise<void> {
  const { say } = options;
  const jobs = new LocalJobServer(options.loaded, environment.childEnv, (jobId, line) => {
    if (options.verbose || !line.startsWith('  | ')) say(line.startsWith('job ') ? line : `${jobId} ${line}`);
  });
  const jobsUrl = await jobs.start();
  environment.defer(() => jobs.stop());
  say(`functions: starting ${Object.values(FUNCTIONS).join(', ')} on functions-framework`);
  await environment.startFunctions({
    jobsUrl,
    onOutput: (name, line) => {
      if (/"severity":"(WARNING|ERROR)"/.test(line) || !line.startsWith('{')) say(`${name}: ${line}`);
    },
  });
  say(`topology: topics and push subscriptions created on the emulator (project ${environment.projectId})`);
}

async function runSetup(loaded: LoadedLoopConfig, say: (line: string) => void): Promise<void> {
  const setup = loaded.config.setup!;
  say(`setup: ${setup.command.join(' ')}`);
  const r = await runCommand('setup', setup.command, {
    cwd: path.dirname(loaded.file),
    env: setup.env,
    timeoutSeconds: setup.timeoutSeconds,
    onLine: (l) => say(`setup: ${l}`),
  });
  if (r.exitCode !== 0) throw new Error(`setup command exited ${r.exitCode ?? r.signal}`);
}

/** The local deployer consumes deploy-requested, as Cloud Build's Pub/Sub trigger does in the cloud. */
function consumeDeployRequests(
  environment: LocalEnvironment,
  loopId: string,
  deployer: LocalDeployer,
  serially: (what: () => Promise<unknown>) => Promise<unknown>,
  say: (line: string) => void,
): void {
  const handled = new Set<string>();
  environment.consume(environment.pubsub.subscription('local-deployer'), (data, m) => {
    const parsed = DeployRequested.safeParse(data);
    // The loop's own requests are told apart by cycle; re-runs by hand by message.
    const key = parsed.success ? String(parsed.data.cycle ?? m.id) : '';
    if (!parsed.success || parsed.data.loopId !== loopId || handled.has(key)) return;
    handled.add(key);
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
}

/**
 * Our own view of the loop: progress for the person from loop-events, the fix hook, the
 * watchdog tick that Cloud Scheduler sends in the cloud, and the end (the loop document is the
 * truth under the events). `end` resolves when the loop ended, with why tdl local stopped otherwise.
 */
async function followLoop(
  environment: LocalEnvironment,
  loaded: LoadedLoopConfig,
  deployer: LocalDeployer,
  serially: (what: () => Promise<unknown>) => Promise<unknown>,
  options: LocalRunOptions,
): Promise<{ end: Promise<string | undefined> }> {
  const { config } = loaded;
  const { say } = options;
  let ended!: (stopReason?: string) => void;
  const end = new Promise<string | undefined>((r) => (ended = r));
  const fixed = new Set<number>();
  await environment.subscribe(TOPICS.loopEvents, (data) => {
    const parsed = LoopEvent.safeParse(data);
    if (!parsed.success || parsed.data.loopId !== config.loopId) return;
    const e = parsed.data;
    say(describeEvent(e));
    if (e.type === 'loop-ended') ended();
    if (e.type === 'fix-requested' && e.cycle !== undefined && !fixed.has(e.cycle)) {
      fixed.add(e.cycle);
      void serially(async () => {
        const failed = await runFix(loaded, say);
        if (failed) ended(failed);
        else await deployer.deploy({ trigger: 'fix', reason: 'fix pushed by the fix command' });
      });
    }
  });
  const every = (ms: number, what: () => Promise<unknown>) => {
    const timer = setInterval(() => void what().catch(() => undefined), ms);
    environment.defer(async () => clearInterval(timer));
  };
  every(options.watchdogIntervalMs ?? 5000, () => environment.publisher.publish('watchdog-tick', { at: new Date().toISOString() }));
  every(2000, async () => {
    const l = await environment.store.getLoop(config.loopId);
    if (l && isLoopEnded(l.status)) ended();
  });
  const budget = setTimeout(() => ended(`tdl local stopped waiting after the loop's time budget (${config.guards.maxDurationMinutes} min)`), config.guards.maxDurationMinutes * 60_000);
  environment.defer(async () => clearTimeout(budget));
  // Wrapped: an async function returning the promise itself would wait for it.
  return { end };
}

/** The fix command, standing in for the person who pushes a fix; says why the loop cannot go on when it cannot. */
async function runFix(loaded: LoadedLoopConfig, say: (line: string) => void): Promise<string | undefined> {
  const fix = loaded.config.fix;
  if (!fix) return 'the loop awaits a fix and the config has no fix command: push a fix, then `tdl rerun`';
  say(`fix: running ${fix.command.join(' ')}`);
  const r = await runCommand('fix', fix.command, {
    cwd: loaded.workdir,
    env: fix.env,
    timeoutSeconds: fix.timeoutSeconds,
    onLine: (l) => say(`fix: ${l}`),
  });
  return r.exitCode === 0 ? undefined : `the fix command exited ${r.exitCode ?? r.signal}: the loop stays awaiting a fix`;
}

async function waitForLoopReport(store: LoopStore, loopId: string): Promise<LoopDoc> {
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

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
