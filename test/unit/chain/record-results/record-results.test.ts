import { describe, expect, it } from 'vitest';
import { createRecordResults, resultSetOf, type JobReport } from '../../../../shared/chain/record-results/record-results.js';
import { silentLogger } from '../../../../shared/adapters/json-logger.js';
import type { Publisher } from '../../../../shared/ports/services.js';
import type { LoopStore } from '../../../../shared/ports/loop-store.js';
import { caseId, type TestCase } from '../../../../shared/results/model.js';
import { RunTally } from '../../../../shared/results/tally.js';
import { cycleDoc, loopDoc } from '../../../support/docs.js';
import { MemoryResultStore } from '../../../support/memory-store.js';
import { TransientError } from '../../../../shared/kernel/errors.js';
import { retryTransient } from '../../../../shared/kernel/retry.js';

const clock = { now: () => new Date('2026-11-24T10:10:00.000Z') };

function setup() {
  const store = new MemoryResultStore(loopDoc({ currentCycle: 1 }));
  store.cycles.set(1, cycleDoc({ phase: 'testing', totals: undefined, testJob: { jobId: 'shop-main-c1' } }));
  const published: string[] = [];
  const publisher: Publisher = { publish: async (topic) => (published.push(topic), String(published.length)) };
  const record = createRecordResults({ store: store as unknown as LoopStore, publisher, clock, log: silentLogger });
  return { store, published, record };
}

/** A report whose cases are read as they are iterated, as the job hands them over. */
function report(n: number, startedAt = '2026-11-24T10:01:00.000Z'): JobReport & { iterated: () => number } {
  const tally = new RunTally();
  const make = (i: number): TestCase => ({ id: caseId({ suite: 'e2e', name: `t${i}` }), suite: 'e2e', name: `t${i}`, status: i % 10 === 0 ? 'failed' : 'passed', message: i % 10 === 0 ? `token=ghp_${'a'.repeat(36)}` : undefined });
  for (let i = 0; i < n; i++) tally.add(make(i));
  let iterated = 0;
  async function* cases() {
    for (let i = 0; i < n; i++) {
      iterated++;
      yield make(i);
    }
  }
  return {
    loopId: 'shop-main',
    cycle: 1,
    jobId: 'shop-main-c1',
    run: { cases: cases(), totals: tally.totals(), suites: tally.suites(), files: [], rejected: [] },
    exitCode: 1,
    crashed: false,
    commandStartedAt: startedAt,
    commandFinishedAt: '2026-11-24T10:09:00.000Z',
    iterated: () => iterated,
  };
}

describe('recordResults stores the streamed cases, then moves the cycle on in one transaction', () => {
  it('stores every case, secrets removed, names the set on the cycle and publishes tests-finished', async () => {
    const { store, published, record } = setup();
    const r = report(250);
    expect(await record(r)).toEqual({ kind: 'done', detail: 'cycle 1: 250 results stored in 3 chunks' });
    const cycle = store.cycles.get(1)!;
    expect(cycle).toMatchObject({ phase: 'analyzing', resultChunks: 3, resultSet: 'shop-main-c1@2026-11-24T10:01:00.000Z', totals: { tests: 250, failed: 25 } });
    const stored = await store.readResults('shop-main', 1);
    expect(stored).toHaveLength(250);
    expect(stored[0]!.message).not.toContain('ghp_');
    expect(published).toEqual(['tests-finished', 'loop-events']);
  });

  it('a record retried after a transient fault halfway stores every case, once', async () => {
    const { store, record } = setup();
    const r = report(250);
    const cases: TestCase[] = [];
    for await (const c of r.run.cases) cases.push(c);
    // Re-iterable, as the job hands its cases over: each reading starts again.
    r.run.cases = { [Symbol.asyncIterator]: async function* () { yield* cases; } };
    let faults = 0;
    store.beforeCase = (i) => {
      if (i === 120 && faults++ === 0) throw new TransientError('Firestore unavailable');
    };
    const outcome = await retryTransient('recording the results', () => record(r), { isTransient: (e) => e instanceof TransientError, sleep: async () => {} });
    expect(outcome.kind).toBe('done');
    expect(await store.readResults('shop-main', 1)).toHaveLength(250);
    expect(store.sets.size).toBe(1);
  });

  it('a rerun of the job with fewer cases leaves only its own set', async () => {
    const { store, record } = setup();
    await store.saveResults('shop-main', 1, resultSetOf({ jobId: 'shop-main-c1', commandStartedAt: '2026-11-24T09:00:00.000Z' }), report(900).run.cases);
    expect((await record(report(40))).kind).toBe('done');
    expect([...store.sets.keys()]).toEqual(['1/shop-main-c1@2026-11-24T10:01:00.000Z']);
    expect(await store.readResults('shop-main', 1)).toHaveLength(40);
  });

  it('reads no case of a job whose cycle moved on before it began', async () => {
    const { store, record } = setup();
    store.cycles.set(1, { ...store.cycles.get(1)!, phase: 'superseded' });
    const r = report(100);
    expect(await record(r)).toEqual({ kind: 'ignored', detail: 'cycle 1 is superseded (job shop-main-c1): results of shop-main-c1 not recorded' });
    expect(r.iterated()).toBe(0);
    expect(store.sets.size).toBe(0);
  });

  it('drops what a job wrote when its cycle moved on while it was writing; what the cycle names stays', async () => {
    const { store, record } = setup();
    expect((await record(report(30))).kind).toBe('done');
    const named = await store.readResults('shop-main', 1);
    // A second run of the same job, started while the first was still testing.
    store.cycles.set(1, { ...store.cycles.get(1)!, phase: 'testing' });
    store.beforeCase = (i) => {
      if (i === 50) store.cycles.set(1, { ...store.cycles.get(1)!, phase: 'analyzing' });
    };
    const late = await record(report(120, '2026-11-24T10:02:00.000Z'));
    expect(late).toEqual({ kind: 'ignored', detail: 'cycle 1 moved on while shop-main-c1 stored its results' });
    expect([...store.sets.keys()]).toEqual(['1/shop-main-c1@2026-11-24T10:01:00.000Z']);
    expect(await store.readResults('shop-main', 1)).toEqual(named);
  });

  it('the same report recorded again is refused and leaves the set the cycle names', async () => {
    const { store, record } = setup();
    const first = report(60);
    expect((await record(first)).kind).toBe('done');
    // Sent twice at once: the second began while the cycle was still testing (the first had
    // not committed), writes the same set again, and is refused when the first has committed.
    const recorded = store.cycles.get(1)!;
    store.cycles.set(1, { ...recorded, phase: 'testing', resultSet: undefined });
    store.beforeCase = (i) => {
      if (i === 59) store.cycles.set(1, recorded);
    };
    expect((await record(report(60))).kind).toBe('ignored');
    expect(await store.readResults('shop-main', 1)).toHaveLength(60);
    // Sent again after the first committed: already recorded, nothing written.
    store.beforeCase = () => {
      throw new Error('nothing may be written');
    };
    expect(await record(report(60))).toEqual({ kind: 'done', detail: 'cycle 1: the results of shop-main-c1 were already recorded' });
  });

  it('a job whose writing fails leaves the cycle testing and drops what it wrote', async () => {
    const { store, record } = setup();
    store.beforeCase = (i) => {
      if (i === 70) throw new Error('deadline exceeded');
    };
    await expect(record(report(100))).rejects.toThrow('deadline exceeded');
    expect(store.sets.size).toBe(0);
    expect(store.cycles.get(1)).toMatchObject({ phase: 'testing', resultChunks: 0 });
  });
});
