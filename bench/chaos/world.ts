import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { z } from 'zod';
import type { Emulators } from '../../shared/local/emulators.js';
import { PlayedChain } from '../../shared/local/played-chain.js';
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { detachPushSubscriptions } from '../../shared/local/topology-setup.js';
import { Criteria, Deadlines, Guards } from '../../shared/config/loop-config.js';
import { pushSubscriptions, TOPICS } from '../../shared/chain/topology.js';
import { LoopEvent, DeployRequested } from '../../shared/chain/messages.js';
import { NotifyConfig } from '../../shared/config/notify-config.js';

/**
 * One scenario's world: its own project on the shared emulators, the chain composed by
 * shared/local/environment.ts (the real functions on functions-framework servers behind real
 * push subscriptions), and endpoints where the scenario's "team" (deployer and test job)
 * receives what the loop asks of it.
 */
export class World extends PlayedChain {
  readonly events: LoopEvent[] = [];
  readonly deployRequests: DeployRequested[] = [];
  /** Verdict webhook calls the notify function made, for loops created with `notify`. */
  readonly notified: Array<{ loopId: string; cycle: number; verdict: string }> = [];
  private notifyUrl = '';
  /** What a scenario did to the world, for the report (lines starting "info:"). */
  readonly notes: string[] = [];
  onDeployRequested: (request: DeployRequested) => void = () => {};
  onEvent: (event: LoopEvent) => void = () => {};

  constructor(
    private readonly sharedEmulators: Emulators,
    private readonly name = 'world',
  ) {
    super(`demo-chaos-${randomUUID().slice(0, 8)}`);
  }

  async start(options: { deliveries?: number } = {}): Promise<void> {
    // `npm run chaos -- --logs DIR` keeps every function's log lines, one file per scenario.
    const logDir = process.env.TDL_CHAOS_LOG_DIR;
    const logFile = logDir ? path.join(logDir, `${this.name}-${this.projectId}.log`) : undefined;
    await this.startChain({
      emulators: this.sharedEmulators,
      onOutput: logFile ? (name, line) => appendFileSync(logFile, `${new Date().toISOString()} ${name} ${line}\n`) : undefined,
    });
    await this.deliverEveryMessage(options.deliveries ?? 1);
    await this.listenAll();
    await this.receiveNotifications();
  }

  /** The loops' webhook sink (createLoop with notify): one call per verdict is expected. */
  private async receiveNotifications(): Promise<void> {
    const server: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const v = JSON.parse(body) as { loopId: string; cycle: number; verdict: string };
        this.notified.push({ loopId: v.loopId, cycle: v.cycle, verdict: v.verdict });
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    this.environment.defer(() => new Promise<void>((r) => server.close(() => r())));
    const address = server.address();
    this.notifyUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/notify`;
  }

  /** Every message delivered `deliveries` times: extra push subscriptions to the same functions. */
  private async deliverEveryMessage(deliveries: number): Promise<void> {
    if (deliveries < 2) return;
    const copies = pushSubscriptions().map((s) => `${s.name}-copy-`);
    // Push subscriptions to servers about to stop would be retried forever.
    this.environment.defer(() => detachPushSubscriptions(this.pubsub, copies));
    for (let copy = 2; copy <= deliveries; copy++) {
      for (const sub of pushSubscriptions()) {
        const host = this.hosts.find((h) => h.name === sub.function)!;
        await this.pubsub.topic(sub.topic).createSubscription(`${sub.name}-copy-${copy}`, {
          ackDeadlineSeconds: sub.ackDeadlineSeconds,
          // No retry policy, as ensureTopology (shared/local/topology-setup.ts) says why.
          pushConfig: { pushEndpoint: `${host.url}projects/${this.projectId}/topics/${sub.topic}` },
        });
      }
    }
  }

  /** Our own subscriptions to loop-events, dead-letter and deploy-requested (again, after a Pub/Sub restart). */
  async listenAll(): Promise<void> {
    await this.environment.subscribe(TOPICS.loopEvents, (data) => {
      const e = LoopEvent.safeParse(data);
      if (e.success) {
        this.events.push(e.data);
        this.onEvent(e.data);
      }
    });
    await this.environment.subscribe(TOPICS.deadLetter, (data, message) => {
      const d = DeadLettered.safeParse(data);
      const from = message.attributes?.CloudPubSubDeadLetterSourceSubscription ?? 'a subscription';
      const what = d.success ? `loop ${d.data.loopId} cycle ${d.data.cycle ?? '-'}${d.data.buildId ? ` build ${d.data.buildId}` : ''}` : 'a message that is not a loop\'s';
      this.notes.push(`info: dead-lettered from ${from}: ${what}`);
    });
    await this.environment.subscribe(TOPICS.deployRequested, (data) => {
      const r = DeployRequested.safeParse(data);
      if (r.success) {
        this.deployRequests.push(r.data);
        this.onDeployRequested(r.data);
      }
    });
  }

  /** The topology again, after a Pub/Sub restart took it away with our subscriptions. */
  async createTopology(): Promise<void> {
    await this.environment.closeSubscriptions();
    await this.environment.ensureTopology();
  }

  async createLoop(loopId: string, config: { guards?: Partial<Guards>; deadlines?: Partial<Deadlines>; notify?: boolean } = {}): Promise<void> {
    await this.environment.putLoop(loopId, {
      branch: 'main',
      criteria: Criteria.parse({}),
      guards: Guards.parse({ maxCycles: 6, ...config.guards }),
      deadlines: Deadlines.parse(config.deadlines ?? {}),
      classification: { rules: [] },
      allowedHosts: ['127.0.0.1', 'localhost'],
      services: [{ name: 'api', critical: true, healthPath: '/healthz' }],
      ...(config.notify ? { notify: NotifyConfig.parse({ webhooks: [{ name: 'chaos', url: this.notifyUrl }] }) } : {}),
    });
  }
}

/** What a dead-lettered message of the chain carries that says whose it was. */
const DeadLettered = z.object({ loopId: z.string().optional(), cycle: z.number().optional(), buildId: z.string().optional() }).loose();
