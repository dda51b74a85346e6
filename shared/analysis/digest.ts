import type { Criteria } from '../config/loop-config.js';
import type { TestCase } from '../results/model.js';
import type { StoredResults } from '../domain/cycle-analyzer.js';
import { decodeOutcomes, nameHash, OutcomeTable, STATUS_CODES, type OutcomeChunk } from '../results/outcomes.js';
import { CriteriaTally } from './criteria.js';
import { DiffBuilder } from './diff.js';
import { ReportedMetrics } from './performance.js';
import { RealityTally } from './reality.js';

/**
 * Everything the analysis needs of a cycle's cases, gathered one case at a time so that no
 * cycle's cases are ever held together: the failing cases (with their text: they are
 * clustered and explained), counts and tallies for the criteria, the reality checks and the
 * performance figures, and the diff against the previous cycle's outcome map.
 */
export class CycleDigest {
  readonly failing: TestCase[] = [];
  cases = 0;
  passed = 0;
  skipped = 0;
  flaky = 0;
  /** Cases the previous cycle stored, repeated ids included (as the reality check counts them). */
  previousCases = 0;
  readonly table: OutcomeTable;
  readonly reality: RealityTally;
  readonly criteria: CriteriaTally;
  readonly reported: ReportedMetrics;
  readonly diff: DiffBuilder;
  /** The previous cycle's metrics of the ids that report metrics now (filled by the previous pass). */
  readonly previousMetrics: Record<string, Record<string, number>> = {};
  private metricIds: Set<string> | undefined;

  constructor(
    criteria: Criteria,
    readonly commit: string | undefined,
    readonly previous: { commit?: string } | null,
    expected = 0,
  ) {
    this.table = new OutcomeTable(expected);
    this.reality = new RealityTally(criteria.minRealTestMs);
    this.criteria = new CriteriaTally(criteria);
    this.reported = new ReportedMetrics(criteria.performance);
    this.diff = new DiffBuilder(this.table, previous, commit);
  }

  /** One stored chunk of the previous cycle's outcomes; all of them come before the first current case. */
  addPreviousOutcomes(chunk: OutcomeChunk): void {
    if ('encoded' in chunk) {
      this.previousCases += decodeOutcomes(chunk.encoded, (lo, hi, code) => this.table.putPrevious({ lo, hi }, code));
    } else {
      // Stored before outcome maps existed: derived from the cases, as record-results would have.
      for (const c of chunk.cases) this.table.putPrevious(nameHash(c.id), STATUS_CODES[c.status]);
      this.previousCases += chunk.cases.length;
    }
  }

  add(c: TestCase): void {
    this.cases++;
    if (c.status === 'passed') this.passed++;
    else if (c.status === 'skipped') this.skipped++;
    else this.failing.push(c);
    if (c.flaky) this.flaky++;
    this.reality.add(c);
    this.criteria.add(c);
    this.reported.add(c);
    this.diff.add(c);
  }

  /** Whether the previous cycle's cases must be read again: to name removed tests, or for the metrics the reality check compares. */
  wantsPreviousPass(hasOwnMetrics: boolean): boolean {
    return this.previous !== null && (this.diff.wantsRemovedNames() || (!hasOwnMetrics && this.comparesMetrics()));
  }

  comparesMetrics(): boolean {
    return this.reality.comparesMetrics({ commit: this.commit, previousCommit: this.previous?.commit });
  }

  /** One previous case, in stored order, after every current case. */
  addPreviousCase(c: TestCase): void {
    this.diff.nameRemoved(c);
    if (!c.metrics) return;
    this.metricIds ??= new Set(this.reality.withMetrics.map((m) => m.id));
    if (this.metricIds.has(c.id)) this.previousMetrics[c.id] = c.metrics;
  }
}

/**
 * How many cases a cycle's totals announce, to size the outcome table: the two cycles share
 * most ids, so the larger count is the usual size of the union (the table grows past it).
 */
function expectedOf(totals: { tests: number } | undefined): number {
  return totals?.tests ?? 0;
}

/**
 * The digest of a stored cycle and its previous one, streamed: the previous cycle's outcome
 * map, then the current cases chunk by chunk, then (only if tests were removed, or metrics
 * are compared) the previous cases again chunk by chunk, keeping only what is asked of them.
 */
export async function digestStored(input: {
  criteria: Criteria;
  commit?: string;
  totals?: { tests: number };
  results: StoredResults;
  previous: { commit?: string; totals?: { tests: number }; results: StoredResults } | null;
}): Promise<CycleDigest> {
  const { previous } = input;
  const digest = new CycleDigest(input.criteria, input.commit, previous ? { commit: previous.commit } : null, Math.max(expectedOf(input.totals), expectedOf(previous?.totals)));
  if (previous) for await (const chunk of previous.results.outcomes()) digest.addPreviousOutcomes(chunk);
  for await (const chunk of input.results.chunks()) for (const c of chunk) digest.add(c);
  if (previous && digest.wantsPreviousPass(false)) {
    for await (const chunk of previous.results.chunks()) {
      for (const c of chunk) digest.addPreviousCase(c);
      if (!digest.wantsPreviousPass(false) && !digest.comparesMetrics()) break;
    }
  }
  return digest;
}

/** The digest of cases held in memory (tests, `tdl evaluate`): the same steps, from arrays. */
export function digestCases(
  criteria: Criteria,
  commit: string | undefined,
  cases: readonly TestCase[],
  previous: { commit?: string; cases: readonly TestCase[]; metrics?: unknown } | null,
): CycleDigest {
  const digest = new CycleDigest(criteria, commit, previous ? { commit: previous.commit } : null, cases.length + (previous?.cases.length ?? 0));
  if (previous) digest.addPreviousOutcomes({ cases: previous.cases });
  for (const c of cases) digest.add(c);
  if (previous && digest.wantsPreviousPass(previous.metrics !== undefined)) for (const c of previous.cases) digest.addPreviousCase(c);
  return digest;
}
