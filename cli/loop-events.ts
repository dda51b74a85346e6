import { randomUUID } from 'node:crypto';
import type { Message, PubSub } from '@google-cloud/pubsub';
import { LoopEvent } from '../shared/chain/messages.js';
import { WATCH } from '../shared/chain/topology.js';

/** A subscription of one reader's own to loop-events; `close` deletes it. */
export interface LoopEventFeed {
  close(): Promise<void>;
}

/**
 * Follows loop-events on a subscription of its own (`tdl-watch-xxxxxxxx`: the prefix infra/
 * lets operators use), so every reader (a `tdl watch`, a dashboard) sees every event. Messages that are not a LoopEvent are acked
 * and skipped. The subscription expires after a day unused, should `close` never run.
 * With `existing`, reads that subscription instead (one infra/ made, for a reader whose account
 * may not create subscriptions) and leaves it in place on `close`.
 */
export async function followLoopEvents(pubsub: PubSub, onEvent: (event: LoopEvent) => void, existing?: string): Promise<LoopEventFeed> {
  const sub = existing
    ? pubsub.subscription(existing)
    : (
        await pubsub.topic(WATCH.topic).createSubscription(`${WATCH.subscriptionPrefix}${randomUUID().slice(0, 8)}`, {
          ackDeadlineSeconds: 10,
          expirationPolicy: { ttl: { seconds: 86_400 } },
        })
      )[0];
  sub.on('message', (m: Message) => {
    m.ack();
    let json: unknown;
    try {
      json = JSON.parse(m.data.toString('utf8'));
    } catch {
      return;
    }
    const e = LoopEvent.safeParse(json);
    if (e.success) onEvent(e.data);
  });
  return {
    async close() {
      sub.removeAllListeners('message');
      await sub.close().catch(() => undefined);
      if (!existing) await sub.delete().catch(() => undefined);
    },
  };
}
