import { randomUUID } from 'node:crypto';
import type { Message, Subscription } from '@google-cloud/pubsub';
import { createClients, type Clients } from '../adapters/clients.js';
import { silentLogger } from '../adapters/json-logger.js';
import { createRecordResults } from '../chain/record-results/record-results.js';
import { newLoop, type LoopDoc, type StoredConfig } from '../domain/model.js';
import { systemClock } from '../ports/services.js';
import { startEmulators, type Emulators } from './emulators.js';
import { startFunctionHosts, type FunctionHost, type FunctionServerOptions } from './function-hosts.js';
import { detachPushSubscriptions, ensureTopology } from './topology-setup.js';

export interface EnvironmentOptions {
  /** The project on the emulators; a test file or chaos scenario takes one of its own. */
  projectId: string;
  /** Emulators someone else started and stops (chaos: one pair for every scenario). */
  emulators?: Emulators;
  /** Where running emulators are looked for when `emulators` is absent. Default: this process's environment, only read. */
  env?: NodeJS.ProcessEnv;
  /** Told what the emulators do (lines start "emulators: ") and any step of the teardown that failed. */
  log?: (line: string) => void;
}

/**
 * The chain on one machine, composed once for the local runtime (`tdl local`), the
 * integration tests and chaos: the emulators, clients that talk to them (told explicitly,
 * never through this process's environment), one functions-framework server per function
 * behind the topology's real push subscriptions, and a teardown that undoes all of it in
 * reverse order, including whatever the caller hands to `defer`.
 */
export class LocalEnvironment {
  hosts: FunctionHost[] = [];
  /** What the function servers were started with: the child environment and the job endpoint. */
  functionOptions?: FunctionServerOptions;
  private readonly teardown: Array<() => Promise<unknown>> = [];
  private readonly subscriptions = new Set<Subscription>();
  readonly projectId: string;
  readonly store: Clients['store'];
  readonly publisher: Clients['publisher'];
  readonly pubsub: Clients['pubsub'];
  readonly firestore: Clients['firestore'];

  private constructor(
    readonly emulators: Emulators,
    clients: Clients,
    /** Whether the emulators outlive this environment (reused, or someone else's). */
    private readonly emulatorsStay: boolean,
    private readonly log: (line: string) => void,
  ) {
    ({ projectId: this.projectId, store: this.store, publisher: this.publisher, pubsub: this.pubsub, firestore: this.firestore } = clients);
  }

  static async start(options: EnvironmentOptions): Promise<LocalEnvironment> {
    const log = options.log ?? (() => {});
    const emulators = options.emulators ?? (await startEmulators({ log: (l) => log(`emulators: ${l}`), env: options.env }));
    const clients = createClients({ projectId: options.projectId, emulators });
    const environment = new LocalEnvironment(emulators, clients, Boolean(options.emulators) || !emulators.owned, log);
    if (!options.emulators) environment.defer(() => emulators.stop());
    environment.defer(() => clients.close());
    return environment;
  }

  /** The environment a child process (function server, test job, `tdl`) needs: the emulators and the project. */
  get childEnv(): Record<string, string> {
    return { ...this.emulators.env, GOOGLE_CLOUD_PROJECT: this.projectId, ...this.sharedEnv };
  }

  /** More environment every child process started after this gets (the local runtime's service-log folder). */
  readonly sharedEnv: Record<string, string> = {};

  /**
   * One server per function, with run-tests launching test jobs at `jobsUrl`, and the
   * topology's topics and push subscriptions to them. On emulators that stay, the push
   * subscriptions go at teardown: the emulator would push to a stopped server forever.
   */
  async startFunctions(options: { jobsUrl: string; onOutput?: FunctionServerOptions['onOutput'] }): Promise<FunctionHost[]> {
    this.functionOptions = { env: { ...this.childEnv, TDL_LOCAL_JOBS_URL: options.jobsUrl }, onOutput: options.onOutput };
    this.hosts = await startFunctionHosts(this.functionOptions);
    this.defer(() => Promise.all(this.hosts.map((h) => h.stop())));
    await this.ensureTopology();
    if (this.emulatorsStay) this.defer(() => detachPushSubscriptions(this.pubsub));
    return this.hosts;
  }

  /** Creates the topology (again, after a Pub/Sub restart) with push subscriptions to the running servers. */
  ensureTopology(): Promise<void> {
    return ensureTopology(this.pubsub, { endpoints: Object.fromEntries(this.hosts.map((h) => [h.name, h.url])) });
  }

  /**
   * A pull subscription of our own to `topic` from now on: each message acknowledged and
   * handed over once (our own subscription may see one twice), its data parsed as JSON
   * (null when it is not). Deleted at teardown.
   */
  async subscribe(topic: string, onMessage: (data: unknown, message: Message) => void): Promise<Subscription> {
    const [sub] = await this.pubsub.topic(topic).createSubscription(`watch-${topic}-${randomUUID().slice(0, 8)}`, { ackDeadlineSeconds: 30 });
    // Deferred first, so it runs after the subscription is closed.
    this.defer(() => sub.delete().catch(() => undefined));
    this.consume(sub, onMessage);
    return sub;
  }

  /** Handles the messages of an existing subscription (the topology's pull subscriptions) as `subscribe` does. */
  consume(sub: Subscription, onMessage: (data: unknown, message: Message) => void): void {
    const seen = new Set<string>();
    // A stream error is emitted as an event: without a listener it would end the process. It
    // comes when the subscription is gone (a Pub/Sub restart, before closeSubscriptions).
    sub.on('error', (error: Error) => this.log(`subscription ${sub.name}: ${error.message}`));
    sub.on('message', (m: Message) => {
      m.ack();
      if (seen.has(m.id)) return;
      seen.add(m.id);
      onMessage(parseJson(m.data), m);
    });
    this.subscriptions.add(sub);
    this.defer(() => close(sub, this.subscriptions));
  }

  /** Stops listening on every subscription (before a Pub/Sub restart makes them useless). */
  async closeSubscriptions(): Promise<void> {
    await Promise.all([...this.subscriptions].map((s) => close(s, this.subscriptions)));
  }

  /** What `tdl job` does at its end, with this environment's store and publisher. */
  readonly recordResults = (...args: Parameters<ReturnType<typeof createRecordResults>>) =>
    createRecordResults({ store: this.store, publisher: this.publisher, clock: systemClock, log: silentLogger })(...args);

  /** Creates (or resets) a loop as `tdl register` would, with `patch` over its first document. */
  async putLoop(loopId: string, config: StoredConfig, patch: Partial<LoopDoc> = {}): Promise<void> {
    await this.store.putLoop({ ...newLoop(loopId, config, new Date().toISOString()), ...patch }, { reset: true });
  }

  /** Runs `step` at teardown, before everything started until now is stopped. */
  defer(step: () => Promise<unknown>): void {
    this.teardown.push(step);
  }

  /** Undoes everything in reverse order; a step that fails is told to the log and the rest still run. */
  async stop(): Promise<void> {
    for (const step of this.teardown.splice(0).reverse()) {
      await step().catch((e: Error) => this.log(`teardown: ${e.message}`));
    }
  }
}

async function close(sub: Subscription, live: Set<Subscription>): Promise<void> {
  live.delete(sub);
  sub.removeAllListeners('message');
  await sub.close().catch(() => undefined);
}

function parseJson(data: Buffer): unknown {
  try {
    return JSON.parse(data.toString('utf8'));
  } catch {
    return null;
  }
}
