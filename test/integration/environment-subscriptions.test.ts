import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalEnvironment } from '../../shared/local/environment.js';
import { TOPICS } from '../../shared/chain/topology.js';
import { eventually } from '../support/harness.js';

/**
 * A subscription of the local environment's own (what chaos and `tdl local` watch the chain
 * through) whose resource disappears, as after a Pub/Sub emulator restart: the stream's error is
 * told to the environment's log, and the process goes on (chaos pubsub-restart once died of it:
 * "Subscription does not exist (resource=watch-deploy-requested-...)", an unhandled 'error' event).
 */
let environment: LocalEnvironment;
const lines: string[] = [];

beforeAll(async () => {
  environment = await LocalEnvironment.start({ projectId: `demo-it-env-${randomUUID().slice(0, 8)}`, log: (line) => lines.push(line) });
  await environment.ensureTopology();
}, 90_000);

afterAll(async () => {
  await environment?.stop();
}, 30_000);

describe('a watch subscription that is deleted under it', () => {
  it('is told to the log as the subscription gone, and the process keeps running', async () => {
    const sub = await environment.subscribe(TOPICS.deployRequested, () => {});
    const name = sub.name.split('/').pop()!;
    await environment.pubsub.subscription(name).delete();
    const said = await eventually('the stream error in the log', () => lines.find((l) => l.startsWith(`subscription ${sub.name}:`)), 10_000);
    expect(said).toMatch(/does not exist|NOT_FOUND/i);
  }, 30_000);
});
