import type { FailureCluster } from './clusters.js';
import type { FiveWhys, WhyContext } from './five-whys.js';

/**
 * Explains a failure cluster: the five whys from its symptom to its most probable root cause.
 * The rule-based analyzer (rule-based-analyzer.ts) is the default and needs nothing; a
 * language-model analyzer (for example Gemini on Vertex AI) may implement the same port, off
 * unless configured. Asynchronous because such an analyzer is a remote call.
 */
export interface Analyzer {
  /** Shown beside the whys, so a reader knows whether rules or a model wrote them. */
  readonly name: string;
  explain(cluster: FailureCluster, context: WhyContext): Promise<FiveWhys>;
}

/** A cluster with its explanation, as stored in a cycle's analysis. */
export type ExplainedCluster = FailureCluster & FiveWhys & { analyzer: string };

/**
 * Explains each cluster with `analyzer`, one after another (a model's quota is per minute).
 * With a `fallback`, a cluster the analyzer fails on or answers with no steps is explained by
 * the fallback instead: a model that is down or unsure never leaves a cluster unexplained.
 */
export async function explainClusters(analyzer: Analyzer, clusters: readonly FailureCluster[], context: WhyContext, fallback?: Analyzer): Promise<ExplainedCluster[]> {
  const out: ExplainedCluster[] = [];
  for (const cluster of clusters) {
    let name = analyzer.name;
    let answer: FiveWhys | undefined;
    try {
      answer = await analyzer.explain(cluster, context);
    } catch (error) {
      if (!fallback) throw error;
    }
    if ((!answer || answer.whys.length === 0) && fallback) {
      answer = await fallback.explain(cluster, context);
      name = fallback.name;
    }
    out.push({ ...cluster, ...answer!, analyzer: name });
  }
  return out;
}
