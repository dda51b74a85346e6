import { spawn } from 'node:child_process';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { LocalEnvironment } from '../../shared/local/environment.js';
import { packageRoot } from '../../shared/local/function-hosts.js';
import { JobLaunchRecorder } from '../../shared/local/job-server.js';
import { startHttpEndpoint } from '../../shared/local/http-endpoint.js';
import type { TestJobRequest } from '../../shared/ports/services.js';
import { StoredConfig, type LoopDoc } from '../../shared/domain/model.js';
import { Criteria, Deadlines, Guards } from '../../shared/config/loop-config.js';

/**
 * The chain on the real emulators (shared/local/environment.ts): the real functions on
 * functions-framework servers behind real push subscriptions, in a project of its own so test
 * files never see each other's state. Only the test job is played by the test: its launch
 * requests are recorded, and the test stores results the way `tdl job` does.
 */
export class ChainHarness {
  readonly projectId = `demo-it-${randomUUID().slice(0, 8)}`;
  environment!: LocalEnvironment;
  private readonly jobs = new JobLaunchRecorder();
  readonly launches: TestJobRequest[] = this.jobs.launches;
  readonly logs: string[] = [];
  /** The deployed service the health probe reaches. */
  serviceUrl = '';

  async start(): Promise<void> {
    this.environment = await LocalEnvironment.start({ projectId: this.projectId });
    const jobsUrl = await this.jobs.start();
    this.environment.defer(() => this.jobs.stop());
    const service = await startHttpEndpoint((_b, res) => res.end('{"status":"ok"}'));
    this.environment.defer(() => service.close());
    this.serviceUrl = service.url.replace(/\/$/, '');
    await this.environment.startFunctions({ jobsUrl, onOutput: (name, line) => this.logs.push(`${name}: ${line}`) });
  }

  stop(): Promise<void> {
    return this.environment?.stop();
  }

  get emulators() {
    return this.environment.emulators;
  }

  get store() {
    return this.environment.store;
  }

  get publisher() {
    return this.environment.publisher;
  }

  get pubsub() {
    return this.environment.pubsub;
  }

  get firestore() {
    return this.environment.firestore;
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

  /** What `tdl job` does at its end, with the real store and publisher. */
  recordResults = (...args: Parameters<LocalEnvironment['recordResults']>) => this.environment.recordResults(...args);
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
