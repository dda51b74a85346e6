import type { TestCase } from '../results/model.js';
import type { AnalysisFacts } from './decisions.js';
import type { CycleDoc, LoopDoc } from './model.js';

/** What analyzes a cycle: the analyze step and `tdl evaluate` take one (the rule-based one is shared/analysis). */
export interface AnalyzerInput {
  loop: LoopDoc;
  cycle: CycleDoc;
  cases: TestCase[];
  previous: { cycle: CycleDoc; cases: TestCase[] } | null;
}

export interface AnalyzerOutput {
  /** Compact, JSON-serializable analysis stored on the cycle for the report and the console. */
  analysis: Record<string, unknown>;
  facts: AnalysisFacts;
}

export type CycleAnalyzer = (input: AnalyzerInput) => AnalyzerOutput;

