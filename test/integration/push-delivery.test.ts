import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { PubSub } from '@google-cloud/pubsub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulators, type Emulators } from '../../shared/local/emulators.js';
import { ensureTopology } from '../../shared/local/topology-setup.js';
import { startFunctionHosts, type FunctionHost } from '../../shared/local/function-hosts.js';
import { FUNCTIONS, TOPICS } from '../../shared/chain/topology.js';

/**
 * How pushes reach the functions on the local runtime, on the real Pub/Sub emulator: a push
 * that failed is pushed again until it is answered, however many failed together, and a
 * push that arrives while a function's process restarts waits for it at the function's front.
 */
let emulators: Emulators;
let pubsub: PubSub;
const servers: Server[] = [];
const hosts: FunctionHost[] = [];
beforeAll(async () => {
  emulators = await startEmulators();
  pubsub = new PubSub({ projectId: `demo-push-${randomUUID().slice(0, 8)}`, apiEndpoint: emulators.pubsubHost, emulatorMode: true, universeDomain: 'googleapis.com' });
});
afterAll(async () => {
  await Promise.all(hosts.map((h) => h.stop()));
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  await pubsub?.close();
  await emulators?.stop();
});

async function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`;
}

describe('push deliveries on the local runtime', () => {
  it('ten deploy-finished pushes refused together for 6 s are all delivered afterwards', async () => {
    const failUntil = Date.now() + 6000;
    const delivered = new Set<string>();
    let refused = 0;
    const url = await listen((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        if (Date.now() < failUntil) {
          refused++;
          res.writeHead(503).end();
          return;
        }
        delivered.add(JSON.parse(body).message.messageId);
        res.writeHead(204).end();
      });
    });
    await ensureTopology(pubsub, { endpoints: { [FUNCTIONS.runTests]: url } });
    for (let i = 0; i < 10; i++) await pubsub.topic(TOPICS.deployFinished).publishMessage({ json: { i } });
    const deadline = Date.now() + 40_000;
    while (delivered.size < 10 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    expect(refused).toBeGreaterThanOrEqual(10);
    expect(delivered.size).toBe(10);
  }, 60_000);

  it('a push that arrives while the function restarts is answered by the new process, not refused', async () => {
    const [host] = await startFunctionHosts({ env: { ...emulators.env, GOOGLE_CLOUD_PROJECT: pubsub.projectId }, names: [FUNCTIONS.control] });
    hosts.push(host!);
    const before = host!.process.child.pid;
    const restarting = host!.restart();
    // Sent once the old process is killed and before the new one listens.
    await new Promise((r) => setTimeout(r, 20));
    const answer = await fetch(host!.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    await restarting;
    const text = await answer.text();
    expect(host!.process.child.pid).not.toBe(before);
    // The new process's answer (control acknowledges a body that is not a message, recorded
    // as malformed), where the front used to answer 503 "unavailable: restarting".
    expect([answer.status, text]).toEqual([204, '']);
    // The front counts it as one push, not a failed one (the throughput bench reports these per cycle).
    expect(host!.pushes).toEqual({ received: 1, failed: 0 });
  }, 60_000);
});
