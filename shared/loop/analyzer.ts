import type { CycleAnalyzer } from './steps/analyze.js';
import { basicAnalyzer } from './basic-analyzer.js';

/** The analyzer the analyze function and `tdl evaluate` use. */
export const defaultAnalyzer: CycleAnalyzer = basicAnalyzer;
