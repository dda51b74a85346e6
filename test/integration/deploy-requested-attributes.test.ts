import { randomUUID } from 'node:crypto';
import { PubSub, type Message } from '@google-cloud/pubsub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulators, type Emulators } from '../../shared/local/emulators.js';
import { PubSubPublisher } from '../../shared/adapters/pubsub/pubsub-publisher.js';

/**
 * Cloud Build's redeploy trigger binds cycle, commit and notBefore from the message's
 * attributes (infra/build.tf): on the real Pub/Sub emulator, every deploy-requested the
 * publisher sends carries them, empty when the message has none, and other topics carry none.
 */
let emulators: Emulators;
let pubsub: PubSub;
beforeAll(async () => {
  emulators = await startEmulators();
  Object.assign(process.env, emulators.env);
  pubsub = new PubSub({ projectId: `demo-attr-${randomUUID().slice(0, 8)}` });
});
afterAll(async () => {
  await pubsub?.close();
  await emulators?.stop();
});

async function received(topic: string, publish: (p: PubSubPublisher) => Promise<string>, count: number): Promise<Message[]> {
  const [t] = await pubsub.createTopic(topic);
  const [sub] = await t.createSubscription(`${topic}-check`);
  const publisher = new PubSubPublisher(pubsub);
  const messages: Message[] = [];
  const done = new Promise<void>((resolve) => sub.on('message', (m: Message) => {
    m.ack();
    messages.push(m);
    if (messages.length === count) resolve();
  }));
  for (let i = 0; i < count; i++) await publish(publisher);
  await done;
  await sub.close();
  return messages;
}

describe('deploy-requested carries the trigger\'s attributes', () => {
  it('a tdl rerun (no cycle, commit or backoff) and a redeploy verdict (all three)', async () => {
    let n = 0;
    const messages = await received('deploy-requested', (p) => {
      n++;
      return n === 1
        ? p.publish('deploy-requested', { loopId: 'shop-main', trigger: 'manual', branch: 'main', reason: 're-run by hand', requestedAt: '2026-12-03T09:00:00.000Z' })
        : p.publish('deploy-requested', { loopId: 'shop-main', cycle: 3, trigger: 'redeploy', branch: 'main', commit: 'a1b2c3d4', reason: 'redeploy after cycle 2', requestedAt: '2026-12-03T09:00:00.000Z', notBefore: '2026-12-03T09:00:30.000Z' });
    }, 2);
    const byTrigger = Object.fromEntries(messages.map((m) => [JSON.parse(m.data.toString()).trigger as string, m.attributes]));
    expect(byTrigger.manual).toEqual({ cycle: '', commit: '', notBefore: '' });
    expect(byTrigger.redeploy).toEqual({ cycle: '3', commit: 'a1b2c3d4', notBefore: '2026-12-03T09:00:30.000Z' });
  });

  it('other topics get no such attributes', async () => {
    const [m] = await received('loop-events', (p) => p.publish('loop-events', { loopId: 'shop-main', type: 'progress', at: '2026-12-03T09:00:00.000Z' }), 1);
    expect(m!.attributes).toEqual({});
  });
});
