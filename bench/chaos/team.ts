import { createServer, type Server } from 'node:http';
import type { World } from './world.js';
import { suitesOf, totalsOf } from '../../shared/results/ingest.js';
import type { TestCase, TestRun } from '../../shared/results/model.js';
import type { DeployFinished } from '../../shared/chain/messages.js';
import { retryTransient } from '../../shared/kernel/retry.js';
import { isTransientFault } from '../../shared/composition.js';

/** What the k-th deployment of a loop brings: its readiness and what its suite reports. */
export type Outcome = 'red' | 'green' | 'not-ready' | 'silent';

export interface TeamOptions {
  /** Outcome of the loop's k-th deployment (1-based). */
  script: (loopId: string, k: number) => Outcome;
  jobDelayMs?: [number, number];
  /** Publish every deployment a second time, later, as a deployer retry would. */
  echoDeployments?: boolean;
  /** Test output for red results, e.g. with secrets or markup in it. */
  failure?: Partial<TestCase>;
}

/**
 * The scenario's "team": deploys when asked (publishing deploy-finished), pushes a fix when
 * the loop asks for one, and plays the test job, storing results as `tdl job` does. It acts
 * once per fact, so whatever doubles is the loop's doing.
 */
export class Team {
  private deployments = new Map<string, number>();
  private acted = new Set<string>();
  readonly published: Array<{ loopId: string; buildId: string; opensCycle: boolean }> = [];
  private health?: Server;
  serviceUrl = '';
  private timers = new Set<NodeJS.Timeout>();
  private acting = new Set<Promise<unknown>>();
  private stopped = false;

  constructor(
    private readonly world: World,
    private readonly options: TeamOptions,
  ) {}

  async start(): Promise<void> {
    this.health = createServer((_req, res) => res.end('{"status":"ok"}'));
    await new Promise<void>((r) => this.health!.listen(0, '127.0.0.1', r));
    const address = this.health.address();
    this.serviceUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    this.world.onLaunch = (req) => {
      if (this.once(`launch:${req.jobId}`)) this.runJob(req.loopId, req.cycle, req.jobId);
    };
    this.world.onDeployRequested = (r) => {
      if (r.cycle !== undefined && this.once(`deploy:${r.loopId}:${r.cycle}`)) void this.deploy(r.loopId, 'redeploy', r.cycle);
    };
    this.world.onEvent = (e) => {
      if (e.type === 'fix-requested' && e.cycle !== undefined && this.once(`fix:${e.loopId}:${e.cycle}`)) void this.deploy(e.loopId, 'fix');
    };
  }

  private once(key: string): boolean {
    if (this.acted.has(key)) return false;
    this.acted.add(key);
    return true;
  }

  /** A deployment of the loop's next commit (push, fix) or of the same one for a cycle (redeploy). */
  async deploy(loopId: string, trigger: DeployFinished['trigger'], cycle?: number): Promise<string> {
    const k = (this.deployments.get(loopId) ?? 0) + 1;
    this.deployments.set(loopId, k);
    const outcome = this.options.script(loopId, k);
    const message: DeployFinished = {
      loopId,
      cycle,
      trigger,
      branch: 'main',
      commit: `${loopId}-commit-${trigger === 'redeploy' ? k - 1 : k}`.replace(/[^a-z0-9-]/g, '').slice(0, 64),
      buildId: `${loopId}-build-${k}`,
      services: [
        outcome === 'not-ready'
          ? { name: 'api', ready: false, error: 'revision failed: container exited 1' }
          : { name: 'api', url: this.serviceUrl, revision: `api-${k}`, ready: true },
      ],
      finishedAt: new Date().toISOString(),
    };
    this.published.push({ loopId, buildId: message.buildId, opensCycle: true });
    await this.world.publisher.publish('deploy-finished', message);
    if (this.options.echoDeployments) {
      this.later(800, () => this.world.publisher.publish('deploy-finished', message));
    }
    return message.buildId;
  }

  private runJob(loopId: string, cycle: number, jobId: string): void {
    const outcome = this.options.script(loopId, this.deployments.get(loopId) ?? cycle);
    if (outcome === 'silent') return;
    const [min, max] = this.options.jobDelayMs ?? [50, 200];
    this.later(min + Math.random() * (max - min), async () => {
      const at = new Date().toISOString();
      const report = { loopId, cycle, jobId, run: suite(outcome === 'green', this.options.failure), exitCode: outcome === 'green' ? 0 : 1, crashed: false, commandStartedAt: at, commandFinishedAt: at };
      // As `tdl job` does: recording waits out a Firestore outage.
      await retryTransient('recording the results', () => this.world.recordResults(report), { isTransient: (e) => !this.stopped && isTransientFault(e), say: (line) => this.world.notes.push(`info: job ${jobId}: ${line}`) });
    });
  }

  later(ms: number, what: () => Promise<unknown>): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      // A job or deployer that gives up is part of the scenario; say why, for a stuck loop.
      const acting = what()
        .catch((error: Error) => void this.world.notes.push(`info: the team gave up: ${error.message.split('\n')[0]}`))
        .finally(() => this.acting.delete(acting));
      this.acting.add(acting);
    }, ms);
    this.timers.add(t);
  }

  /** Stops acting; waits for what is under way, while the world's clients still work. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    await Promise.all(this.acting);
    await new Promise((r) => (this.health ? this.health.close(r) : r(undefined)));
  }
}

/** A small suite: 5 tests, one failing unless green. */
export function suite(green: boolean, failure: Partial<TestCase> = {}): TestRun {
  const cases: TestCase[] = ['lists products', 'reads a product', 'creates an order', 'cancels an order', 'checks out'].map((name, i) => ({
    id: `e2e::${name}`,
    suite: 'e2e',
    name,
    status: 'passed',
    durationMs: 20 + i,
  }));
  if (!green) cases[2] = { ...cases[2]!, status: 'failed', message: 'expected 201 but got 500', ...failure };
  return { cases, totals: totalsOf(cases), suites: suitesOf(cases), files: [], rejected: [] };
}
