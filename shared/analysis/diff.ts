import type { TestCase } from '../results/model.js';
import { nameHash, OutcomeTable, STATUS_CODES, statusOfCode } from '../results/outcomes.js';

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
const failing = (status: string | undefined) => status === 'failed' || status === 'error';
type ListName = 'regressions' | 'fixed' | 'stillFailing' | 'flaky' | 'added';

/**
 * The diff, one current case at a time, against the previous cycle's outcomes by name hash
 * (an OutcomeTable): nothing of either cycle's cases is kept but the first MAX_IDS ids of each
 * list. The removed tests are counted from the table; their names come from a pass over the
 * previous cycle's cases (`nameRemoved`), needed only when some were removed.
 */
export class DiffBuilder {
  private readonly lists: Record<ListName, string[]> = { regressions: [], fixed: [], stillFailing: [], flaky: [], added: [] };
  private readonly counts: Record<ListName, number> = { regressions: 0, fixed: 0, stillFailing: 0, flaky: 0, added: 0 };
  private readonly removed: string[] = [];
  private readonly sameCommit: boolean;
  private removedCount: number | undefined;

  /** `previous` null: there is no previous cycle, and only flaky cases are listed. */
  constructor(
    readonly table: OutcomeTable,
    private readonly previous: { commit?: string } | null,
    private readonly commit: string | undefined,
  ) {
    this.sameCommit = previous?.commit !== undefined && previous.commit === commit;
  }

  add(c: TestCase): void {
    const code = this.table.seeCurrent(nameHash(c.id));
    if (code < 0) return;
    const b = statusOfCode(code);
    const isFlaky = c.flaky === true || (this.sameCommit && b !== undefined && b !== 'skipped' && c.status !== 'skipped' && failing(b) !== failing(c.status));
    if (isFlaky) this.push('flaky', c.id);
    if (this.previous && !b) this.push('added', c.id);
    if (isFlaky && b) return;
    if (failing(c.status)) {
      if (b && failing(b)) this.push('stillFailing', c.id);
      else if (this.previous) this.push('regressions', c.id);
    } else if (c.status === 'passed' && b && failing(b)) this.push('fixed', c.id);
  }

  /** Whether a pass over the previous cycle's cases is needed to name the removed tests. */
  wantsRemovedNames(): boolean {
    return this.previous !== null && this.removed.length < MAX_IDS && this.removedTotal() > this.removed.length;
  }

  /** Fed the previous cycle's cases in stored order, after every current case: lists the removed ones. */
  nameRemoved(c: TestCase): void {
    if (this.removed.length < MAX_IDS && this.table.takeRemoved(nameHash(c.id))) this.removed.push(c.id);
  }

  result(): CycleDiff {
    const { lists, counts } = this;
    return {
      from: this.previous?.commit ?? null,
      to: this.commit ?? null,
      ...lists,
      removed: this.removed,
      counts: { ...counts, removed: this.previous ? this.removedTotal() : 0 },
    };
  }

  /** Counted once, after the last current case (the table is scanned whole). */
  private removedTotal(): number {
    this.removedCount ??= this.table.removedCount();
    return this.removedCount;
  }

  private push(list: ListName, id: string): void {
    this.counts[list]++;
    if (this.lists[list].length < MAX_IDS) this.lists[list].push(id);
  }
}

/** The table of a previous cycle's outcomes, from its cases. */
export function outcomeTableOf(cases: readonly TestCase[] | undefined, expected = 0): OutcomeTable {
  const table = new OutcomeTable(expected + (cases?.length ?? 0));
  for (const c of cases ?? []) table.putPrevious(nameHash(c.id), STATUS_CODES[c.status]);
  return table;
}

/**
 * What changed between two cycles' results. On the same commit a changed outcome is flaky,
 * not fixed or broken: nothing in the code changed to explain it. Without a previous cycle
 * there is nothing to compare: only flaky cases are listed.
 */
export function diffCycles(
  previous: { commit?: string; cases: readonly TestCase[] } | null,
  current: { commit?: string; cases: readonly TestCase[] },
): CycleDiff {
  const builder = new DiffBuilder(outcomeTableOf(previous?.cases, current.cases.length), previous ? { commit: previous.commit } : null, current.commit);
  for (const c of current.cases) builder.add(c);
  if (previous && builder.wantsRemovedNames()) for (const c of previous.cases) builder.nameRemoved(c);
  return builder.result();
}
