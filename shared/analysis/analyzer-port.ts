import type { FailureCluster } from './clusters.js';
import type { FiveWhys, WhyContext } from './five-whys.js';

/** An analyzer's answer: the five whys, and what a reader should know about how they were made. */
export type Explanation = FiveWhys & { note?: string };

/**
 * Explains a failure cluster: the five whys from its symptom to its most probable root cause.
 * The rule-based analyzer (rule-based-analyzer.ts) is the default and needs nothing; a
 * language-model analyzer (model-analyzer.ts: Gemini on Vertex AI) implements the same port,
 * off unless the loop config enables it. Asynchronous because such an analyzer is a remote call.
 */
export interface Analyzer {
  /** Shown beside the whys, so a reader knows whether rules or a model wrote them. */
  readonly name: string;
  explain(cluster: FailureCluster, context: WhyContext): Promise<Explanation>;
}

/** A cluster with its explanation, as stored in a cycle's analysis. */
export type ExplainedCluster = FailureCluster &
  FiveWhys & {
    analyzer: string;
    /** Why the explanation is the fallback's (the model failed, was slow or unsure), or what was dropped from the model's. */
    analyzerNote?: string;
  };

export interface ExplainLimits {
  /** Clusters past this many (largest first) go to the fallback without asking the analyzer. */
  maxCalls?: number;
  /** Once this much time went on the analyzer, the remaining clusters go to the fallback. */
  budgetMs?: number;
  /** Milliseconds from an arbitrary origin; tests pass their own. */
  now?: () => number;
}

/**
 * Explains each cluster with `analyzer`, one after another (a model's quota is per minute).
 * With a `fallback`, a cluster the analyzer fails on, answers with no steps, or is not asked
 * about (past `maxCalls` or the time budget) is explained by the fallback instead, and the
 * reason is kept in `analyzerNote`: a model that is down, slow or unsure never leaves a
 * cluster unexplained.
 */
export async function explainClusters(
  analyzer: Analyzer,
  clusters: readonly FailureCluster[],
  context: WhyContext,
  fallback?: Analyzer,
  limits: ExplainLimits = {},
): Promise<ExplainedCluster[]> {
  const now = limits.now ?? (() => performance.now());
  const started = now();
  const out: ExplainedCluster[] = [];
  for (const [i, cluster] of clusters.entries()) {
    let answer: Explanation | undefined;
    let reason: string | undefined;
    const spent = now() - started;
    if (fallback && limits.maxCalls !== undefined && i >= limits.maxCalls) reason = `${analyzer.name} asked about the ${limits.maxCalls} largest clusters only`;
    else if (fallback && limits.budgetMs !== undefined && spent >= limits.budgetMs) reason = `${analyzer.name}'s time budget (${limits.budgetMs} ms) was spent`;
    else {
      try {
        answer = await analyzer.explain(cluster, context);
        if (answer.whys.length === 0) reason = `${analyzer.name} gave no steps`;
      } catch (error) {
        if (!fallback) throw error;
        reason = `${analyzer.name} failed: ${(error as Error).message}`;
      }
    }
    if (reason !== undefined && fallback) {
      const { note: _note, ...rules } = await fallback.explain(cluster, context);
      out.push({ ...cluster, ...rules, analyzer: fallback.name, analyzerNote: reason.slice(0, 300) });
      continue;
    }
    const { note, ...whys } = answer!;
    out.push({ ...cluster, ...whys, analyzer: analyzer.name, ...(note ? { analyzerNote: note } : {}) });
  }
  return out;
}
