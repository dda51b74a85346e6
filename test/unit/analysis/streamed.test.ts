import { describe, expect, it } from 'vitest';
import { diffCycles, type CycleDiff } from '../../../shared/analysis/diff.js';
import { fiveWhys } from '../../../shared/analysis/five-whys.js';
import type { FailureCluster } from '../../../shared/analysis/clusters.js';
import { analyzeWithRules, createModelBackedAnalyzer, ruleBasedAnalyzer, whyContextOf } from '../../../shared/analysis/rule-based-analyzer.js';
import { encodeOutcomes, type OutcomeChunk } from '../../../shared/results/outcomes.js';
import type { StoredResults } from '../../../shared/domain/cycle-analyzer.js';
import type { TestCase } from '../../../shared/results/model.js';
import { Criteria } from '../../../shared/config/loop-config.js';
import { cycleDoc, loopDoc } from '../../support/docs.js';
import { tc } from './cases.js';

/** The diff as it was written before it streamed (Maps of both cycles' cases): the reference. */
function referenceDiff(previous: { commit?: string; cases: readonly TestCase[] } | null, current: { commit?: string; cases: readonly TestCase[] }): CycleDiff {
  const failing = (c: TestCase) => c.status === 'failed' || c.status === 'error';
  const before = new Map((previous?.cases ?? []).map((c) => [c.id, c]));
  const seen = new Set<string>();
  const l = { regressions: [] as string[], fixed: [] as string[], stillFailing: [] as string[], flaky: [] as string[], added: [] as string[], removed: [] as string[] };
  const sameCommit = previous?.commit !== undefined && previous.commit === current.commit;
  for (const c of current.cases) {
    if (seen.has(c.id)) continue;
    seen.add(c.id);
    const b = before.get(c.id);
    const isFlaky = c.flaky === true || (sameCommit && b !== undefined && b.status !== 'skipped' && c.status !== 'skipped' && failing(b) !== failing(c));
    if (isFlaky) l.flaky.push(c.id);
    if (previous && !b) l.added.push(c.id);
    if (isFlaky && b) continue;
    if (failing(c)) {
      if (b && failing(b)) l.stillFailing.push(c.id);
      else if (previous) l.regressions.push(c.id);
    } else if (c.status === 'passed' && b && failing(b)) l.fixed.push(c.id);
  }
  for (const id of before.keys()) if (!seen.has(id)) l.removed.push(id);
  const counts = Object.fromEntries(Object.entries(l).map(([k, v]) => [k, v.length])) as CycleDiff['counts'];
  const cut = Object.fromEntries(Object.entries(l).map(([k, v]) => [k, v.slice(0, 100)])) as Omit<CycleDiff, 'from' | 'to' | 'counts'>;
  return { from: previous?.commit ?? null, to: current.commit ?? null, ...cut, counts };
}

/** A seeded generator, so a failure can be replayed. */
function random(seed: number) {
  return () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
}

const STATUSES = ['passed', 'passed', 'passed', 'failed', 'error', 'skipped'] as const;

/** Two cycles of about 2,000 tests: outcomes change, some tests are removed, renamed, repeated, or passed on a retry. */
function cycles(seed: number): { before: TestCase[]; after: TestCase[] } {
  const r = random(seed);
  const pick = () => STATUSES[Math.floor(r() * STATUSES.length)]!;
  const before = Array.from({ length: 2000 }, (_, i) => tc(`test_${i}`, { status: pick(), message: 'AssertionError: expected 201 but got 503' }));
  before.push(tc('test_7', { status: 'failed' }), tc('test_8', { status: 'passed' })); // repeated ids: the last one counts
  const after: TestCase[] = [];
  for (const [i, c] of before.slice(0, 2000).entries()) {
    const x = r();
    if (x < 0.05) continue; // removed
    if (x < 0.08) after.push(tc(`renamed_${i}`, { status: pick() }));
    else after.push(tc(c.name, { status: pick(), ...(r() < 0.02 ? { flaky: true } : {}), ...(pick() === 'failed' ? { message: `Error: connect ECONNREFUSED 127.0.0.1:${5000 + (i % 3)}` } : {}) }));
  }
  after.push(tc('test_10'), tc('brand_new', { status: 'failed' }));
  return { before, after };
}

/** A store's view of cases held in chunks of `size`; `legacy` chunks have no outcome map. Counts the passes over the cases. */
function stored(cases: readonly TestCase[], size: number, legacy = false): StoredResults & { passes: number } {
  const chunks: TestCase[][] = [];
  for (let i = 0; i < cases.length; i += size) chunks.push(cases.slice(i, i + size));
  const results = {
    passes: 0,
    async *chunks() {
      results.passes++;
      for (const c of chunks) yield c;
    },
    async *outcomes(): AsyncIterable<OutcomeChunk> {
      for (const c of chunks) yield legacy ? { cases: c } : { encoded: encodeOutcomes(c) };
    },
  };
  return results;
}

