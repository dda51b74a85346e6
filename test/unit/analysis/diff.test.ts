import { describe, expect, it } from 'vitest';
import { diffCycles } from '../../../shared/analysis/diff.js';
import { idOf, tc } from './cases.js';

const before = [tc('a', { status: 'failed' }), tc('b'), tc('c', { status: 'failed' }), tc('gone'), tc('was-skipped', { status: 'skipped' })];
const after = [tc('a'), tc('b', { status: 'failed' }), tc('c', { status: 'failed' }), tc('new'), tc('retried', { flaky: true }), tc('was-skipped', { status: 'error' })];

describe('diffCycles', () => {
  it.each([
    ['across a commit change', 'c2', { regressions: ['b', 'was-skipped'], fixed: ['a'], stillFailing: ['c'], flaky: ['retried'], added: ['new', 'retried'], removed: ['gone'] }],
    // Nothing changed in the code, so a changed outcome is the test's or the environment's doing.
    ['on the same commit', 'c1', { regressions: ['was-skipped'], fixed: [], stillFailing: ['c'], flaky: ['a', 'b', 'retried'], added: ['new', 'retried'], removed: ['gone'] }],
  ])('tells regressions, fixed, still failing, flaky, added and removed apart %s', (_name, commit, expected) => {
    const d = diffCycles({ commit: 'c1', cases: before }, { commit, cases: after });
    const names = Object.fromEntries(Object.entries(expected).map(([k, v]) => [k, v.map((n) => idOf(n))]));
    expect(d).toEqual({ from: 'c1', to: commit, ...names, counts: Object.fromEntries(Object.entries(expected).map(([k, v]) => [k, v.length])) });
  });

  it('without a previous cycle lists only what passed on a retry', () => {
    const d = diffCycles(null, { commit: 'c1', cases: after });
    expect(d.counts).toEqual({ regressions: 0, fixed: 0, stillFailing: 0, flaky: 1, added: 0, removed: 0 });
  });

  it('cuts each list at 100 ids and keeps the full counts', () => {
    const prev = Array.from({ length: 5000 }, (_, i) => tc(`t${i}`));
    const now = prev.map((c) => ({ ...c, status: 'failed' as const }));
    const d = diffCycles({ commit: 'c1', cases: prev }, { commit: 'c2', cases: now });
    expect([d.regressions.length, d.counts.regressions]).toEqual([100, 5000]);
  });
});
