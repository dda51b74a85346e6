import { PubSub, type Topic } from '@google-cloud/pubsub';
import type { Publisher } from '../../ports/services.js';
import { DeployRequested, SCHEMAS, deployRequestedAttributes, type MessageOf, type SchemaTopic } from '../../chain/messages.js';
import { TransientError } from '../../kernel/errors.js';

/** Publishes validated messages; one client and one cached Topic per topic for the instance's life. */
export class PubSubPublisher implements Publisher {
  private readonly topics = new Map<string, Topic>();

  constructor(private readonly pubsub: PubSub) {}

  private topic(name: string): Topic {
    let t = this.topics.get(name);
    if (!t) {
      t = this.pubsub.topic(name);
      this.topics.set(name, t);
    }
    return t;
  }

  async publish<T extends SchemaTopic>(
    topic: T,
    message: MessageOf<T>,
    attributes: Record<string, string> = {},
  ): Promise<string> {
    // Validate on the way out too: a bad message is our bug and must not reach a consumer.
    const data = SCHEMAS[topic].parse(message);
    const routing = topic === 'deploy-requested' ? deployRequestedAttributes(DeployRequested.parse(data)) : {};
    try {
      return await this.topic(topic).publishMessage({ json: data, attributes: { ...routing, ...attributes } });
    } catch (cause) {
      throw new TransientError(`publishing to ${topic} failed: ${(cause as Error).message}`, { cause, topic });
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.topics.values()].map((t) => t.flush().catch(() => undefined)));
    await this.pubsub.close();
  }
}
