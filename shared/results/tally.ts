import type { RunTotals, SuiteSummary, TestCase } from './model.js';

/**
 * Totals and per-suite counts of a run, kept as cases go by, so a run of any size is counted
 * without holding its cases. `merge` adds another tally: a file's cases count only once the
 * whole file was read.
 */
export class RunTally {
  private readonly counts: RunTotals = { tests: 0, passed: 0, failed: 0, errors: 0, skipped: 0, flaky: 0, durationMs: 0 };
  private readonly bySuite = new Map<string, SuiteSummary>();

  /** Counts a case: a TestCase, or what countJUnit tells of one. */
  add(c: Pick<TestCase, 'suite' | 'status' | 'flaky' | 'durationMs'>): void {
    const t = this.counts;
    t.tests++;
    t[statusKey(c.status)]++;
    if (c.flaky) t.flaky++;
    t.durationMs += c.durationMs ?? 0;
    const s = this.suite(c.suite);
    s.tests++;
    s[statusKey(c.status)]++;
    s.durationMs += c.durationMs ?? 0;
  }

  merge(other: RunTally): void {
    addFields(this.counts, other.counts, TOTAL_FIELDS);
    for (const theirs of other.bySuite.values()) addFields(this.suite(theirs.name), theirs, SUITE_FIELDS);
  }

  /** The totals, durations rounded to the microsecond. */
  totals(): RunTotals {
    return { ...this.counts, durationMs: Math.round(this.counts.durationMs * 1000) / 1000 };
  }

  /** One summary per suite, in the order the suites were first seen. */
  suites(): SuiteSummary[] {
    return [...this.bySuite.values()].map((s) => ({ ...s }));
  }

  private suite(name: string): SuiteSummary {
    let s = this.bySuite.get(name);
    if (!s) this.bySuite.set(name, (s = { name, tests: 0, passed: 0, failed: 0, errors: 0, skipped: 0, durationMs: 0 }));
    return s;
  }
}

const SUITE_FIELDS = ['tests', 'passed', 'failed', 'errors', 'skipped', 'durationMs'] as const;
const TOTAL_FIELDS = [...SUITE_FIELDS, 'flaky'] as const;

function addFields<K extends string>(into: Record<K, number>, from: Record<K, number>, fields: readonly K[]): void {
  for (const f of fields) into[f] += from[f];
}

function statusKey(status: TestCase['status']): 'passed' | 'failed' | 'errors' | 'skipped' {
  return status === 'error' ? 'errors' : status;
}

/** The tally of cases held in memory. */
export function tallyOf(cases: Iterable<TestCase>): RunTally {
  const tally = new RunTally();
  for (const c of cases) tally.add(c);
  return tally;
}

export function totalsOf(cases: Iterable<TestCase>): RunTotals {
  return tallyOf(cases).totals();
}

export function suitesOf(cases: Iterable<TestCase>): SuiteSummary[] {
  return tallyOf(cases).suites();
}
