import { describe, expect, it } from 'vitest';
import { RunTally, suitesOf, totalsOf } from '../../../shared/results/tally.js';
import type { TestCase } from '../../../shared/results/model.js';

const tc = (suite: string, status: TestCase['status'], durationMs?: number, flaky?: boolean): TestCase => ({
  id: `${suite}::${Math.random()}`,
  suite,
  name: 'n',
  status,
  ...(durationMs === undefined ? {} : { durationMs }),
  ...(flaky ? { flaky } : {}),
});

const cases = [
  tc('api', 'passed', 12.5),
  tc('api', 'failed', 100),
  tc('api', 'passed', 0.1, true),
  tc('web', 'error'),
  tc('web', 'skipped', 0),
  tc('db', 'passed', 0.2),
];

describe('RunTally counts a run as its cases go by', () => {
  it('counts every outcome, flaky cases and the sum of durations, a missing duration as nothing', () => {
    expect(totalsOf(cases)).toEqual({ tests: 6, passed: 3, failed: 1, errors: 1, skipped: 1, flaky: 1, durationMs: 112.8 });
  });

  it('keeps one summary per suite, in the order the suites were first seen', () => {
    expect(suitesOf(cases)).toEqual([
      { name: 'api', tests: 3, passed: 2, failed: 1, errors: 0, skipped: 0, durationMs: 112.6 },
      { name: 'web', tests: 2, passed: 0, failed: 0, errors: 1, skipped: 1, durationMs: 0 },
      { name: 'db', tests: 1, passed: 1, failed: 0, errors: 0, skipped: 0, durationMs: 0.2 },
    ]);
  });

  it.each([
    ['an empty run', 0],
    ['files split after the first case', 1],
    ['files split in the middle of a suite', 2],
    ['files split after the last case', 6],
  ])('merged per file, %s, it counts what one tally of every case counts', (_what, at) => {
    const first = new RunTally();
    const second = new RunTally();
    cases.slice(0, at).forEach((c) => first.add(c));
    cases.slice(at).forEach((c) => second.add(c));
    const all = new RunTally();
    all.merge(first);
    all.merge(second);
    expect(all.totals()).toEqual(totalsOf(cases));
    expect(all.suites()).toEqual(suitesOf(cases));
  });

  it('rounds the run duration to the microsecond and hands out copies', () => {
    const tally = new RunTally();
    tally.add(tc('api', 'passed', 0.1));
    tally.add(tc('api', 'passed', 0.2));
    expect(tally.totals().durationMs).toBe(0.3);
    tally.suites()[0]!.tests = 99;
    tally.totals().tests = 99;
    expect(tally.suites()[0]!.tests).toBe(2);
    expect(tally.totals().tests).toBe(2);
  });
});
