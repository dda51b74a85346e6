import type { TestCase } from '../results/model.js';

/** What changed between two cycles, case by case; each list is cut, `counts` has the totals. */
export interface CycleDiff {
  /** The commits compared: the one the tests broke or fixed on is `to`. */
  from: string | null;
  to: string | null;
  /** Failing now, passing, skipped or absent before. */
  regressions: string[];
  /** Passing now, failing before. */
  fixed: string[];
  stillFailing: string[];
  /** Passed on a retry, or a different outcome on the same commit. */
  flaky: string[];
  added: string[];
  removed: string[];
  counts: { regressions: number; fixed: number; stillFailing: number; flaky: number; added: number; removed: number };
}

const MAX_IDS = 100;
const failing = (c: TestCase) => c.status === 'failed' || c.status === 'error';

/**
 * What changed between two cycles' results. On the same commit a changed outcome is flaky,
 * not fixed or broken: nothing in the code changed to explain it. Without a previous cycle
 * there is nothing to compare: only flaky cases are listed.
 */
export function diffCycles(
  previous: { commit?: string; cases: readonly TestCase[] } | null,
  current: { commit?: string; cases: readonly TestCase[] },
): CycleDiff {
  const before = new Map((previous?.cases ?? []).map((c) => [c.id, c]));
  const seen = new Set<string>();
  const lists = { regressions: [] as string[], fixed: [] as string[], stillFailing: [] as string[], flaky: [] as string[], added: [] as string[], removed: [] as string[] };
  const sameCommit = previous?.commit !== undefined && previous.commit === current.commit;
  for (const c of current.cases) {
    if (seen.has(c.id)) continue;
    seen.add(c.id);
    const b = before.get(c.id);
    const isFlaky = c.flaky === true || (sameCommit && b !== undefined && b.status !== 'skipped' && c.status !== 'skipped' && failing(b) !== failing(c));
    if (isFlaky) lists.flaky.push(c.id);
    if (previous && !b) lists.added.push(c.id);
    if (isFlaky && b) continue;
    if (failing(c)) {
      if (b && failing(b)) lists.stillFailing.push(c.id);
      else if (previous) lists.regressions.push(c.id);
    } else if (c.status === 'passed' && b && failing(b)) lists.fixed.push(c.id);
  }
  for (const id of before.keys()) if (!seen.has(id)) lists.removed.push(id);
  const counts = {
    regressions: lists.regressions.length,
    fixed: lists.fixed.length,
    stillFailing: lists.stillFailing.length,
    flaky: lists.flaky.length,
    added: lists.added.length,
    removed: lists.removed.length,
  };
  const cut = (ids: string[]) => ids.slice(0, MAX_IDS);
  return {
    from: previous?.commit ?? null,
    to: current.commit ?? null,
    regressions: cut(lists.regressions),
    fixed: cut(lists.fixed),
    stillFailing: cut(lists.stillFailing),
    flaky: cut(lists.flaky),
    added: cut(lists.added),
    removed: cut(lists.removed),
    counts,
  };
}
