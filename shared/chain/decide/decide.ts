import type { AnalysisFinished } from '../messages.js';
import type { TxPlan, TxView } from '../../ports/loop-store.js';
import { decide } from '../../domain/decisions.js';
import { analysisFacts, applyDecision, storeLoopReport, type ClosePlan } from '../lifecycle/close-cycle.js';
import { handleOnce } from '../lifecycle/run-step.js';
import type { StepDeps, StepOutcome } from '../lifecycle/step-deps.js';

/** The dedup records' step name: kept from when this step was called report, so records match. */
const STEP = 'report';

/** decide, on analysis-finished: the verdict, the cycle report, and what starts next. */
export function createDecide(deps: StepDeps) {
  return async function decideCycle(message: AnalysisFinished, messageId = 'unknown'): Promise<StepOutcome> {
    const { loopId, cycle: n } = message;
    const plan = await handleOnce<ClosePlan>(deps, {
      step: STEP,
      fact: [loopId, n],
      loopId,
      cycle: n,
      messageId,
      alreadyDone: () => ({ kind: 'duplicate', detail: `cycle ${n} was already reported` }),
      plan: (view, _record, now) => planReport(view, n, now),
      afterPublish: async (p) => {
        if (p.ended) await storeLoopReport(deps, loopId);
      },
    });
    return plan.outcome;
  };
}

/** The pure part of decide: verdict, report, loop status and the messages they cause. */
export function planReport(view: TxView, n: number, now: Date): TxPlan<ClosePlan> {
  const { loop, cycle } = view;
  if (!loop || !cycle) return { result: { outcome: { kind: 'ignored', detail: `no cycle ${n}` }, n, pending: [], ended: false } };
  if (cycle.phase !== 'reporting') {
    const done = cycle.phase === 'done';
    return {
      result: {
        outcome: { kind: done ? 'duplicate' : 'ignored', detail: `cycle ${n} is ${cycle.phase}: nothing to report` },
        n,
        pending: [],
        ended: false,
        // A redelivery for a decided cycle publishes what the deciding delivery left unpublished.
        sweep: done,
      },
    };
  }
  const facts = analysisFacts(cycle);
  const decision = decide({ loop, cycle, analysis: facts, now });
  return applyDecision(loop, cycle, decision, facts, now);
}
