import { analyzeWithRules } from '../shared/analysis/rule-based-analyzer.js';
import { Criteria, Deadlines, Guards } from '../shared/config/loop-config.js';
import { CycleDoc, LoopDoc } from '../shared/domain/model.js';
import type { TestCase } from '../shared/results/model.js';
import { median, round } from './stats.js';

const MESSAGES = [
  'expected 201 but got 503: {"error":"relation \\"orders\\" does not exist"}',
  'Error: Unexpected server response: 403',
  'AssertionError: expected 1000 to be 900',
  'Error: Timeout of 5000ms exceeded.',
  "TypeError: Cannot read properties of undefined (reading 'total')\n    at Context.<anonymous> (/app/tests/orders.test.ts:31:20)",
  'Error: boom',
];

/** A running loop in its second cycle (analyzing, commit c2) and its first (done, commit c1), default config. */
export function benchCycles(): { loop: LoopDoc; cycle: CycleDoc; previousCycle: CycleDoc } {
  const now = new Date().toISOString();
  const loop = LoopDoc.parse({
    loopId: 'bench',
    status: 'running',
    currentCycle: 2,
    runStartedAt: now,
    config: { branch: 'main', criteria: Criteria.parse({}), guards: Guards.parse({}), deadlines: Deadlines.parse({}), classification: { rules: [] }, services: [] },
    createdAt: now,
    updatedAt: now,
  });
  return {
    loop,
    cycle: CycleDoc.parse({ loopId: 'bench', n: 2, phase: 'analyzing', commit: 'c2' }),
    previousCycle: CycleDoc.parse({ loopId: 'bench', n: 1, phase: 'done', commit: 'c1' }),
  };
}

/** Time to analyze one cycle of `n` failing tests (classify, cluster, five whys, diff, reality, criteria), median of `repeats`. */
export function measureAnalysis(n: number, repeats: number): { failingTests: number; medianMs: number; clusters: number; analysisBytes: number } {
  const cases: TestCase[] = Array.from({ length: n }, (_, i) => ({
    id: `suite-${i % 50}::Case::test_${i}::tests/test_${i % 50}.py`,
    suite: `suite-${i % 50}`,
    name: `test_${i}`,
    status: 'failed',
    durationMs: 12,
    message: `${MESSAGES[i % MESSAGES.length]} (item ${i})`,
    details: `Traceback (most recent call last):\n  File "tests/test_${i % 50}.py", line ${i % 300}, in test_${i}\n    assert r.status_code == 201`,
  }));
  const { loop, cycle, previousCycle } = benchCycles();
  const previous = { cycle: previousCycle, cases };
  const times: number[] = [];
  let last: ReturnType<typeof analyzeWithRules> | undefined;
  for (let i = 0; i < repeats; i++) {
    const t = performance.now();
    last = analyzeWithRules({ loop, cycle, cases, previous, labels: [] });
    times.push(performance.now() - t);
  }
  return {
    failingTests: n,
    medianMs: round(median(times)),
    clusters: (last!.analysis.clusters as unknown[]).length,
    analysisBytes: JSON.stringify(last!.analysis).length,
  };
}
