import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalEnvironment } from '../../shared/local/environment.js';
import type { FirestoreLoopStore } from '../../shared/adapters/firestore/loop-store.js';
import { createRunTests } from '../../shared/chain/run-tests/run-tests.js';
import { IN_PROGRESS_TTL_MS } from '../../shared/chain/lifecycle/step-deps.js';
import { silentLogger } from '../../shared/adapters/json-logger.js';
import type { Publisher, TestJobRequest } from '../../shared/ports/services.js';
import { deployFinished, loopDoc } from '../support/docs.js';

/**
 * run-tests on the Firestore emulator when the delivery that opened a cycle dies after
 * launching its job (its dedup record stays in progress) and the loop moves on before a
 * redelivery takes the deployment over: the take-over must find the cycle that deployment
 * opened, not open another one (chaos run 2 at 16:40 on 2026-12-03: "build
 * function-crashes-1-build-1 opened 2 cycles").
 */
let environment: LocalEnvironment;
let store: FirestoreLoopStore;
let published = 0;
const publisher: Publisher = { publish: async () => String(++published) };

beforeAll(async () => {
  environment = await LocalEnvironment.start({ projectId: `demo-it-takeover-${randomUUID().slice(0, 8)}` });
  store = environment.store;
}, 90_000);

afterAll(async () => {
  await environment?.stop();
}, 30_000);

async function until(what: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!what()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('run-tests take-over after the loop moved on', () => {
  it('a redelivery of a deployment whose cycle was superseded opens no new cycle and launches nothing', async () => {
    const loopId = `takeover-${randomUUID().slice(0, 8)}`;
    await store.putLoop(loopDoc({ loopId }), { reset: true });
    let now = new Date();
    const launches: TestJobRequest[] = [];
    let dying = true;
    const runTests = createRunTests({
      store,
      publisher,
      clock: { now: () => now },
      log: silentLogger,
      health: { check: async (service, url) => ({ service, url, ok: true, status: 200 }) },
      latency: { measure: async () => ({ samples: [], errors: 0 }) },
      launcher: {
        launch: async (request) => {
          launches.push(request);
          // The first delivery's process dies here: it launched, and never records that it did.
          if (dying && request.cycle === 1) return new Promise<never>(() => {});
          return { executionId: `${request.jobId}-exec` };
        },
      },
    });
    const first = deployFinished({ loopId, buildId: 'build-1', commit: 'a'.repeat(40) });
    void runTests(first, 'm1');
    await until(() => launches.length === 1);

    const second = await runTests(deployFinished({ loopId, buildId: 'build-2', commit: 'b'.repeat(40) }), 'm2');
    expect(second.detail).toMatch(/cycle 2 opened/);

    // The first delivery's claim expires; the redelivery of its message takes over.
    now = new Date(now.getTime() + IN_PROGRESS_TTL_MS + 1_000);
    dying = false;
    const takeover = await runTests(first, 'm1');

    expect(takeover.kind).toBe('duplicate');
    expect(takeover.detail).toBe('build build-1 is already cycle 1 (superseded); publishing what it left unpublished');
    const cycles = await store.listCycles(loopId);
    expect(cycles.map((c) => [c.n, c.buildId, c.phase])).toEqual([
      [1, 'build-1', 'superseded'],
      [2, 'build-2', 'testing'],
    ]);
    expect((await store.getLoop(loopId))?.currentCycle).toBe(2);
    expect(launches.map((l) => l.jobId)).toEqual([`${loopId}-c1`, `${loopId}-c2`]);
  }, 60_000);
});
