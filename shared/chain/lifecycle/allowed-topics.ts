import type { MessageOf, SchemaTopic } from '../messages.js';
import type { Publisher } from '../../ports/services.js';
import { TopologyError } from '../../kernel/errors.js';

/**
 * A publisher that sends only to the topics the topology lets `who` publish (PUBLISHES in
 * shared/chain/topology.ts), the same list infra/ grants. Anything else fails at once, naming
 * the topic and the list, rather than as a permission error in the cloud.
 */
export function allowedTopics(publisher: Publisher, who: string, topics: readonly string[]): Publisher {
  const allowed = new Set(topics);
  return {
    publish<T extends SchemaTopic>(topic: T, message: MessageOf<T>, attributes?: Record<string, string>) {
      if (!allowed.has(topic)) {
        return Promise.reject(
          new TopologyError(`${who} may not publish to ${topic}: the topology (PUBLISHES in shared/chain/topology.ts) allows ${[...allowed].join(', ')}`, { topic, who }),
        );
      }
      return publisher.publish(topic, message, attributes);
    },
  };
}
