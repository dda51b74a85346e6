import { createServer, type Server } from 'node:http';
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { PubSub, type Message, type Subscription } from '@google-cloud/pubsub';
import type { Firestore } from '@google-cloud/firestore';
import type { Emulators } from '../../shared/local/emulators.js';
import { startFunctionHosts, type FunctionHost } from '../../shared/local/function-hosts.js';
import { detachPushSubscriptions, ensureTopology } from '../../shared/local/topology-setup.js';
import { createFirestore, FirestoreLoopStore } from '../../shared/adapters/firestore/loop-store.js';
import { PubSubPublisher } from '../../shared/adapters/pubsub/pubsub-publisher.js';
import { createRecordResults } from '../../shared/chain/record-results/record-results.js';
import { silentLogger } from '../../shared/adapters/json-logger.js';
import { systemClock, type TestJobRequest } from '../../shared/ports/services.js';
import { Criteria, Deadlines, Guards } from '../../shared/config/loop-config.js';
import { pushSubscriptions, TOPICS } from '../../shared/chain/topology.js';
import { LoopEvent, DeployRequested } from '../../shared/chain/messages.js';
import { newLoop } from '../../shared/domain/model.js';

/**
 * One scenario's world: its own project on the shared emulators, the real functions on
 * functions-framework servers behind real push subscriptions, and endpoints where the
 * scenario's "team" (deployer and test job) receives what the loop asks of it.
 */
export class World {
  readonly projectId = `demo-chaos-${randomUUID().slice(0, 8)}`;
  pubsub!: PubSub;
  firestore!: Firestore;
  store!: FirestoreLoopStore;
  publisher!: PubSubPublisher;
  hosts: FunctionHost[] = [];
  readonly launches: TestJobRequest[] = [];
  readonly events: LoopEvent[] = [];
  readonly deployRequests: DeployRequested[] = [];
  /** What a scenario did to the world, for the report (lines starting "info:"). */
  readonly notes: string[] = [];
  onLaunch: (request: TestJobRequest) => void = () => {};
  onDeployRequested: (request: DeployRequested) => void = () => {};
  onEvent: (event: LoopEvent) => void = () => {};
  private server?: Server;
  private subs: Subscription[] = [];
  private jobsUrl = '';

  constructor(
    private readonly emulators: Emulators,
    private readonly name = 'world',
  ) {}

