import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalEnvironment } from '../../shared/local/environment.js';
import type { FirestoreLoopStore } from '../../shared/adapters/firestore/loop-store.js';
import { createRecordResults } from '../../shared/chain/record-results/record-results.js';
import { createAnalyze } from '../../shared/chain/analyze/analyze.js';
import { ruleBasedAnalyzer } from '../../shared/analysis/rule-based-analyzer.js';
import { suitesOf, totalsOf } from '../../shared/results/ingest.js';
import { caseId, type TestCase } from '../../shared/results/model.js';
import type { CycleDiff } from '../../shared/analysis/diff.js';
import { silentLogger } from '../../shared/adapters/json-logger.js';
import { systemClock, type Publisher } from '../../shared/ports/services.js';
import { loopDoc } from '../support/docs.js';

/**
 * The analyze step on the Firestore emulator, reading what record-results stored: the
 * previous cycle's outcome maps (or, for a set stored before maps existed, its cases), then
 * the cycle's cases chunk by chunk. 2,000 tests a cycle, a few failing, some removed or renamed.
 */
let environment: LocalEnvironment;
let store: FirestoreLoopStore;
const published: string[] = [];
const publisher: Publisher = {
  publish: async (topic) => {
    published.push(topic);
    return String(published.length);
  },
};
const deps = () => ({ store, publisher, clock: systemClock, log: silentLogger });

beforeAll(async () => {
  environment = await LocalEnvironment.start({ projectId: `demo-it-stream-${randomUUID().slice(0, 8)}` });
  store = environment.store;
}, 90_000);

afterAll(async () => {
  await environment?.stop();
}, 30_000);

const test = (name: string, patch: Partial<TestCase> = {}): TestCase => {
  const suite = `suite-${Number(/\d+/.exec(name)?.[0] ?? 0) % 20}`;
  // Text on every case, so that chunks are many (about 60 cases each).
  return { id: caseId({ suite, name }), suite, name, status: 'passed', durationMs: 120, output: `log of ${name} `.repeat(200), ...patch };
};
const failed = (name: string, message: string) => test(name, { status: 'failed', message, details: `Traceback\n  File "tests/${name}.py", line 12` });

/** Cycle 1: 2,000 tests, test_5 and test_17 failing, test_40 erroring. */
const first = Array.from({ length: 2000 }, (_, i) =>
  i === 5 || i === 17 ? failed(`test_${i}`, 'AssertionError: expected 3 items, got 2') : i === 40 ? test('test_40', { status: 'error', message: 'boom' }) : test(`test_${i}`),
);
/** Cycle 2: test_1990-1999 removed, test_1000-1004 renamed, test_5 and test_40 fixed, test_17 still failing, test_300-301 broken, test_302 passed on a retry. */
const second = first.flatMap((c, i): TestCase[] => {
  if (i >= 1990) return [];
  if (i >= 1000 && i <= 1004) return [test(`test_${i}_v2`)];
  if (i === 5 || i === 40) return [test(`test_${i}`)];
  if (i === 300 || i === 301) return [failed(`test_${i}`, 'Error: connect ECONNREFUSED 127.0.0.1:5432')];
  if (i === 302) return [test('test_302', { flaky: true, retries: 1 })];
  return [c];
});
const ids = (names: string[]) => names.map((n) => test(n).id);
const expectedDiff = (from: string, to: string): CycleDiff => {
  const lists = {
    regressions: ids(['test_300', 'test_301']),
    fixed: ids(['test_5', 'test_40']),
    stillFailing: ids(['test_17']),
    flaky: ids(['test_302']),
    added: ids([0, 1, 2, 3, 4].map((k) => `test_100${k}_v2`)),
    removed: ids([...[0, 1, 2, 3, 4].map((k) => `test_100${k}`), ...Array.from({ length: 10 }, (_, k) => `test_199${k}`)]),
  };
  return { from, to, ...lists, counts: Object.fromEntries(Object.entries(lists).map(([k, v]) => [k, v.length])) as CycleDiff['counts'] };
};

/** Runs cycle n of a loop to analyzing through record-results, as the test job does. */
async function recorded(loopId: string, n: number, cases: TestCase[]): Promise<string> {
  const jobId = `${loopId}-c${n}`;
  const commit = String(n).repeat(40);
  await store.transact({ loopId, cycle: n }, () => ({
    writes: { loop: { currentCycle: n }, cycles: [{ n, data: { loopId, n, phase: 'testing', commit, testJob: { jobId }, phaseAt: { testing: new Date().toISOString() } } }] },
    result: null,
  }));
  const now = new Date().toISOString();
  const outcome = await createRecordResults(deps())({
    loopId,
    cycle: n,
    jobId,
    run: { cases, totals: totalsOf(cases), suites: suitesOf(cases), files: [], rejected: [] },
    exitCode: 1,
    crashed: false,
    commandStartedAt: now,
    commandFinishedAt: now,
  });
  expect(outcome.kind).toBe('done');
  return jobId;
}

