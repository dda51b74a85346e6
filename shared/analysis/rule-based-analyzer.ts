import type { AnalyzerInput, AnalyzerOutput, CasesInput, CycleAnalyzer } from '../domain/cycle-analyzer.js';
import type { LoopDoc } from '../domain/model.js';
import { analyzeDigest } from './analyze-cycle.js';
import { digestCases, digestStored, type CycleDigest } from './digest.js';
import { explainClusters, type Analyzer, type ExplainedCluster, type ExplainLimits } from './analyzer-port.js';
import type { FailureCluster } from './clusters.js';
import { fiveWhys, type WhyContext } from './five-whys.js';

/** The rule-based implementation of the analyzer port: the default, and the fallback for a model. */
export const ruleBasedExplainer: Analyzer = {
  name: 'rules',
  explain: async (cluster, context) => fiveWhys(cluster, context),
};

/**
 * What the loop knows about a cycle beyond its failures, for whoever explains them. Which of a
 * cluster's tests failed before (`previousFailing`) comes with the analysis (analyzeDigest).
 */
export function whyContextOf({ cycle, previous, serviceLog }: Pick<AnalyzerInput, 'cycle' | 'previous' | 'serviceLog'>): WhyContext {
  const health = new Map(cycle.health.map((h) => [h.service, h]));
  return {
    commit: cycle.commit,
    services: cycle.services.map((s) => ({ ...s, health: health.get(s.name) })),
    serviceLog: [cycle.deployLogExcerpt, serviceLog].filter(Boolean).join('\n') || undefined,
    ...(previous ? { previousCommit: previous.cycle.commit } : {}),
  };
}

/**
 * The analysis from the loop's documents, by the rules alone: `analyzeCycle` on the cycle's
 * results (people's labels applied), stored as the analysis, with the facts the decision reads. Pure.
 */
export function analyzeWithRules(input: CasesInput): AnalyzerOutput {
  const { cycle, loop, cases, previous } = input;
  const digest = digestCases(loop.config.criteria, cycle.commit, cases, previous ? { commit: previous.cycle.commit, cases: previous.cases } : null);
  return rulesOn(digest, input).output;
}

/** The rules' analysis of either input: cases held, or streamed from the store (the analyze step). */
export async function analyzeByRules(input: AnalyzerInput): Promise<{ output: AnalyzerOutput; context: WhyContext }> {
  if (!('results' in input)) return rulesOn(digestCases(input.loop.config.criteria, input.cycle.commit, input.cases, input.previous ? { commit: input.previous.cycle.commit, cases: input.previous.cases } : null), input);
  const { loop, cycle, previous } = input;
  const digest = await digestStored({
    criteria: loop.config.criteria,
    commit: cycle.commit,
    totals: cycle.totals,
    results: input.results,
    previous: previous ? { commit: previous.cycle.commit, totals: previous.cycle.totals, results: previous.results } : null,
  });
  return rulesOn(digest, input);
}

function rulesOn(digest: CycleDigest, input: AnalyzerInput): { output: AnalyzerOutput; context: WhyContext } {
  const { loop, cycle, previous } = input;
  const a = analyzeDigest(digest, {
    totals: cycle.totals,
    criteria: loop.config.criteria,
    rules: loop.config.classification.rules,
    labels: input.labels,
    context: whyContextOf(input),
    previous: previous ? { commit: previous.cycle.commit } : null,
    performance: cycle.performance,
  });
  // A result file whose suites declare tests they do not list holds results that are missing:
  // whatever the other files say, the cycle cannot pass on it.
  const missing = cycle.rejected.filter((r) => r.declared).map((r) => `${r.path}: its suites declare ${r.declared!.tests} tests but list none`);
  const criteria = missing.length > 0 ? { met: false, unmet: [...a.criteria.unmet, ...missing] } : a.criteria;
  const output: AnalyzerOutput = {
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
      criteriaMet: criteria.met,
      unmet: criteria.unmet,
      categories: a.categories,
      signatures: a.signatures,
    },
  };
  return { output, context: a.context };
}

/** The analyzer of the analyze function and `tdl evaluate` when no model is configured. */
export const ruleBasedAnalyzer: CycleAnalyzer = async (input) => (await analyzeByRules(input)).output;

/** How long a cycle's model calls may take in all: well inside the analyze subscription's 120 s ack deadline. */
export const MODEL_BUDGET_MS = 60_000;

/**
 * The rules' analysis, with the clusters then explained again by the loop's model when
 * `modelFor` gives one (the loop config enables it): the largest `maxClusters` clusters are
 * asked about, and every cluster the model fails on, is slow on or unsure about keeps the
 * rules' explanation, with the reason. Categories, counts and facts stay the rules' (and
 * people's labels'), so the verdict never depends on a model being up.
 */
export function createModelBackedAnalyzer(modelFor: (loop: LoopDoc) => Promise<Analyzer | undefined>, limits: ExplainLimits = {}): CycleAnalyzer {
  return async (input) => {
    const { output, context } = await analyzeByRules(input);
    let model: Analyzer | undefined;
    try {
      model = await modelFor(input.loop);
    } catch (error) {
      // A model that cannot even be set up is one more way of being down: the rules explain.
      model = { name: 'model', explain: () => Promise.reject(error) };
    }
    if (!model) return output;
    const explained = output.analysis.clusters as ExplainedCluster[];
    const byRules = new Map(explained.map((c) => [c.signature, c]));
    const keptByRules: Analyzer = {
      name: 'rules',
      explain: async (c) => {
        const { whys, rootCause, fix } = byRules.get(c.signature)!;
        return { whys, rootCause, fix };
      },
    };
    const clusters = explained.map(clusterOnly);
    const maxCalls = input.loop.config.analysis?.model?.maxClusters;
    const again = await explainClusters(model, clusters, context, keptByRules, { budgetMs: MODEL_BUDGET_MS, maxCalls, ...limits });
    return { ...output, analysis: { ...output.analysis, clusters: again } };
  };
}

/** A stored cluster without its explanation. */
function clusterOnly(c: ExplainedCluster): FailureCluster {
  const { whys: _w, rootCause: _r, fix: _f, analyzer: _a, analyzerNote: _n, ...cluster } = c;
  return cluster;
}
