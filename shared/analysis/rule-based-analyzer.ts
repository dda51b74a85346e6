import type { CycleAnalyzer } from '../loop/steps/analyze.js';
import type { TestCase } from '../results/model.js';
import { ruleSet } from './classify.js';
import { clusterFailures } from './clusters.js';
import { fiveWhys } from './five-whys.js';
import { diffCycles } from './diff.js';
import { checkReality } from './reality.js';
import { judgeCriteria } from './criteria.js';
import { judgePerformance } from './performance.js';

/** Clusters shown with their five whys; the rest are counted, not lost. */
const MAX_CLUSTERS = 20;

/**
 * The analysis the analyze function runs: classify and cluster the failures, build each
 * cluster's five whys, diff against the previous cycle, check that the tests were real, judge
 * the criteria. Pure: everything it needs is passed in.
 */
export const ruleBasedAnalyzer: CycleAnalyzer = ({ loop, cycle, cases, previous }) => {
  const rules = ruleSet(loop.config.classification.rules);
  const clusters = clusterFailures(cases, rules);
  const previousFailing = previous ? previous.cases.filter((c) => c.status === 'failed' || c.status === 'error').map((c) => c.id) : undefined;
  const health = new Map(cycle.health.map((h) => [h.service, h]));
  const explained = clusters.slice(0, MAX_CLUSTERS).map((c) => ({
    ...c,
    ...fiveWhys(c, {
      commit: cycle.commit,
      previousCommit: previous?.cycle.commit,
      services: cycle.services.map((s) => ({ ...s, health: health.get(s.name) })),
      previousFailing,
      deployLog: cycle.deployLogExcerpt,
    }),
  }));
  const diff = previous ? diffCycles({ commit: previous.cycle.commit, cases: previous.cases }, { commit: cycle.commit, cases }) : null;
  const reality = checkReality(cases, {
    minRealTestMs: loop.config.criteria.minRealTestMs,
    previousTestCount: previous?.cases.length,
    previousMetrics: previous ? metricsOf(previous.cases) : undefined,
    previousCommit: previous?.cycle.commit,
    commit: cycle.commit,
  });
  const performance = judgePerformance(loop.config.criteria.performance, cycle.performance, cases);
  const verdict = judgeCriteria(cases, loop.config.criteria, { reality, performance });
  const categories: Record<string, number> = {};
  for (const c of clusters) categories[c.category] = (categories[c.category] ?? 0) + c.count;
  const failing = clusters.reduce((s, c) => s + c.count, 0);
  return {
    analysis: {
      clusters: explained,
      clustersNotShown: Math.max(0, clusters.length - MAX_CLUSTERS),
      diff,
      reality,
      performance,
    },
    facts: {
      passRate: verdict.passRate,
      tests: verdict.executed,
      failing,
      criteriaMet: verdict.met,
      unmet: verdict.unmet,
      categories,
      signatures: clusters.map((c) => c.signature).slice(0, 50),
    },
  };
};

function metricsOf(cases: TestCase[]): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const c of cases) if (c.metrics) out[c.id] = c.metrics;
  return out;
}

