import type { PubSub } from '@google-cloud/pubsub';
import { SUBSCRIPTIONS, TOPICS, type FunctionName, type Subscription } from '../chain/topology.js';

const ALREADY_EXISTS = 6;

export interface TopologyOptions {
  /** Push endpoint of each function; push subscriptions of functions not listed are skipped. */
  endpoints: Partial<Record<FunctionName, string>>;
}

/**
 * Creates the topology of shared/chain/topology.ts on the emulator: every topic, every
 * subscription with its ack deadline and dead-letter policy. Idempotent: an existing push
 * subscription gets its endpoint updated, since local ports change per run.
 *
 * Without the retry policy (infra/ sets it in the cloud): gcloud's Pub/Sub emulator (0.8.20)
 * stops redelivering for good once two failed pushes of a subscription fall due at the same
 * millisecond (its expiry task dies on a NullPointerException and is never scheduled again),
 * which under load lost deployments. Measured (10 messages, endpoint answering 503 for 8 s):
 * with a 1-10 s retry policy 0 of 10 delivered after 60 s; without one, 10 of 10, each failed
 * push retried about a second later, as real Pub/Sub does without a retry policy. The
 * dead-letter policy counts deliveries over the same time as in the cloud (localDeliveryAttempts).
 */
export async function ensureTopology(pubsub: PubSub, options: TopologyOptions): Promise<void> {
  await Promise.all(Object.values(TOPICS).map((t) => createIgnoringExisting(() => pubsub.createTopic(t))));
  const project = pubsub.projectId;
  const deadLetterTopic = `projects/${project}/topics/${TOPICS.deadLetter}`;
  await Promise.all(
    SUBSCRIPTIONS.map(async (sub) => {
      const settings = subscriptionSettings(sub, options, deadLetterTopic);
      if (!settings) return;
      const created = await createIgnoringExisting(() => pubsub.topic(sub.topic).createSubscription(sub.name, settings));
      if (!created && settings.pushConfig) await pubsub.subscription(sub.name).modifyPushConfig(settings.pushConfig);
    }),
  );
}

function subscriptionSettings(sub: Subscription, options: TopologyOptions, deadLetterTopic: string) {
  if (sub.kind === 'pull') {
    return { ackDeadlineSeconds: sub.ackDeadlineSeconds };
  }
  const base = options.endpoints[sub.function];
  if (!base) return null;
  // functions-framework reads the topic from the path of a raw Pub/Sub push, as Eventarc's URLs carry it.
  const endpoint = `${base.replace(/\/+$/, '')}/${deadLetterTopic.replace(/topics\/.*$/, `topics/${sub.topic}`)}`;
  return {
    ackDeadlineSeconds: sub.ackDeadlineSeconds,
    pushConfig: { pushEndpoint: endpoint },
    deadLetterPolicy: { deadLetterTopic, maxDeliveryAttempts: localDeliveryAttempts(sub) },
  };
}

/**
 * How many deliveries the emulator makes before dead-lettering: as many as fit, one about a
 * second after the other, in the time the cloud's retry policy spreads the subscription's
 * attempts over (backoff from the minimum, times 1.3 per retry as the emulator's own policy
 * computes it, capped at the maximum): 34 for 10 attempts at 1-60 s. Ten attempts a second
 * apart dead-lettered a fact whose first delivery died holding its record for the 15 s
 * take-over time. Pub/Sub allows at most 100.
 */
export function localDeliveryAttempts(sub: { maxDeliveryAttempts: number; retryPolicy: { minimumBackoffSeconds: number; maximumBackoffSeconds: number } }): number {
  const { minimumBackoffSeconds: min, maximumBackoffSeconds: max } = sub.retryPolicy;
  let span = 0;
  for (let retry = 0; retry < sub.maxDeliveryAttempts - 1; retry++) span += Math.min(max, Math.max(1, min) * 1.3 ** retry);
  return Math.min(100, Math.max(sub.maxDeliveryAttempts, Math.ceil(span) + 1));
}

/** Returns false when the resource already existed. */
async function createIgnoringExisting(create: () => Promise<unknown>): Promise<boolean> {
  try {
    await create();
    return true;
  } catch (error) {
    if ((error as { code?: number }).code === ALREADY_EXISTS) return false;
    throw error;
  }
}

/**
 * Deletes the push subscriptions of the topology (and any extra subscriptions whose names
 * start with one of `prefixes`). Used when the function servers go away while the emulators
 * stay up: a push subscription to a dead server would be retried by the emulator forever.
 */
export async function detachPushSubscriptions(pubsub: PubSub, prefixes: string[] = []): Promise<void> {
  const [subs] = await pubsub.getSubscriptions();
  const push = new Set(SUBSCRIPTIONS.filter((s) => s.kind === 'push').map((s) => s.name));
  await Promise.all(
    subs
      .map((s) => s.name.split('/').pop()!)
      .filter((name) => push.has(name) || prefixes.some((p) => name.startsWith(p)))
      .map((name) => pubsub.subscription(name).delete().catch(() => undefined)),
  );
}
