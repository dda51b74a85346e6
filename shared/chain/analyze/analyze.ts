import type { TestsFinished } from '../messages.js';
import type { TestCase } from '../../results/model.js';
import type { CycleDoc, LoopDoc, OutboxEntry } from '../../domain/model.js';
import type { AnalysisFacts } from '../../domain/decisions.js';
import { flushOutbox, outboxMessage, publishAbandoned } from '../../kernel/outbox.js';
import { addSeconds } from '../run-tests/run-tests.js';
import type { StepDeps, StepOutcome } from '../../kernel/step-deps.js';
import { claim, dedupKey } from '../../kernel/dedup.js';
import type { ClusterLabel } from '../../analysis/labels.js';

export interface AnalyzerInput {
  loop: LoopDoc;
  cycle: CycleDoc;
  cases: TestCase[];
  previous: { cycle: CycleDoc; cases: TestCase[] } | null;
  /** People's verdicts on the loop's clusters (`tdl label`): matching clusters take their category. */
  labels: ClusterLabel[];
}

export interface AnalyzerOutput {
  /** Compact, JSON-serializable analysis stored on the cycle for the report and the console. */
  analysis: Record<string, unknown>;
  facts: AnalysisFacts;
}

/**
 * The analysis of one cycle, repeatable: the rule-based one lives in shared/analysis, and a
 * model-backed one may call a model, so it is asynchronous.
 */
export type CycleAnalyzer = (input: AnalyzerInput) => Promise<AnalyzerOutput>;

export interface AnalyzeDeps extends StepDeps {
  analyzer: CycleAnalyzer;
}

/** analyze, on tests-finished: reads the cycle's results, analyzes them, moves the cycle to reporting. */
export function createAnalyze(deps: AnalyzeDeps) {
  return async function analyze(message: TestsFinished, messageId = 'unknown'): Promise<StepOutcome> {
    const { loopId, cycle: n } = message;
    const [loop, cycle] = await Promise.all([deps.store.getLoop(loopId), deps.store.getCycle(loopId, n)]);
    if (!loop || !cycle) return { kind: 'ignored', detail: `tests-finished for unknown cycle ${loopId}/${n}` };
    if (cycle.testJob?.jobId !== message.jobId) {
      return { kind: 'ignored', detail: `tests-finished from job ${message.jobId}, but cycle ${n} ran ${cycle.testJob?.jobId}: ignored` };
    }
    if (cycle.phase === 'superseded') return { kind: 'ignored', detail: `cycle ${n} was superseded: not analyzed` };

    // Repeatable, so it runs before the transaction; only one delivery's result is stored.
    const computed = cycle.phase === 'analyzing' ? await compute(deps, loop, cycle) : null;

    const key = dedupKey(STEP, loopId, n, message.jobId);
    const now = deps.clock.now();
    const at = now.toISOString();
    const plan = await deps.store.transact({ loopId, cycle: n, dedupKey: key }, (view) => {
      const c = view.cycle;
      if (view.dedup?.state === 'completed' || !c) {
        return { result: { outcome: { kind: 'duplicate', detail: `cycle ${n} was already analyzed` } as StepOutcome, pending: [] as Pending, claimed: false } };
      }
      const { record } = claim(view.dedup, { key, step: STEP, messageId, loopId, cycle: n }, now);
      if (c.phase !== 'analyzing' || !computed) {
        // An earlier delivery stored the analysis and stopped: publish what it left unpublished.
        return {
          writes: { dedup: record },
          result: { outcome: { kind: 'duplicate', detail: `cycle ${n} is already ${c.phase}` } as StepOutcome, pending: [] as Pending, claimed: true },
        };
      }
      const { facts, analysis, analysisMs } = computed;
      const out: Pending = [
        outboxMessage(`analysis-finished-${n}`, 'analysis-finished', { loopId, cycle: n, passRate: facts.passRate, criteriaMet: facts.criteriaMet }, at),
        outboxMessage(
          `reporting-${n}`,
          'loop-events',
          {
            loopId,
            cycle: n,
            type: 'phase-changed',
            phase: 'reporting',
            detail: describeFacts(facts),
            facts: { passRate: facts.passRate, failing: facts.failing, criteriaMet: facts.criteriaMet },
            at,
          },
          at,
        ),
      ];
      return {
        writes: {
          dedup: record,
          cycles: [
            {
              n,
              data: {
                phase: 'reporting',
                passRate: facts.passRate,
                analysis: { ...analysis, facts, analysisMs },
                deadline: addSeconds(now, loop.config.deadlines.analysisSeconds),
                phaseAt: { reporting: at },
                outbox: Object.fromEntries(out),
              },
            },
          ],
        },
        result: { outcome: { kind: 'done', detail: `cycle ${n} analyzed in ${analysisMs} ms: ${describeFacts(facts)}` } as StepOutcome, pending: out, claimed: true },
      };
    });
    if (!plan.claimed) return plan.outcome;
    try {
      await flushOutbox(deps, loopId, n, plan.pending);
      if (plan.outcome.kind === 'duplicate') await publishAbandoned(deps, loopId, n);
      await deps.store.completeDedup(key, plan.outcome.detail);
    } catch (error) {
      await deps.store.releaseDedup(key).catch(() => undefined);
      throw error;
    }
    return plan.outcome;
  };
}

type Pending = Array<[string, OutboxEntry]>;
type Computed = AnalyzerOutput & { analysisMs: number };
const STEP = 'analyze';

/** Reads what the analysis needs (the cycle's cases, the previous cycle's, the loop's labels) and runs it. */
async function compute(deps: AnalyzeDeps, loop: LoopDoc, cycle: CycleDoc): Promise<Computed> {
  const started = performance.now();
  const [cases, previous, labels] = await Promise.all([
    deps.store.readResults(loop.loopId, cycle.n),
    previousCycle(deps, loop.loopId, cycle.n),
    deps.store.listLabels(loop.loopId),
  ]);
  const output = await deps.analyzer({ loop, cycle, cases, previous, labels });
  return { ...output, analysisMs: Math.round(performance.now() - started) };
}

/** The latest earlier cycle that ran tests, for the cycle-to-cycle diff. */
async function previousCycle(
  deps: StepDeps,
  loopId: string,
  n: number,
): Promise<{ cycle: CycleDoc; cases: TestCase[] } | null> {
  for (let k = n - 1; k >= 1; k--) {
    const c = await deps.store.getCycle(loopId, k);
    if (c && c.phase === 'done' && (c.totals?.tests ?? 0) > 0) {
      return { cycle: c, cases: await deps.store.readResults(loopId, k) };
    }
  }
  return null;
}

function describeFacts(f: AnalysisFacts): string {
  const rate = f.passRate === null ? 'no tests ran' : `pass rate ${(f.passRate * 100).toFixed(1)} %`;
  const cats = Object.entries(f.categories)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  return `${rate}, ${f.failing} failing${cats ? ` (${cats})` : ''}; criteria ${f.criteriaMet ? 'met' : `not met: ${f.unmet.join('; ')}`}`;
}
