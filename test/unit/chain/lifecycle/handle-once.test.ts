import { describe, expect, it } from 'vitest';
import { handleOnce, type StepPlan } from '../../../../shared/chain/lifecycle/run-step.js';
import { IN_PROGRESS_TTL_MS, type StepDeps } from '../../../../shared/chain/lifecycle/step-deps.js';
import type { DedupRecord, TxPlan, TxView } from '../../../../shared/ports/loop-store.js';
import type { LoopStore } from '../../../../shared/ports/loop-store.js';

// A delivery that finds the fact claimed by another one (busy) waits for that one to finish or
// for its claim to expire, instead of failing and spending one of the subscription's attempts
// per redelivery. The store and the clock are in memory: the clock's sleep moves its time on.

const KEY = 'step~loop-1~1';
const T0 = Date.parse('2026-12-04T10:00:00.000Z');

function world(record: DedupRecord | null) {
  let now = T0;
  const events: Array<[number, () => void]> = [];
  const reads: number[] = [];
  const warnings: string[] = [];
  const state = { record, planned: 0 };
  const store = {
    getDedup: async () => {
      reads.push(now - T0);
      return state.record;
    },
    transact: async <R>(_request: unknown, plan: (view: TxView) => TxPlan<R>): Promise<R> => {
      const { writes, result } = plan({ loop: null, cycle: null, current: null, dedup: state.record });
      if (writes?.dedup) state.record = writes.dedup;
      return result;
    },
    completeDedup: async (_key: string, outcome: string) => {
      state.record = { ...state.record!, state: 'completed', outcome };
    },
    releaseDedup: async () => {
      state.record = null;
    },
  } as unknown as LoopStore;
  const deps: StepDeps = {
    store,
    publisher: { publish: async () => 'id' },
    clock: {
      now: () => new Date(now),
      sleep: async (ms) => {
        now += ms;
        for (const [at, what] of events) if (at <= now - T0) what();
        events.splice(0, events.length, ...events.filter(([at]) => at > now - T0));
      },
    },
    log: { info: () => {}, warn: (m) => void warnings.push(m), error: () => {} },
  };
  /** Runs `what` once the clock has passed `atMs` after the start. */
  const at = (atMs: number, what: () => void) => events.push([atMs, what]);
  return { deps, state, reads, warnings, at, advance: (ms: number) => (now += ms) };
}

function held(messageId: string, atMs: number): DedupRecord {
  return {
    key: KEY,
    step: 'step',
    messageId,
    loopId: 'loop-1',
    cycle: 1,
    state: 'in-progress',
    at: new Date(T0 + atMs).toISOString(),
    expiresAt: new Date(T0 + atMs + IN_PROGRESS_TTL_MS).toISOString(),
  };
}

function deliver(w: ReturnType<typeof world>, messageId = 'm2') {
  return handleOnce<StepPlan>(w.deps, {
    step: 'step',
    fact: ['loop-1', 1],
    loopId: 'loop-1',
    cycle: 1,
    messageId,
    alreadyDone: (r) => ({ kind: 'duplicate', detail: `already done: ${r.outcome}` }),
    plan: () => {
      w.state.planned++;
      return { result: { outcome: { kind: 'done', detail: `done by ${messageId}` }, pending: [] } };
    },
  });
}

describe('a delivery that finds the fact being handled', () => {
  it('waits for the other delivery to finish and answers from its record, without doing the work again', async () => {
    const w = world(held('m1', 0));
    w.at(600, () => void (w.state.record = { ...w.state.record!, state: 'completed', outcome: 'done by m1' }));
    const handled = await deliver(w);
    expect(handled.outcome).toEqual({ kind: 'duplicate', detail: 'already done: done by m1' });
    expect(handled.claimed).toBe(false);
    expect(w.state.planned).toBe(0);
    // Read at once, then after 0.25 s and 0.75 s (the pauses double): done within a second.
    expect(w.reads).toEqual([0, 250, 750]);
  });

  it('takes the fact over itself once the claim of a delivery that died expires, and says so', async () => {
    const w = world(held('m1', 0));
    const handled = await deliver(w);
    expect(handled.outcome).toEqual({ kind: 'done', detail: 'done by m2' });
    expect(w.state.planned).toBe(1);
    expect(w.state.record).toMatchObject({ state: 'completed', messageId: 'm2', outcome: 'done by m2' });
    expect(w.reads.at(-1)).toBeGreaterThanOrEqual(IN_PROGRESS_TTL_MS);
    expect(w.reads.at(-1)).toBeLessThanOrEqual(IN_PROGRESS_TTL_MS + 100);
    expect(w.warnings).toEqual([`step: ${KEY}: taken over from a delivery of message m1, which claimed it at 2026-12-04T10:00:00.000Z and never finished`]);
  });

  it('waits only as long as the claim has left: one found 14 s old is taken over about a second later', async () => {
    const w = world(held('m1', -14_000));
    await deliver(w);
    expect(w.reads).toEqual([0, 250, 750, 1050]);
    expect(w.state.planned).toBe(1);
  });

  it('still busy after one claim\'s time (another delivery took over meanwhile): told to retry later', async () => {
    const w = world(held('m1', 0));
    w.at(14_000, () => void (w.state.record = held('m3', 14_000)));
    await expect(deliver(w)).rejects.toThrow(`step: ${KEY} is being handled by another delivery; retry later`);
    expect(w.state.planned).toBe(0);
    expect(w.reads.at(-1)).toBeLessThanOrEqual(IN_PROGRESS_TTL_MS + 100);
  });

  it('a clock that cannot wait (a frozen test clock) keeps the old answer: retry later, at once', async () => {
    const w = world(held('m1', 0));
    delete w.deps.clock.sleep;
    await expect(deliver(w)).rejects.toThrow('is being handled by another delivery');
    expect(w.reads).toEqual([0]);
  });
});
