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
 * push retried about a second later, as real Pub/Sub does without a retry policy.
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
    deadLetterPolicy: { deadLetterTopic, maxDeliveryAttempts: sub.maxDeliveryAttempts },
  };
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