  async start(options: { deliveries?: number } = {}): Promise<void> {
    this.pubsub = new PubSub({ projectId: this.projectId });
    this.firestore = createFirestore({ projectId: this.projectId });
    this.store = new FirestoreLoopStore(this.firestore);
    this.publisher = new PubSubPublisher(this.pubsub);
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const request = JSON.parse(body) as TestJobRequest;
        this.launches.push(request);
        res.end(JSON.stringify({ executionId: `${request.jobId}-exec-${this.launches.length}` }));
        this.onLaunch(request);
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    const address = this.server.address();
    this.jobsUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`;
    // `npm run chaos -- --logs DIR` keeps every function's log lines, one file per scenario.
    const logDir = process.env.TDL_CHAOS_LOG_DIR;
    const logFile = logDir ? path.join(logDir, `${this.name}-${this.projectId}.log`) : undefined;
    this.hosts = await startFunctionHosts({
      env: { ...this.emulators.env, GOOGLE_CLOUD_PROJECT: this.projectId, TDL_LOCAL_JOBS_URL: this.jobsUrl },
      onOutput: logFile ? (name, line) => appendFileSync(logFile, `${new Date().toISOString()} ${name} ${line}\n`) : undefined,
    });
    await this.createTopology();
    // Every message delivered `deliveries` times: extra push subscriptions to the same functions.
    for (let copy = 2; copy <= (options.deliveries ?? 1); copy++) {
      for (const sub of pushSubscriptions()) {
        const host = this.hosts.find((h) => h.name === sub.function)!;
        await this.pubsub.topic(sub.topic).createSubscription(`${sub.name}-copy-${copy}`, {
          ackDeadlineSeconds: sub.ackDeadlineSeconds,
          pushConfig: { pushEndpoint: `${host.url}projects/${this.projectId}/topics/${sub.topic}` },
          retryPolicy: { minimumBackoff: { seconds: 1 }, maximumBackoff: { seconds: 10 } },
        });
      }
    }
    await this.listenAll();
  }

  /** Our own subscriptions to loop-events and deploy-requested (again, after a Pub/Sub restart). */
  async listenAll(): Promise<void> {
    await this.listen(TOPICS.loopEvents, (data) => {
      const e = LoopEvent.safeParse(data);
      if (e.success) {
        this.events.push(e.data);
        this.onEvent(e.data);
      }
    });
    await this.listen(TOPICS.deadLetter, (data, attributes) => {
      const d = data as { loopId?: string; cycle?: number; buildId?: string };
      const from = attributes.CloudPubSubDeadLetterSourceSubscription ?? 'a subscription';
      this.notes.push(`info: dead-lettered from ${from}: loop ${d.loopId} cycle ${d.cycle ?? '-'}${d.buildId ? ` build ${d.buildId}` : ''}`);
    });
    await this.listen(TOPICS.deployRequested, (data) => {
      const r = DeployRequested.safeParse(data);
      if (r.success) {
        this.deployRequests.push(r.data);
        this.onDeployRequested(r.data);
      }
    });
  }

  async createTopology(): Promise<void> {
    await Promise.all(this.subs.splice(0).map((s) => s.close().catch(() => undefined)));
    await ensureTopology(this.pubsub, { endpoints: Object.fromEntries(this.hosts.map((h) => [h.name, h.url])) });
  }

  private async listen(topic: string, handle: (data: unknown, attributes: Record<string, string>) => void): Promise<void> {
    const [sub] = await this.pubsub.topic(topic).createSubscription(`chaos-${topic}-${randomUUID().slice(0, 6)}`, { ackDeadlineSeconds: 30 });
    this.subs.push(sub);
    // Our own subscription may see a message twice too; count each published message once.
    const seen = new Set<string>();
    sub.on('message', (m: Message) => {
      m.ack();
      if (seen.has(m.id)) return;
      seen.add(m.id);
      try {
        handle(JSON.parse(m.data.toString('utf8')), m.attributes ?? {});
      } catch {
        // Not ours to judge here: the functions record malformed messages.
      }
    });
  }

  async createLoop(loopId: string, config: { guards?: Partial<Guards>; deadlines?: Partial<Deadlines> } = {}): Promise<void> {
    const now = new Date().toISOString();
    const stored = {
      branch: 'main',
      criteria: Criteria.parse({}),
      guards: Guards.parse({ maxCycles: 6, ...config.guards }),
      deadlines: Deadlines.parse(config.deadlines ?? {}),
      classification: { rules: [] },
      allowedHosts: ['127.0.0.1', 'localhost'],
      services: [{ name: 'api', critical: true, healthPath: '/healthz' }],
    };
    await this.store.putLoop(newLoop(loopId, stored, now), { reset: true });
  }

  readonly recordResults = (...args: Parameters<ReturnType<typeof createRecordResults>>) =>
    createRecordResults({ store: this.store, publisher: this.publisher, clock: systemClock, log: silentLogger })(...args);

  async stop(): Promise<void> {
    for (const s of this.subs) {
      s.removeAllListeners('message');
      await s.close().catch(() => undefined);
    }
    // Push subscriptions (and their copies) to servers about to stop would be retried forever.
    await detachPushSubscriptions(this.pubsub, ['chaos-', ...pushSubscriptions().map((s) => `${s.name}-copy-`)]).catch(() => undefined);
    await Promise.all(this.hosts.map((h) => h.stop()));
    await new Promise((r) => (this.server ? this.server.close(r) : r(undefined)));
    await this.publisher.close().catch(() => undefined);
    await this.firestore.terminate().catch(() => undefined);
  }
}