async function done(loopId: string, n: number): Promise<void> {
  await store.transact({ loopId, cycle: n }, () => ({ writes: { cycles: [{ n, data: { phase: 'done', phaseAt: { done: new Date().toISOString() } } }] }, result: null }));
}

/** Cycle 1 as versions before outcome maps stored it: chunks 00000, 00001, ... without a set or a map. */
async function legacyCycle(loopId: string, cases: TestCase[]): Promise<void> {
  const cycleRef = environment.firestore.collection('loops').doc(loopId).collection('cycles').doc('1');
  const chunks: TestCase[][] = [];
  for (let i = 0; i < cases.length; i += 60) chunks.push(cases.slice(i, i + 60));
  await Promise.all(chunks.map((chunk, index) => cycleRef.collection('results').doc(String(index).padStart(5, '0')).set({ index, count: chunk.length, cases: chunk })));
  await store.transact({ loopId, cycle: 1 }, () => ({
    writes: { cycles: [{ n: 1, data: { loopId, n: 1, phase: 'done', commit: '1'.repeat(40), totals: totalsOf(cases), resultChunks: chunks.length, phaseAt: { done: new Date().toISOString() } } }] },
    result: null,
  }));
}

async function analyzeCycle2(loopId: string, jobId: string) {
  const c = (await store.getCycle(loopId, 2))!;
  return createAnalyze({ ...deps(), analyzer: ruleBasedAnalyzer })(
    { loopId, cycle: 2, jobId, exitCode: 1, crashed: false, totals: c.totals!, rejected: [], resultChunks: c.resultChunks, startedAt: c.phaseAt.testing!, finishedAt: c.phaseAt.testing! },
    `${loopId}-msg`,
  );
}

describe('the analyze step streams what record-results stored', () => {
  it('stores an outcome map with every chunk, read without the cases\' text', async () => {
    await store.putLoop(loopDoc({ loopId: 'stream-maps', currentCycle: 1 }), { reset: true });
    await recorded('stream-maps', 1, first);
    const maps = [];
    for await (const chunk of store.readOutcomeChunks('stream-maps', 1)) maps.push(chunk);
    const cycle = await store.getCycle('stream-maps', 1);
    expect(cycle!.resultChunks).toBeGreaterThan(10);
    expect(maps).toHaveLength(cycle!.resultChunks);
    expect(maps.every((m) => 'encoded' in m)).toBe(true);
    expect(maps.reduce((s, m) => s + ('encoded' in m ? (m.encoded.length - 1) / 9 : 0), 0)).toBe(2000);
    const streamed: TestCase[] = [];
    for await (const chunk of store.readResultChunks('stream-maps', 1)) streamed.push(...chunk);
    expect(streamed).toEqual(await store.readResults('stream-maps', 1));
  });

  it.each([
    ['with the outcome maps record-results stored', false],
    ['against a previous cycle stored before outcome maps existed', true],
  ])('names the newly failing, fixed, flaky, added and removed tests %s', async (_name, legacy) => {
    const loopId = legacy ? 'stream-legacy' : 'stream-current';
    await store.putLoop(loopDoc({ loopId, currentCycle: 1 }), { reset: true });
    if (legacy) {
      await legacyCycle(loopId, first);
      // No maps: the analysis derives them from the cases.
      for await (const chunk of store.readOutcomeChunks(loopId, 1)) expect(Object.keys(chunk)).toEqual(['cases']);
    } else {
      await recorded(loopId, 1, first);
      await done(loopId, 1);
    }
    const jobId = await recorded(loopId, 2, second);
    const outcome = await analyzeCycle2(loopId, jobId);
    expect(outcome.kind).toBe('done');
    const cycle = (await store.getCycle(loopId, 2))!;
    expect(cycle.phase).toBe('reporting');
    const analysis = cycle.analysis as { diff: CycleDiff; counts: Record<string, number>; clusters: Array<{ tests: string[]; whys: Array<{ question: string; answer: string }> }> };
    expect(analysis.diff).toEqual(expectedDiff('1'.repeat(40), '2'.repeat(40)));
    expect(analysis.counts).toEqual({ tests: 1990, executed: 1990, passed: 1987, failing: 3, skipped: 0, flaky: 1 });
    const stillFailing = analysis.clusters.find((c) => c.tests.includes(test('test_17').id))!;
    expect(stillFailing.whys.find((w) => w.question === 'Is it new?')!.answer).toMatch(/^no: 1 of 1 already failed in the previous cycle/);
    const broken = analysis.clusters.find((c) => c.tests.includes(test('test_300').id))!;
    expect(broken.whys.find((w) => w.question === 'Is it new?')!.answer).toMatch(/^yes: none of these tests failed in the previous cycle/);

    // A redelivery changes nothing.
    expect((await analyzeCycle2(loopId, jobId)).kind).toBe('duplicate');
    expect((await store.getCycle(loopId, 2))!.analysis).toEqual(cycle.analysis);
  });
});
