import type { CycleAnalyzer } from './steps/analyze.js';
import { ruleBasedAnalyzer } from '../analysis/rule-based-analyzer.js';

/** The analyzer the analyze function and `tdl evaluate` use. */
export const defaultAnalyzer: CycleAnalyzer = ruleBasedAnalyzer;