describe('the diff against the previous cycle\'s outcome map', () => {
  it.each([1, 2, 3, 4, 5])('lists exactly what the Map-based diff listed (seed %i), across a commit change and on the same commit', (seed) => {
    const { before, after } = cycles(seed);
    for (const commit of ['c2', 'c1']) {
      const d = diffCycles({ commit: 'c1', cases: before }, { commit, cases: after });
      expect(d).toEqual(referenceDiff({ commit: 'c1', cases: before }, { commit, cases: after }));
      expect(d.counts.removed).toBeGreaterThan(50);
      expect(d.counts.added).toBeGreaterThan(40);
    }
    expect(diffCycles(null, { commit: 'c1', cases: after })).toEqual(referenceDiff(null, { commit: 'c1', cases: after }));
  });
});

describe('the analysis of results streamed from the store', () => {
  const loop = loopDoc({ currentCycle: 2, config: { ...loopDoc().config, criteria: Criteria.parse({ minPassRate: 0.9, mustPass: ['test_1*'] }) } });
  const previousCycle = cycleDoc({ n: 1, phase: 'done', commit: '1'.repeat(40) });
  const cycle = cycleDoc({ n: 2, phase: 'analyzing', commit: '2'.repeat(40) });

  it.each([
    ['with outcome maps', false],
    ['of a previous set stored before outcome maps existed', true],
  ])('is the analysis of the same cases held in memory, %s', async (_name, legacy) => {
    const { before, after } = cycles(7);
    const held = analyzeWithRules({ loop, cycle, cases: after, previous: { cycle: previousCycle, cases: before }, labels: [] });
    const streamed = await ruleBasedAnalyzer({ loop, cycle, results: stored(after, 150), previous: { cycle: previousCycle, results: stored(before, 170, legacy) }, labels: [] });
    expect(streamed).toEqual(held);
    const diff = streamed.analysis.diff as CycleDiff;
    expect(diff.removed.length).toBeGreaterThan(50);
    expect(diff.removed).toEqual(referenceDiff({ commit: previousCycle.commit, cases: before }, { commit: cycle.commit, cases: after }).removed);
    expect(streamed.facts.failing).toBe(after.filter((c) => c.status === 'failed' || c.status === 'error').length);
    // The five whys, as they were when the previous cycle's failing ids were all held.
    const previousFailing = before.filter((c) => c.status === 'failed' || c.status === 'error').map((c) => c.id);
    const context = { ...whyContextOf({ cycle, previous: { cycle: previousCycle, cases: before } }), previousFailing };
    const clusters = streamed.analysis.clusters as Array<FailureCluster & { whys: unknown; rootCause: string }>;
    expect(clusters.map((c) => c.whys)).toEqual(clusters.map((c) => fiveWhys(c, context).whys));
    expect(clusters.some((c) => c.whys && JSON.stringify(c.whys).includes('already failed in the previous cycle'))).toBe(true);
  });

  it('reads the previous cycle\'s cases only when tests were removed, and its outcome maps otherwise', async () => {
    const before = Array.from({ length: 500 }, (_, i) => tc(`test_${i}`, { status: i % 10 === 0 ? 'failed' : 'passed' }));
    const same = before.map((c, i) => ({ ...c, status: i % 25 === 0 ? ('failed' as const) : ('passed' as const) }));
    const previous = stored(before, 100);
    const out = await ruleBasedAnalyzer({ loop, cycle, results: stored(same, 100), previous: { cycle: previousCycle, results: previous }, labels: [] });
    expect(previous.passes).toBe(0);
    expect((out.analysis.diff as CycleDiff).counts).toEqual({ regressions: 10, fixed: 40, stillFailing: 10, flaky: 0, added: 0, removed: 0 });

    const fewer = stored(before, 100);
    const cut = await ruleBasedAnalyzer({ loop, cycle, results: stored(same.slice(0, 450), 100), previous: { cycle: previousCycle, results: fewer }, labels: [] });
    expect(fewer.passes).toBe(1);
    expect((cut.analysis.diff as CycleDiff).removed).toEqual(before.slice(450).map((c) => c.id));
  });

  it('still lets a model re-explain the clusters of a streamed cycle', async () => {
    const { before, after } = cycles(3);
    const model = { name: 'fake-model', explain: async () => ({ whys: [{ question: 'Why?', answer: 'the database was down', evidence: ['E1'] }], rootCause: 'database down', fix: 'start it' }) };
    const analyze = createModelBackedAnalyzer(async () => model);
    const out = await analyze({ loop, cycle, results: stored(after, 200), previous: { cycle: previousCycle, results: stored(before, 200) }, labels: [] });
    const clusters = out.analysis.clusters as Array<{ analyzer: string; rootCause: string }>;
    expect(clusters.length).toBeGreaterThan(1);
    expect(clusters.every((c) => c.analyzer === 'fake-model' && c.rootCause === 'database down')).toBe(true);
    expect(out.facts).toEqual(analyzeWithRules({ loop, cycle, cases: after, previous: { cycle: previousCycle, cases: before }, labels: [] }).facts);
  });
});
