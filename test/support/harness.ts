import { spawn } from 'node:child_process';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { PlayedChain } from '../../shared/local/played-chain.js';
import { packageRoot } from '../../shared/local/function-hosts.js';
import { startHttpEndpoint } from '../../shared/local/http-endpoint.js';
import { StoredConfig, type CycleDoc, type LoopDoc } from '../../shared/domain/model.js';
import type { DeployFinished } from '../../shared/chain/messages.js';
import { suitesOf, totalsOf } from '../../shared/results/ingest.js';
import { caseId, type TestCase, type TestRun } from '../../shared/results/model.js';
import { Criteria, Deadlines, Guards } from '../../shared/config/loop-config.js';

/**
 * The chain on the real emulators (shared/local/environment.ts): the real functions on
 * functions-framework servers behind real push subscriptions, in a project of its own so test
 * files never see each other's state. Only the test job is played by the test: its launch
 * requests are recorded, and the test stores results the way `tdl job` does.
 */
export class ChainHarness extends PlayedChain {
  readonly logs: string[] = [];
  /** The deployed service the health probe reaches. */
  serviceUrl = '';
  private builds = 0;

  constructor() {
    super(`demo-it-${randomUUID().slice(0, 8)}`);
  }

  async start(): Promise<void> {
    await this.startChain({ onOutput: (name, line) => this.logs.push(`${name}: ${line}`) });
    const service = await startHttpEndpoint((_b, res) => res.end('{"status":"ok"}'));
    this.environment.defer(() => service.close());
    this.serviceUrl = service.url.replace(/\/$/, '');
  }

  /** Collects every message published to `topic` from now on. */
  async collect(topic: string): Promise<unknown[]> {
    const seen: unknown[] = [];
    await this.environment.subscribe(topic, (data) => seen.push(data));
    return seen;
  }

  async createLoop(
    loopId: string,
    patch: Partial<LoopDoc> = {},
    config: { guards?: Partial<Guards>; deadlines?: Partial<Deadlines>; criteria?: Partial<Criteria> } = {},
  ): Promise<void> {
    const stored = StoredConfig.parse({
      branch: 'main',
      criteria: Criteria.parse(config.criteria ?? {}),
      guards: Guards.parse({ maxCycles: 4, ...config.guards }),
      deadlines: Deadlines.parse(config.deadlines ?? {}),
      classification: { rules: [] },
      services: [{ name: 'api', critical: true, healthPath: '/healthz' }],
    });
    await this.environment.putLoop(loopId, stored, patch);
  }

  /** A deploy-finished for `loopId`: a new build and commit each time, the api service ready at serviceUrl. */
  deployment(loopId: string, patch: Partial<DeployFinished> = {}): DeployFinished {
    const build = ++this.builds;
    return {
      loopId,
      trigger: 'push',
      branch: 'main',
      commit: `c0ffee${String(build).padStart(34, '0')}`,
      buildId: `build-${build}`,
      services: [{ name: 'api', url: this.serviceUrl, revision: `api-${build}`, ready: true }],
      finishedAt: new Date().toISOString(),
      ...patch,
    };
  }

  /** Waits until cycle `n` of the loop has its verdict. */
  finished(loopId: string, n: number): Promise<CycleDoc> {
    return eventually(`${loopId} cycle ${n} done`, async () => {
      const c = await this.store.getCycle(loopId, n);
      return c?.phase === 'done' ? c : undefined;
    });
  }

  /**
   * One cycle played end to end: publishes the deployment, waits for the test job's launch,
   * stores `result` as `tdl job` would (crashed when it holds no test), and waits for the verdict.
   */
  async playCycle(loopId: string, n: number, result: TestRun, options: { message?: DeployFinished; exitCode?: number } = {}): Promise<CycleDoc> {
    await this.publisher.publish('deploy-finished', options.message ?? this.deployment(loopId));
    const jobId = `${loopId}-c${n}`;
    await eventually(`${loopId} job ${n} launched`, () => this.launches.some((l) => l.jobId === jobId));
    const at = new Date().toISOString();
    const exitCode = options.exitCode ?? (result.totals.failed + result.totals.errors > 0 ? 1 : 0);
    await this.recordResults({ loopId, cycle: n, jobId, run: result, exitCode, crashed: result.totals.tests === 0, commandStartedAt: at, commandFinishedAt: at });
    return this.finished(loopId, n);
  }
}

/** A test run as `tdl job` stores it: the cases of one suite, totals and suites derived from them. */
export function testRun(
  cases: Array<Pick<TestCase, 'name' | 'status'> & Partial<TestCase>>,
  options: { suite?: string; durationMs?: number; rejected?: TestRun['rejected'] } = {},
): TestRun {
  const suite = options.suite ?? 'e2e';
  const full = cases.map((c) => ({ id: caseId({ suite, name: c.name }), suite, durationMs: options.durationMs ?? 25, ...c }));
  return { cases: full, totals: totalsOf(full), suites: suitesOf(full), files: [], rejected: options.rejected ?? [] };
}

/** Runs the built `tdl` against this harness's emulators and project. */
export function runTdl(
  h: ChainHarness,
  args: string[],
  timeoutMs = 30_000,
  onStdout?: (text: string) => void,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(packageRoot(), 'bin', 'tdl.js'), ...args], {
      env: { ...process.env, ...h.environment.childEnv },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => {
      stdout += c;
      onStdout?.(stdout);
    });
    child.stderr.on('data', (c) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Polls until `check` returns a value that is not undefined/false. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
