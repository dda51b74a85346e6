import type { LoopControl } from '../messages.js';
import type { TxPlan, TxView } from '../../ports/loop-store.js';
import { InvalidInputError } from '../../kernel/errors.js';
import { isActive, isLoopEnded, type LoopStatus } from '../../domain/model.js';
import type { Decision } from '../../domain/decisions.js';
import { analysisFacts, applyDecision } from '../lifecycle/close-cycle.js';
import { commitThenPublish, type ToPublish } from '../lifecycle/run-step.js';
import type { StepDeps, StepOutcome } from '../lifecycle/step-deps.js';

interface ControlPlan extends ToPublish {
  kind: 'ended' | 'cancelled';
  status: LoopStatus;
}

/**
 * control, on loop-control: a person cancels a loop. The running cycle ends with the verdict
 * `cancelled` (its late messages are then ignored) and the loop stops until a re-run.
 */
export function createControl(deps: StepDeps) {
  return async function control(message: LoopControl): Promise<StepOutcome> {
    const now = deps.clock.now();
    const decision = cancellation(message);
    const plan = await commitThenPublish(deps, { loopId: message.loopId }, (view) => planControl(view, message, decision, now));
    if (plan.pending.length === 0) {
      // No cycle was running (or this is a redelivery): say it on loop-events all the same.
      await deps.publisher.publish('loop-events', {
        loopId: message.loopId,
        cycle: plan.n,
        type: 'loop-ended',
        status: plan.kind === 'ended' ? plan.status : 'cancelled',
        verdict: 'cancelled',
        detail: plan.kind === 'ended' ? `loop had already ended ${plan.status}` : decision.reason,
        at: now.toISOString(),
      });
    }
    if (plan.kind === 'ended') return { kind: 'duplicate', detail: `loop ${message.loopId} had already ended ${plan.status}` };
    return { kind: 'done', detail: `loop ${message.loopId} cancelled${plan.n ? ` in cycle ${plan.n}` : ''}` };
  };
}

function cancellation(message: LoopControl): Decision {
  return {
    verdict: 'cancelled',
    reason: `cancelled by ${message.requestedBy}: ${message.reason}`,
    nextAction: `nothing runs until \`tdl rerun ${message.loopId}\` or a push`,
  };
}

/** The pure part of control: the running cycle closes `cancelled`, or the idle loop ends so. */
export function planControl(view: TxView, message: LoopControl, decision: Decision, now: Date): TxPlan<ControlPlan> {
  const { loop, current } = view;
  if (!loop) throw new InvalidInputError(`loop-control: unknown loop id "${message.loopId}"`);
  if (isLoopEnded(loop.status)) {
    return { result: { kind: 'ended', status: loop.status, n: current?.n, pending: [] } };
  }
  if (current && isActive(current.phase)) {
    const applied = applyDecision(loop, current, decision, analysisFacts(current), now);
    return { writes: applied.writes, result: { kind: 'cancelled', status: loop.status, n: current.n, pending: applied.result.pending } };
  }
  const at = now.toISOString();
  return {
    writes: { loop: { status: 'cancelled' as const, statusReason: decision.reason, endedAt: at, updatedAt: at } },
    result: { kind: 'cancelled', status: loop.status, n: current?.n, pending: [] },
  };
}
