import type { TestCase } from '../results/model.js';
import type { AnalysisFacts } from './decisions.js';
import type { CycleDoc, LoopDoc } from './model.js';
import type { ClusterLabel } from './labels.js';

/** What analyzes a cycle: the analyze step and `tdl evaluate` take one (the rule-based one is shared/analysis). */
export interface AnalyzerInput {
  loop: LoopDoc;
  cycle: CycleDoc;
  cases: TestCase[];
  previous: { cycle: CycleDoc; cases: TestCase[] } | null;
  /** People's verdicts on the loop's clusters (`tdl label`): matching clusters take their category. */
  labels: ClusterLabel[];
  /** What the cycle's services printed from their start through the run, when a ServiceLogs adapter is wired. */
  serviceLog?: string;
}

export interface AnalyzerOutput {
  /** Compact, JSON-serializable analysis stored on the cycle for the report and the console. */
  analysis: Record<string, unknown>;
  facts: AnalysisFacts;
}

/** Repeatable; asynchronous because a model-backed analyzer calls a model. */
export type CycleAnalyzer = (input: AnalyzerInput) => Promise<AnalyzerOutput>;

