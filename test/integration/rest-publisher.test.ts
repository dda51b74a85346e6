import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PubSub, type Message } from '@google-cloud/pubsub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulators, type Emulators } from '../../shared/local/emulators.js';
import { RestPublisher } from '../../shared/adapters/pubsub/rest-publisher.js';
import { TransientError } from '../../shared/kernel/errors.js';
import type { TestsFinished } from '../../shared/chain/messages.js';

/**
 * The test job publishes through Pub/Sub's REST API instead of the gRPC client (issue 18: it
 * saves the 128 MB job about 17 MB). On the real emulator, a subscriber of the gRPC client gets
 * what it published, data and attributes, under the id it was told.
 */
let emulators: Emulators;
let pubsub: PubSub;
const projectId = `demo-rest-${randomUUID().slice(0, 8)}`;
beforeAll(async () => {
  emulators = await startEmulators();
  pubsub = new PubSub({ projectId, apiEndpoint: emulators.env.PUBSUB_EMULATOR_HOST, emulatorMode: true, universeDomain: 'googleapis.com' });
}, 90_000);
afterAll(async () => {
  await pubsub?.close();
  await emulators?.stop();
});

const finished: TestsFinished = {
  loopId: 'shop-main',
  cycle: 2,
  jobId: 'shop-main-c2-a1',
  exitCode: 1,
  crashed: false,
  totals: { tests: 20, passed: 19, failed: 1, errors: 0, skipped: 0, flaky: 0, durationMs: 2312.5 },
  rejected: [],
  resultChunks: 1,
  startedAt: '2026-12-03T09:00:00.000Z',
  finishedAt: '2026-12-03T09:00:02.500Z',
};

describe('RestPublisher on the Pub/Sub emulator', () => {
  it('a subscriber gets the message, its attributes and the id the publisher returned', async () => {
    const [topic] = await pubsub.createTopic('tests-finished');
    const [sub] = await topic.createSubscription('tests-finished-check');
    const got = new Promise<Message>((resolve) => sub.once('message', (m: Message) => (m.ack(), resolve(m))));
    const publisher = new RestPublisher({ projectId, emulatorHost: emulators.env.PUBSUB_EMULATOR_HOST });
    const id = await publisher.publish('tests-finished', finished, { origin: 'test job' });
    const m = await got;
    await sub.close();
    expect(m.id).toBe(id);
    expect(JSON.parse(m.data.toString('utf8'))).toEqual(finished);
    expect(m.attributes).toEqual({ origin: 'test job' });
  });

  it('a topic that does not exist is a TransientError naming the topic and the status', async () => {
    const publisher = new RestPublisher({ projectId, emulatorHost: emulators.env.PUBSUB_EMULATOR_HOST });
    const error = await publisher.publish('loop-events', { loopId: 'shop-main', type: 'progress', at: '2026-12-03T09:00:00.000Z' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientError);
    expect((error as Error).message).toMatch(/publishing to loop-events failed: HTTP 404/);
  });

  it('a message that breaks its schema is refused before anything is sent', async () => {
    const publisher = new RestPublisher({ projectId, emulatorHost: emulators.env.PUBSUB_EMULATOR_HOST });
    await expect(publisher.publish('tests-finished', { ...finished, cycle: 0 })).rejects.toThrow(/cycle/);
  });
});

describe('RestPublisher against the real API wire format (a local server standing in)', () => {
  it('sends the bearer token to projects.topics.publish and returns the first message id', async () => {
    const requests: Array<{ url: string; auth: string | undefined; body: { messages: Array<{ data: string; attributes?: Record<string, string> }> } }> = [];
    const server = createServer((req: IncomingMessage, res) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString('utf8')));
      req.on('end', () => {
        requests.push({ url: req.url ?? '', auth: req.headers.authorization, body: JSON.parse(text) });
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ messageIds: ['4711'] }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const publisher = new RestPublisher({ projectId: 'my-project', endpoint, token: async () => 'ya29.token' });
      expect(await publisher.publish('tests-finished', finished)).toBe('4711');
      expect(requests).toHaveLength(1);
      expect(requests[0]!.url).toBe('/v1/projects/my-project/topics/tests-finished:publish');
      expect(requests[0]!.auth).toBe('Bearer ya29.token');
      expect(JSON.parse(Buffer.from(requests[0]!.body.messages[0]!.data, 'base64').toString('utf8'))).toEqual(finished);
      expect(requests[0]!.body.messages[0]!.attributes).toBeUndefined();
    } finally {
      server.close();
    }
  });
});
