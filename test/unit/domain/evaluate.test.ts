import { describe, expect, it } from 'vitest';
import { reevaluate } from '../../../shared/domain/evaluate.js';
import { ruleBasedAnalyzer } from '../../../shared/analysis/rule-based-analyzer.js';
import { clusterFailures } from '../../../shared/analysis/clusters.js';
import { Criteria } from '../../../shared/config/loop-config.js';
import type { ClusterLabel } from '../../../shared/analysis/labels.js';
import { cycleDoc, loopDoc } from '../../support/docs.js';
import { tc } from '../analysis/cases.js';

describe('tdl evaluate with people\'s labels', () => {
  it('judges each cycle with the labels given before it was analyzed, as the loop did', async () => {
    const seen: string[] = [];
    const cases = [tc('a'), tc('b', { status: 'failed', message: 'Error: connect ECONNREFUSED 127.0.0.1:6543' })];
    const [cluster] = clusterFailures(cases);
    const totals = { tests: 2, passed: 1, failed: 1, errors: 0, skipped: 0, flaky: 0, durationMs: 50 };
    const cycle = (n: number, analyzedAt: string) =>
      cycleDoc({ n, phase: 'done', commit: `${n}`.repeat(40), totals, phaseAt: { reporting: analyzedAt, done: analyzedAt }, verdict: 'await-fix' });
    const label: ClusterLabel = { signature: cluster!.signature, category: 'test-defect', previousCategory: cluster!.category, labelledAt: '2026-11-24T10:30:00.000Z', cycle: 1, cluster: 1 };
    const loop = loopDoc({ currentCycle: 2 });
    const results = await reevaluate(
      loop,
      [
        { cycle: cycle(1, '2026-11-24T10:10:00.000Z'), cases },
        { cycle: cycle(2, '2026-11-24T10:40:00.000Z'), cases },
      ],
      Criteria.parse({ minPassRate: 0.5 }),
      async (input) => {
        const out = await ruleBasedAnalyzer(input);
        seen.push(`${input.cycle.n}: ${Object.keys(out.facts.categories).join(',')}`);
        return out;
      },
      [label],
    );
    expect(seen).toEqual([`1: ${cluster!.category}`, '2: test-defect']);
    expect(results.map((r) => [r.n, r.passRate, r.verdict])).toEqual([
      [1, 0.5, 'succeeded'],
      [2, 0.5, 'succeeded'],
    ]);
  });
});
