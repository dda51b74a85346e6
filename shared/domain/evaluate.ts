import type { Criteria } from '../config/loop-config.js';
import type { TestCase } from '../results/model.js';
import type { CycleAnalyzer } from './cycle-analyzer.js';
import { decide, type Decision } from './decisions.js';
import type { ClusterLabel } from './labels.js';
import type { CycleDoc, LoopDoc, Verdict } from './model.js';

export interface Reevaluation {
  n: number;
  commit: string;
  storedVerdict: Verdict | null;
  passRate: number | null;
  verdict: Verdict;
  reason: string;
  changed: boolean;
}

/**
 * Judges stored cycles again under other criteria, as the loop would have at the time:
 * the history and redeploy count as they were before each cycle, and only the labels people
 * had given before the cycle was analyzed. Deploys nothing.
 */
export async function reevaluate(
  loop: LoopDoc,
  cycles: Array<{ cycle: CycleDoc; cases: TestCase[] }>,
  criteria: Criteria,
  analyzer: CycleAnalyzer,
  labels: readonly ClusterLabel[] = [],
): Promise<Reevaluation[]> {
  const done = cycles.filter(({ cycle }) => cycle.phase === 'done').sort((a, b) => a.cycle.n - b.cycle.n);
  const results: Reevaluation[] = [];
  let previous: { cycle: CycleDoc; cases: TestCase[] } | null = null;
  for (const { cycle, cases } of done) {
    const earlier = loop.history.filter((h) => h.cycle < cycle.n);
    const asThen: LoopDoc = {
      ...loop,
      config: { ...loop.config, criteria },
      history: earlier,
      redeploys: earlier.filter((h) => h.cycle >= loop.runStartCycle && h.verdict === 'redeploy').length,
    };
    const at = cycle.phaseAt.done ?? cycle.phaseAt.reporting ?? loop.updatedAt;
    const analyzedAt = cycle.phaseAt.reporting ?? at;
    const known = labels.filter((l) => l.labelledAt <= analyzedAt);
    const { facts } = await analyzer({ loop: asThen, cycle, cases, previous, labels: known });
    const decision: Decision = decide({ loop: asThen, cycle, analysis: facts, now: new Date(at) });
    results.push({
      n: cycle.n,
      commit: cycle.commit ?? '',
      storedVerdict: cycle.verdict ?? null,
      passRate: facts.passRate,
      verdict: decision.verdict,
      reason: decision.reason,
      changed: decision.verdict !== cycle.verdict,
    });
    if (cases.length > 0) previous = { cycle, cases };
  }
  return results;
}
