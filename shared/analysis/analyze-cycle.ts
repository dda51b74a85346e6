import type { Criteria } from '../config/loop-config.js';
import type { RunTotals, TestCase } from '../results/model.js';
import type { ExplainedCluster } from './analyzer-port.js';
import { clusterFailures } from './clusters.js';
import { judgeCriteria } from './criteria.js';
import { diffCycles, type CycleDiff } from './diff.js';
import { fiveWhys, type WhyContext } from './five-whys.js';
import { judgePerformance, type PerformanceMeasurement, type PerformanceResult } from './performance.js';
import { checkReality, type RealityFinding } from './reality.js';
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

/**
 * Puts the analysis together: clusters by signature with their five whys, the diff against the
 * previous cycle, the reality checks and the criteria. Pure; the rule-based five whys are used
 * here, and a model analyzer may re-explain the clusters afterwards (see analyzer-port.ts).
 */
export function analyzeCycle(input: CycleInput): CycleAnalysis {
  const { cases, previous } = input;
  const clusters = applyLabels(clusterFailures(cases, input.rules), input.labels ?? []);
  const context: WhyContext = {
    ...input.context,
    previousCommit: input.context.previousCommit ?? previous?.commit,
    previousFailing: input.context.previousFailing ?? (previous ? previous.cases.filter((c) => c.status === 'failed' || c.status === 'error').map((c) => c.id) : undefined),
  };
  const shown = clusters.slice(0, MAX_CLUSTERS);
  const explained: ExplainedCluster[] = shown.map((c) => ({ ...c, ...fiveWhys(c, context), analyzer: 'rules' }));

  const commit = input.context.commit;
  const diff = previous ? diffCycles({ commit: previous.commit, cases: previous.cases }, { commit, cases }) : null;
  const reality = checkReality(cases, {
    minRealTestMs: input.criteria.minRealTestMs,
    previousTestCount: previous ? previous.cases.length : undefined,
    previousMetrics: previous ? (previous.metrics ?? metricsOf(previous.cases)) : undefined,
    previousCommit: previous?.commit,
    commit,
  });
  const performance = judgePerformance(input.criteria.performance, [...(input.performance ?? [])], [...cases]);
  const verdict = judgeCriteria(cases, input.criteria, { reality, performance, totals: input.totals });

  const categories: Record<string, number> = {};
  for (const c of clusters) categories[c.category] = (categories[c.category] ?? 0) + c.count;
  const failing = clusters.reduce((s, c) => s + c.count, 0);
  const rest = clusters.slice(MAX_CLUSTERS);
  return {
    passRate: verdict.passRate,
    counts: {
      tests: input.totals?.tests ?? cases.length,
      executed: verdict.executed,
      passed: input.totals?.passed ?? cases.filter((c) => c.status === 'passed').length,
      failing,
      skipped: input.totals?.skipped ?? cases.filter((c) => c.status === 'skipped').length,
      flaky: input.totals?.flaky ?? cases.filter((c) => c.flaky).length,
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
  };
}

function metricsOf(cases: readonly TestCase[]): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const c of cases) if (c.metrics) out[c.id] = c.metrics;
  return out;
}
