import type { LoopControl } from '../messages.js';
import { InvalidInputError } from '../../kernel/errors.js';
import { isActive, isLoopEnded, type LoopStatus, type OutboxEntry } from '../../domain/model.js';
import type { Decision } from '../../domain/decisions.js';
import { flushOutbox } from '../../kernel/outbox.js';
import { analysisFacts, applyDecision } from '../decide/decide.js';
import type { StepDeps, StepOutcome } from '../../kernel/step-deps.js';

interface ControlPlan {
  kind: 'ended' | 'cancelled';
  status: LoopStatus;
  n?: number;
  pending: Array<[string, OutboxEntry]>;
}

/**
 * control, on loop-control: a person cancels a loop. The running cycle ends with the verdict
 * `cancelled` (its late messages are then ignored) and the loop stops until a re-run.
 */
export function createControl(deps: StepDeps) {
  return async function control(message: LoopControl): Promise<StepOutcome> {
    const now = deps.clock.now();
    const at = now.toISOString();
    const decision: Decision = {
      verdict: 'cancelled',
      reason: `cancelled by ${message.requestedBy}: ${message.reason}`,
      nextAction: `nothing runs until \`tdl rerun ${message.loopId}\` or a push`,
    };
    const plan = await deps.store.transact<ControlPlan>({ loopId: message.loopId }, ({ loop, current }) => {
      if (!loop) throw new InvalidInputError(`loop-control: unknown loop id "${message.loopId}"`);
      if (isLoopEnded(loop.status)) {
        return { result: { kind: 'ended', status: loop.status, n: current?.n, pending: [] } };
      }
      if (current && isActive(current.phase)) {
        const applied = applyDecision(loop, current, decision, analysisFacts(current), now);
        return { writes: applied.writes, result: { kind: 'cancelled', status: loop.status, n: current.n, pending: applied.result.pending } };
      }
      return {
        writes: { loop: { status: 'cancelled' as const, statusReason: decision.reason, endedAt: at, updatedAt: at } },
        result: { kind: 'cancelled', status: loop.status, n: current?.n, pending: [] },
      };
    });
    if (plan.pending.length > 0 && plan.n !== undefined) {
      await flushOutbox(deps, message.loopId, plan.n, plan.pending);
    } else {
      // No cycle was running (or this is a redelivery): say it on loop-events all the same.
      await deps.publisher.publish('loop-events', {
        loopId: message.loopId,
        cycle: plan.n,
        type: 'loop-ended',
        status: plan.kind === 'ended' ? plan.status : 'cancelled',
        verdict: 'cancelled',
        detail: plan.kind === 'ended' ? `loop had already ended ${plan.status}` : decision.reason,
        at,
      });
    }
    if (plan.kind === 'ended') return { kind: 'duplicate', detail: `loop ${message.loopId} had already ended ${plan.status}` };
    return { kind: 'done', detail: `loop ${message.loopId} cancelled${plan.n ? ` in cycle ${plan.n}` : ''}` };
  };
}
