import type { CycleAnalyzer } from '../domain/cycle-analyzer.js';
import { ruleBasedAnalyzer } from './rule-based-analyzer.js';

/** The analyzer the analyze function and `tdl evaluate` use. */
export const defaultAnalyzer: CycleAnalyzer = ruleBasedAnalyzer;
