import { analyzeWithRules } from '../shared/analysis/rule-based-analyzer.js';
import { benchCycles } from './analysis.js';
import type { TestCase } from '../shared/results/model.js';

/**
 * What the analyze function holds: a cycle's cases and its previous cycle's, 1 % failing.
 * `node dist/bench/analysis-memory.js 100000` prints one JSON line: seconds and peak RSS of
 * this process, to set beside the functions' memory (infra/functions.tf).
 */
const n = Number(process.argv[2] ?? 100_000);
const caseOf = (i: number): TestCase => ({
  id: `tests/test_${i % 500}.py::TestCase${i % 50}::test_${i}`,
  suite: `suite-${i % 50}`,
  className: `TestCase${i % 50}`,
  name: `test_${i}`,
  file: `tests/test_${i % 500}.py`,
  status: i % 100 === 0 ? 'failed' : 'passed',
  durationMs: 12 + (i % 7),
  ...(i % 100 === 0 ? { message: `expected 201 but got 503 (item ${i})`, details: `Traceback\n  File "tests/test_${i % 500}.py", line ${i % 300}` } : {}),
});
const { loop, cycle, previousCycle } = benchCycles();
const cases = Array.from({ length: n }, (_, i) => caseOf(i));
const previous = { cycle: previousCycle, cases: Array.from({ length: n }, (_, i) => caseOf(i)) };
const started = performance.now();
analyzeWithRules({ loop, cycle, cases, previous, labels: [] });
const seconds = (performance.now() - started) / 1000;
process.stdout.write(`${JSON.stringify({ cases: n, seconds: Math.round(seconds * 100) / 100, peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024) })}\n`);
