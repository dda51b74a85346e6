import type { Criteria } from '../config/loop-config.js';
import type { RunTotals, TestCase } from '../results/model.js';
import type { ExplainedCluster } from './analyzer-port.js';
import { clusterFailures, type FailureCluster } from './clusters.js';
import type { CycleDiff } from './diff.js';
import { digestCases, type CycleDigest } from './digest.js';
import { nameHash, STATUS_CODES } from '../results/outcomes.js';
import { fiveWhys, type WhyContext } from './five-whys.js';
import { judgePerformance, type PerformanceMeasurement, type PerformanceResult } from './performance.js';
import type { RealityFinding } from './reality.js';
import type { Rule } from './rules.js';
import { applyLabels, type ClusterLabel } from './labels.js';

/** Clusters explained and stored; the rest are counted, not lost. */
const MAX_CLUSTERS = 20;
const MAX_SIGNATURES = 50;

/** Everything one cycle's analysis needs; nothing is read from elsewhere. */
export interface CycleInput {
  cases: readonly TestCase[];
  /** The runner's totals; when absent they are counted from `cases`. */
  totals?: RunTotals;
  criteria: Criteria;
  /** The loop config's classification rules (tried before the built-in ones). */
  rules?: readonly Rule[];
  /** People's verdicts (`tdl label`): a cluster with a labelled signature takes its category. */
  labels?: readonly ClusterLabel[];
  context: WhyContext;
  previous?: { commit?: string; cases: readonly TestCase[]; metrics?: Record<string, Record<string, number>> } | null;
  /** Latency the loop measured itself after the deploy. */
  performance?: readonly PerformanceMeasurement[];
}

/** One cycle's analysis: compact and JSON-serializable, whatever the number of failures. */
export interface CycleAnalysis {
  /** Passed / (tests - skipped), flaky passes counted as passed; null when nothing ran. */
  passRate: number | null;
  counts: { tests: number; executed: number; passed: number; failing: number; skipped: number; flaky: number };
  /** Failing tests per category. */
  categories: Record<string, number>;
  /** Every cluster's signature, largest first, at most MAX_SIGNATURES: what the same-failure guard compares. */
  signatures: string[];
  clusters: ExplainedCluster[];
  clustersNotShown: number;
  /** Failing tests in the clusters not shown. */
  testsNotShown: number;
  diff: CycleDiff | null;
  reality: RealityFinding[];
  performance: PerformanceResult[];
  criteria: { met: boolean; unmet: string[] };
}

/** What the analysis needs besides the cases: CycleInput without them. */
export type CycleFacts = Omit<CycleInput, 'cases' | 'previous'> & { previous?: { commit?: string; metrics?: Record<string, Record<string, number>> } | null };

/**
 * Puts the analysis together: clusters by signature with their five whys, the diff against the
 * previous cycle, the reality checks and the criteria. Pure; the rule-based five whys are used
 * here, and a model analyzer may re-explain the clusters afterwards (see analyzer-port.ts).
 */
export function analyzeCycle(input: CycleInput): CycleAnalysis {
  const previous = input.previous ?? null;
  return analyzeDigest(digestCases(input.criteria, input.context.commit, input.cases, previous), input);
}

/** The analysis of a cycle from its digest (digest.ts): what analyzeCycle does, whether the cases were streamed or held. */
export function analyzeDigest(digest: CycleDigest, input: CycleFacts): CycleAnalysis & { context: WhyContext } {
  const previous = input.previous ?? null;
  const clusters = applyLabels(clusterFailures(digest.failing, input.rules), input.labels ?? []);
  const context: WhyContext = {
    ...input.context,
    previousCommit: input.context.previousCommit ?? previous?.commit,
    previousFailing: input.context.previousFailing ?? (previous ? failedBefore(digest, clusters) : undefined),
  };
  const shown = clusters.slice(0, MAX_CLUSTERS);
  const explained: ExplainedCluster[] = shown.map((c) => ({ ...c, ...fiveWhys(c, context), analyzer: 'rules' }));

  const commit = input.context.commit;
  const diff = previous ? digest.diff.result() : null;
  const reality = digest.reality.findings({
    minRealTestMs: input.criteria.minRealTestMs,
    previousTestCount: previous ? digest.previousCases : undefined,
    previousMetrics: previous ? (previous.metrics ?? digest.previousMetrics) : undefined,
    previousCommit: previous?.commit,
    commit,
  });
  const performance = judgePerformance(input.criteria.performance, [...(input.performance ?? [])], digest.reported);
  const verdict = digest.criteria.judge(input.criteria, { reality, performance, totals: input.totals });

  const categories: Record<string, number> = {};
  for (const c of clusters) categories[c.category] = (categories[c.category] ?? 0) + c.count;
  const failing = clusters.reduce((s, c) => s + c.count, 0);
  const rest = clusters.slice(MAX_CLUSTERS);
  return {
    passRate: verdict.passRate,
    counts: {
      tests: input.totals?.tests ?? digest.cases,
      executed: verdict.executed,
      passed: input.totals?.passed ?? digest.passed,
      failing,
      skipped: input.totals?.skipped ?? digest.skipped,
      flaky: input.totals?.flaky ?? digest.flaky,
    },
    categories,
    signatures: clusters.slice(0, MAX_SIGNATURES).map((c) => c.signature),
    clusters: explained,
    clustersNotShown: rest.length,
    testsNotShown: rest.reduce((s, c) => s + c.count, 0),
    diff,
    reality,
    performance,
    criteria: { met: verdict.met, unmet: verdict.unmet },
    context,
  };
}

/**
 * The clusters' tests that failed in the previous cycle, by its outcome map: all the five whys
 * ask of the previous cycle's failures is which of a cluster's tests are among them.
 */
function failedBefore(digest: CycleDigest, clusters: readonly FailureCluster[]): string[] {
  const out: string[] = [];
  for (const c of clusters) {
    for (const id of c.tests) {
      const code = digest.table.previousCode(nameHash(id));
      if (code === STATUS_CODES.failed || code === STATUS_CODES.error) out.push(id);
    }
  }
  return out;
}
