import { createServer, type Server } from 'node:http';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { PubSub, type Message, type Subscription } from '@google-cloud/pubsub';
import type { Firestore } from '@google-cloud/firestore';
import { startEmulators, type Emulators } from '../../shared/local/emulators.js';
import { packageRoot, startFunctionHosts, type FunctionHost } from '../../shared/local/function-hosts.js';
import { detachPushSubscriptions, ensureTopology } from '../../shared/local/topology-setup.js';
import { createFirestore, FirestoreLoopStore } from '../../shared/adapters/firestore/loop-store.js';
import { PubSubPublisher } from '../../shared/adapters/pubsub/pubsub-publisher.js';
import { createRecordResults } from '../../shared/chain/record-results/record-results.js';
import { silentLogger } from '../../shared/adapters/json-logger.js';
import { systemClock, type TestJobRequest } from '../../shared/ports/services.js';
import { newLoop, StoredConfig, type LoopDoc } from '../../shared/domain/model.js';
import { Criteria, Deadlines, Guards } from '../../shared/config/loop-config.js';

/**
 * The chain on the real emulators: the real functions on functions-framework servers behind
 * real push subscriptions, in a project of its own so test files never see each other's state.
 * Only the test job is played by the test: its launch requests are recorded, and the test
 * stores results the way `tdl job` does.
 */
export class ChainHarness {
  readonly projectId = `demo-it-${randomUUID().slice(0, 8)}`;
  emulators!: Emulators;
  pubsub!: PubSub;
  firestore!: Firestore;
  store!: FirestoreLoopStore;
  publisher!: PubSubPublisher;
  hosts: FunctionHost[] = [];
  readonly launches: TestJobRequest[] = [];
  readonly logs: string[] = [];
  private servers: Server[] = [];
  private subscriptions: Subscription[] = [];
  jobsUrl = '';
  serviceUrl = '';

  async start(): Promise<void> {
    this.emulators = await startEmulators();
    Object.assign(process.env, this.emulators.env);
    this.pubsub = new PubSub({ projectId: this.projectId });
    this.firestore = createFirestore({ projectId: this.projectId });
    this.store = new FirestoreLoopStore(this.firestore);
    this.publisher = new PubSubPublisher(this.pubsub);
    this.jobsUrl = await this.listen((body, res) => {
      const request = JSON.parse(body) as TestJobRequest;
      this.launches.push(request);
      res.end(JSON.stringify({ executionId: `${request.jobId}-exec` }));
    });
    // The deployed service the health probe reaches.
    this.serviceUrl = (await this.listen((_b, res) => res.end('{"status":"ok"}'))).replace(/\/$/, '');
    this.hosts = await startFunctionHosts({
      env: { ...this.emulators.env, GOOGLE_CLOUD_PROJECT: this.projectId, TDL_LOCAL_JOBS_URL: this.jobsUrl },
      onOutput: (name, line) => this.logs.push(`${name}: ${line}`),
    });
    await ensureTopology(this.pubsub, { endpoints: Object.fromEntries(this.hosts.map((h) => [h.name, h.url])) });
  }

  async stop(): Promise<void> {
    for (const s of this.subscriptions) await s.close().catch(() => undefined);
    if (this.pubsub) await detachPushSubscriptions(this.pubsub, ['it-']).catch(() => undefined);
    await Promise.all(this.hosts.map((h) => h.stop()));
    await Promise.all(this.servers.map((s) => new Promise((r) => s.close(r))));
    await this.publisher?.close();
    await this.firestore?.terminate();
    await this.emulators?.stop();
  }

  private async listen(handle: (body: string, res: import('node:http').ServerResponse) => void): Promise<string> {
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => handle(body, res));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    this.servers.push(server);
    const address = server.address();
    return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`;
  }

  /** Collects every message published to `topic` from now on. */
  async collect(topic: string): Promise<unknown[]> {
    const [sub] = await this.pubsub.topic(topic).createSubscription(`it-${topic}-${randomUUID().slice(0, 6)}`);
    this.subscriptions.push(sub);
    const seen: unknown[] = [];
    sub.on('message', (m: Message) => {
      m.ack();
      seen.push(JSON.parse(m.data.toString('utf8')));
    });
    return seen;
  }

  async createLoop(
    loopId: string,
    patch: Partial<LoopDoc> = {},
    config: { guards?: Partial<Guards>; deadlines?: Partial<Deadlines>; criteria?: Partial<Criteria> } = {},
  ): Promise<void> {
    const now = new Date().toISOString();
    const stored = StoredConfig.parse({
      branch: 'main',
      criteria: Criteria.parse(config.criteria ?? {}),
      guards: Guards.parse({ maxCycles: 4, ...config.guards }),
      deadlines: Deadlines.parse(config.deadlines ?? {}),
      classification: { rules: [] },
      services: [{ name: 'api', critical: true, healthPath: '/healthz' }],
    });
    await this.store.putLoop({ ...newLoop(loopId, stored, now), ...patch }, { reset: true });
  }

  /** What `tdl job` does at its end, with the real store and publisher. */
  recordResults = (...args: Parameters<ReturnType<typeof createRecordResults>>) =>
    createRecordResults({ store: this.store, publisher: this.publisher, clock: systemClock, log: silentLogger })(...args);
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
      env: { ...process.env, ...h.emulators.env, GOOGLE_CLOUD_PROJECT: h.projectId },
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
