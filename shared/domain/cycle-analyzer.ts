import type { TestCase } from '../results/model.js';
import type { OutcomeChunk } from '../results/outcomes.js';
import type { AnalysisFacts } from './decisions.js';
import type { CycleDoc, LoopDoc } from './model.js';
import type { ClusterLabel } from './labels.js';

interface AnalyzerBase {
  loop: LoopDoc;
  cycle: CycleDoc;
  /** People's verdicts on the loop's clusters (`tdl label`): matching clusters take their category. */
  labels: ClusterLabel[];
  /** What the cycle's services printed from their start through the run, when a ServiceLogs adapter is wired. */
  serviceLog?: string;
}

/** A cycle's results as a store gives them, chunk by chunk (shared/analysis/digest.ts reads them). */
export interface StoredResults {
  /** The cases, with their text, in stored order; each call reads them again. */
  chunks(): AsyncIterable<readonly TestCase[]>;
  /** The outcome map of each chunk (or the chunk's cases, for a set stored before maps existed). */
  outcomes(): AsyncIterable<OutcomeChunk>;
}

/** Cases held in memory: `tdl evaluate`, tests. */
export interface CasesInput extends AnalyzerBase {
  cases: readonly TestCase[];
  previous: { cycle: CycleDoc; cases: readonly TestCase[] } | null;
}

/** What the analyze step passes: the results streamed from the store, never all held at once. */
export interface StoredInput extends AnalyzerBase {
  results: StoredResults;
  previous: { cycle: CycleDoc; results: StoredResults } | null;
}

/** What analyzes a cycle: the analyze step and `tdl evaluate` take one (the rule-based one is shared/analysis). */
export type AnalyzerInput = CasesInput | StoredInput;

export interface AnalyzerOutput {
  /** Compact, JSON-serializable analysis stored on the cycle for the report and the console. */
  analysis: Record<string, unknown>;
  facts: AnalysisFacts;
}

/** Repeatable; asynchronous because a model-backed analyzer calls a model. */
export type CycleAnalyzer = (input: AnalyzerInput) => Promise<AnalyzerOutput>;

