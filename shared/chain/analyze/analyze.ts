import type { TestsFinished } from '../messages.js';
import type { CycleDoc, LoopDoc, OutboxEntry } from '../../domain/model.js';
import type { AnalysisFacts } from '../../domain/decisions.js';
import type { AnalyzerOutput, CycleAnalyzer, StoredResults } from '../../domain/cycle-analyzer.js';
import type { TxPlan, TxView } from '../../ports/loop-store.js';
import { outboxMessage } from '../lifecycle/outbox.js';
import { handleOnce, type StepPlan } from '../lifecycle/run-step.js';
import { addSeconds } from '../../kernel/time.js';
import type { StepDeps, StepOutcome } from '../lifecycle/step-deps.js';
import type { ServiceLogs } from '../../ports/service-logs.js';
import { readServiceLog } from './service-log.js';

export interface AnalyzeDeps extends StepDeps {
  analyzer: CycleAnalyzer;
  /** What the services printed (local files, Cloud Logging); without it the five whys use the deploy's excerpt only. */
  serviceLogs?: ServiceLogs;
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

    const plan = await handleOnce<StepPlan>(deps, {
      step: STEP,
      fact: [loopId, n, message.jobId],
      loopId,
      cycle: n,
      messageId,
      alreadyDone: () => ({ kind: 'duplicate', detail: `cycle ${n} was already analyzed` }),
      plan: (view, _record, now) => planAnalyze(view, loop, n, computed, now),
    });
    return plan.outcome;
  };
}

type Computed = AnalyzerOutput & { analysisMs: number };

/**
 * Runs the analysis on the cycle's results and the previous cycle's, streamed from the store
 * (the previous cycle's outcome map, then the cases chunk by chunk: never a cycle at once).
 */
async function compute(deps: AnalyzeDeps, loop: LoopDoc, cycle: CycleDoc): Promise<Computed> {
  const started = performance.now();
  const [previous, labels, serviceLog] = await Promise.all([
    previousCycle(deps, loop.loopId, cycle.n),
    deps.store.listLabels(loop.loopId),
    deps.serviceLogs ? readServiceLog(deps.serviceLogs, cycle, deps.clock.now(), deps.log) : undefined,
  ]);
  const results = storedResults(deps, loop.loopId, cycle.n);
  const output = await deps.analyzer({ loop, cycle, results, previous: previous ? { cycle: previous, results: storedResults(deps, loop.loopId, previous.n) } : null, labels, serviceLog });
  return { ...output, analysisMs: Math.round(performance.now() - started) };
}

function storedResults(deps: StepDeps, loopId: string, n: number): StoredResults {
  return { chunks: () => deps.store.readResultChunks(loopId, n), outcomes: () => deps.store.readOutcomeChunks(loopId, n) };
}

/** The pure part of analyze: the stored analysis and the cycle's move to reporting. */
export function planAnalyze(view: TxView, loop: LoopDoc, n: number, computed: Computed | null, now: Date): TxPlan<StepPlan & { claim?: false }> {
  const c = view.cycle;
  if (!c) return { result: { outcome: { kind: 'duplicate', detail: `cycle ${n} was already analyzed` }, pending: [], claim: false } };
  if (c.phase !== 'analyzing' || !computed) {
    // An earlier delivery stored the analysis and stopped: publish what it left unpublished.
    return { writes: {}, result: { outcome: { kind: 'duplicate', detail: `cycle ${n} is already ${c.phase}` }, n, pending: [], sweep: true } };
  }
  const at = now.toISOString();
  const { loopId } = loop;
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
  const data: Partial<CycleDoc> = {
    phase: 'reporting',
    passRate: facts.passRate,
    analysis: { ...analysis, facts, analysisMs },
    deadline: addSeconds(now, loop.config.deadlines.analysisSeconds),
    phaseAt: { reporting: at },
    outbox: Object.fromEntries(out),
  };
  return {
    writes: { cycles: [{ n, data }] },
    result: { outcome: { kind: 'done', detail: `cycle ${n} analyzed in ${analysisMs} ms: ${describeFacts(facts)}` }, n, pending: out },
  };
}

type Pending = Array<[string, OutboxEntry]>;
const STEP = 'analyze';

/** The latest earlier cycle that ran tests, for the cycle-to-cycle diff. */
async function previousCycle(deps: StepDeps, loopId: string, n: number): Promise<CycleDoc | null> {
  for (let k = n - 1; k >= 1; k--) {
    const c = await deps.store.getCycle(loopId, k);
    if (c && c.phase === 'done' && (c.totals?.tests ?? 0) > 0) return c;
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
