import { describe, expect, it } from 'vitest';
import { checkReality, realityBlocks } from '../../../shared/analysis/reality.js';
import { tc } from './cases.js';

describe('checkReality', () => {
  it('blocks passes that took no time, and the suite made of them', () => {
    const cases = [tc('a', { durationMs: 0 }), tc('b', { durationMs: 0 }), tc('c', { durationMs: 0.2 }), tc('d', { durationMs: 31 })];
    const f = checkReality(cases, { minRealTestMs: 1 });
    expect(f.map((x) => [x.kind, x.severity])).toEqual([
      ['instant-pass', 'blocker'],
      ['instant-suite', 'blocker'],
    ]);
    expect(f[0]!.message).toBe('3 of 4 passing tests took less than 1 ms: an end-to-end test that fast reached no service');
    expect(f[1]!.tests).toEqual(['e2e']);
    expect(realityBlocks(f)).toBe(true);
  });

  it('tells a missing duration apart from an instant one, as a warning', () => {
    const f = checkReality([tc('a', { durationMs: undefined }), tc('b')], { minRealTestMs: 1 });
    expect(f).toEqual([{ kind: 'no-duration', severity: 'warning', tests: [tc('a').id], message: '1 passing tests reported no duration: whether they ran cannot be checked' }]);
    expect(realityBlocks(f)).toBe(false);
  });

  it.each([
    ['a latency identical across a commit change is typed in', { p95_ms: 42.5 }, { p95_ms: 42.5 }, 'c2', ['typed-in-metric']],
    ['the same latency on the same commit proves nothing', { p95_ms: 42.5 }, { p95_ms: 42.5 }, 'c1', []],
    ['a count may repeat', { items: 3 }, { items: 3 }, 'c2', []],
    ['a measured latency moves', { p95_ms: 42.5 }, { p95_ms: 47.1 }, 'c2', []],
  ])('%s', (_name, before, now, commit, kinds) => {
    const c = tc('perf', { metrics: now });
    const f = checkReality([c], { minRealTestMs: 1, previousMetrics: { [c.id]: before }, previousCommit: 'c1', commit });
    expect(f.map((x) => x.kind)).toEqual(kinds);
  });

  it.each([
    [16, 20, []],
    [15, 20, ['fewer-tests']],
    [1, 20, ['fewer-tests']],
  ])('%i tests after %i before', (now, before, kinds) => {
    const cases = Array.from({ length: now }, (_, i) => tc(`t${i}`));
    expect(checkReality(cases, { minRealTestMs: 1, previousTestCount: before }).map((x) => x.kind)).toEqual(kinds);
  });

  it('says how many fewer', () => {
    expect(checkReality([tc('a')], { minRealTestMs: 1, previousTestCount: 20 })[0]).toMatchObject({ severity: 'blocker', message: '1 tests ran, 20 the cycle before: 95 % fewer' });
  });
});
