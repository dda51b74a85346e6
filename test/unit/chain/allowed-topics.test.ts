import { describe, expect, it } from 'vitest';
import { allowedTopics } from '../../../shared/chain/lifecycle/allowed-topics.js';
import { TopologyError } from '../../../shared/kernel/errors.js';
import { PUBLISHES } from '../../../shared/chain/topology.js';
import type { Publisher } from '../../../shared/ports/services.js';

function recording(): Publisher & { sent: string[] } {
  const sent: string[] = [];
  return { sent, publish: async (topic) => (sent.push(topic), `id-${sent.length}`) };
}

describe('allowedTopics holds a publisher to what the topology lets it publish', () => {
  it('passes a declared topic through to the publisher', async () => {
    const inner = recording();
    const job = allowedTopics(inner, 'test job', PUBLISHES.testJob);
    const id = await job.publish('loop-events', { loopId: 'l', type: 'progress', detail: 'x', at: '2026-12-03T10:00:00.000Z' });
    expect(id).toBe('id-1');
    expect(inner.sent).toEqual(['loop-events']);
  });

  it('refuses any other topic before it reaches Pub/Sub, naming the topic and what is allowed', async () => {
    const inner = recording();
    const job = allowedTopics(inner, 'test job', PUBLISHES.testJob);
    const refused = job.publish('deploy-requested', { loopId: 'l', cycle: 2, trigger: 'redeploy', branch: 'main', reason: 'r', requestedAt: '2026-12-03T10:00:00.000Z' });
    await expect(refused).rejects.toThrow(TopologyError);
    await expect(refused).rejects.toThrow('test job may not publish to deploy-requested: the topology (PUBLISHES in shared/chain/topology.ts) allows loop-events, tests-finished');
    expect(inner.sent).toEqual([]);
  });
});
