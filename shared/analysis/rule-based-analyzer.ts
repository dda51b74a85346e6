import type { CycleAnalyzer } from '../domain/cycle-analyzer.js';
import { analyzeCycle } from './analyze-cycle.js';
import type { Analyzer } from './analyzer-port.js';
import { fiveWhys } from './five-whys.js';

/** The rule-based implementation of the analyzer port: the default, and the fallback for a model. */
export const ruleBasedExplainer: Analyzer = {
  name: 'rules',
  explain: async (cluster, context) => fiveWhys(cluster, context),
};

/**
 * The analysis the analyze function runs, from the loop's documents: `analyzeCycle` on the
 * cycle's results, stored as the analysis, with the facts the decision reads. Pure.
 */
export const ruleBasedAnalyzer: CycleAnalyzer = ({ loop, cycle, cases, previous }) => {
  const health = new Map(cycle.health.map((h) => [h.service, h]));
  const a = analyzeCycle({
    cases,
    totals: cycle.totals,
    criteria: loop.config.criteria,
    rules: loop.config.classification.rules,
    context: {
      commit: cycle.commit,
      services: cycle.services.map((s) => ({ ...s, health: health.get(s.name) })),
      serviceLog: cycle.deployLogExcerpt,
    },
    previous: previous ? { commit: previous.cycle.commit, cases: previous.cases } : null,
    performance: cycle.performance,
  });
  return {
    analysis: {
      clusters: a.clusters,
      clustersNotShown: a.clustersNotShown,
      testsNotShown: a.testsNotShown,
      diff: a.diff,
      reality: a.reality,
      performance: a.performance,
      counts: a.counts,
    },
    facts: {
      passRate: a.passRate,
      tests: a.counts.executed,
      failing: a.counts.failing,
      criteriaMet: a.criteria.met,
      unmet: a.criteria.unmet,
      categories: a.categories,
      signatures: a.signatures,
    },
  };
};
