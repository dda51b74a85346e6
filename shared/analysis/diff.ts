import type { TestCase } from '../results/model.js';

export interface CycleDiff {
  /** Failing now, passing (or absent) before. */
  regressions: string[];
  /** Passing now, failing before. */
  fixed: string[];
  stillFailing: string[];
  /** Passed on a retry, or a different outcome on the same commit. */
  flaky: string[];
  added: string[];
  removed: string[];
  counts: Record<string, number>;
}

const MAX_IDS = 100;
const failing = (c: TestCase) => c.status === 'failed' || c.status === 'error';

/** What changed between two cycles' results, case by case. */
export function diffCycles(previous: { commit?: string; cases: TestCase[] } | null, current: { commit?: string; cases: TestCase[] }): CycleDiff {
  const before = new Map((previous?.cases ?? []).map((c) => [c.id, c]));
  const now = new Map(current.cases.map((c) => [c.id, c]));
  const regressions: string[] = [];
  const fixed: string[] = [];
  const stillFailing: string[] = [];
  const flaky: string[] = [];
  const added: string[] = [];
  const sameCommit = previous?.commit !== undefined && previous.commit === current.commit;
  for (const [id, c] of now) {
    const b = before.get(id);
    if (c.flaky) flaky.push(id);
    if (!b) {
      if (previous) added.push(id);
      if (previous && failing(c)) regressions.push(id);
      continue;
    }
    if (failing(c) && !failing(b) && b.status !== 'skipped') (sameCommit ? flaky : regressions).push(id);
    else if (!failing(c) && c.status !== 'skipped' && failing(b)) (sameCommit ? flaky : fixed).push(id);
    else if (failing(c) && failing(b)) stillFailing.push(id);
  }
  const removed = previous ? [...before.keys()].filter((id) => !now.has(id)) : [];
  const all = { regressions, fixed, stillFailing, flaky: [...new Set(flaky)], added, removed };
  return {
    ...(Object.fromEntries(Object.entries(all).map(([k, v]) => [k, v.slice(0, MAX_IDS)])) as Omit<CycleDiff, 'counts'>),
    counts: Object.fromEntries(Object.entries(all).map(([k, v]) => [k, v.length])),
  };
}
