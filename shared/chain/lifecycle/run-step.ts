import type { DedupRecord, TxPlan, TxView } from '../../ports/loop-store.js';
import type { OutboxEntry } from '../../domain/model.js';
import { busy, claim, dedupDecision, dedupKey } from './dedup.js';
import { flushOutbox, publishAbandoned } from './outbox.js';
import type { StepDeps, StepOutcome } from './step-deps.js';

/** What a transaction left to publish: the outbox entries it wrote. */
export interface ToPublish {
  /** The cycle whose outbox holds `pending`; without one there is nothing to publish. */
  n?: number;
  pending: Array<[string, OutboxEntry]>;
  /** A redelivery that found the work done publishes what an earlier delivery left unpublished. */
  sweep?: boolean;
}

/** What a step's transaction decided: how it ended, and what it left to publish. */
export interface StepPlan extends ToPublish {
  outcome: StepOutcome;
}

/**
 * One phase change: the plan runs in a transaction (pure; it may run more than once), then
 * `effects` run (a job launch, a report), then the outbox entries it wrote are published and
 * marked. A crash anywhere after the commit leaves the entries for a redelivery or the watchdog.
 */
export async function commitThenPublish<P extends ToPublish>(
  deps: StepDeps,
  request: { loopId: string; cycle?: number; dedupKey?: string },
  plan: (view: TxView) => TxPlan<P>,
  effects: Effects<P> = {},
): Promise<P> {
  const result = await deps.store.transact(request, plan);
  await afterCommit(deps, request.loopId, result, effects);
  return result;
}

type Effects<P> = { beforePublish?: (p: P) => Promise<void>; afterPublish?: (p: P) => Promise<void> };

async function afterCommit<P extends ToPublish>(deps: StepDeps, loopId: string, result: P, effects: Effects<P>): Promise<void> {
  await effects.beforePublish?.(result);
  if (result.n !== undefined) {
    await flushOutbox(deps, loopId, result.n, result.pending);
    if (result.sweep) await publishAbandoned(deps, loopId, result.n);
  }
  await effects.afterPublish?.(result);
}

/** How a delivery went: it claimed the fact and did the step's work, or it found nothing to do. */
export type Handled<P extends StepPlan> = (P & { claimed: true }) | (StepPlan & Partial<Omit<P, keyof StepPlan>> & { claimed: false });

/** A step that handles a fact once, whatever the number of deliveries. */
export interface HandledOnce<P extends StepPlan> {
  step: string;
  /** The parts of the fact's dedup key (see dedupKey): the fact, not the Pub/Sub message. */
  fact: Array<string | number>;
  loopId: string;
  cycle?: number;
  messageId: string;
  /** The outcome when the dedup record says the fact was handled already. */
  alreadyDone(record: DedupRecord): StepOutcome;
  /**
   * The pure plan, given the in-progress record to write. A plan that returns `claim: false`
   * writes nothing, not even the record: the fact is not this step's (yet), as with an
   * out-of-order deployment.
   */
  plan(view: TxView, record: DedupRecord, now: Date): TxPlan<P & { claim?: false }>;
  /** Side effects after the commit and before the outbox is published. */
  beforePublish?(plan: P): Promise<void>;
  afterPublish?(plan: P): Promise<void>;
}

/**
 * The "handled once" lifecycle every message-driven step goes through: claim the fact's dedup
 * record in the step's transaction, run the side effects, publish the outbox, then mark the
 * record completed; on any failure release it, so the redelivery does the rest. A delivery that
 * finds the record in progress is told to retry; one that finds it expired takes over.
 */
export async function handleOnce<P extends StepPlan>(deps: StepDeps, spec: HandledOnce<P>): Promise<Handled<P>> {
  const key = dedupKey(spec.step, ...spec.fact);
  const now = deps.clock.now();
  // A fact handled already, or being handled, is told so from the record alone: a transaction
  // reads (and so locks) the loop's documents, and redeliveries of a busy fact come about once
  // a second, which kept the writers that finish it (the job's results) waiting on the locks.
  const seen = await deps.store.getDedup(key);
  if (seen?.state === 'completed') return { outcome: spec.alreadyDone(seen), pending: [], claimed: false };
  if (seen && dedupDecision(seen, now) === 'busy') throw busy({ step: spec.step, key });
  // A fact without a cycle of its own (a pushed deployment) names, in its record, the cycle an
  // earlier delivery opened for it: the transaction reads that cycle too, so a take-over after
  // the loop moved on finds it instead of opening another (chaos: a build that opened 2 cycles).
  const request = { loopId: spec.loopId, cycle: spec.cycle ?? seen?.cycle, dedupKey: key };
  const result = await deps.store.transact(request, (view) => planHandledOnce(spec, view, now));
  if (!result.claimed) return result;
  try {
    await afterCommit(deps, spec.loopId, result, { beforePublish: spec.beforePublish?.bind(spec), afterPublish: spec.afterPublish?.bind(spec) });
    await deps.store.completeDedup(key, result.outcome.detail);
  } catch (error) {
    await deps.store.releaseDedup(key).catch(() => undefined);
    throw error;
  }
  return result;
}

/** The pure part of handleOnce: inside the transaction, the dedup record decides, then the step plans. */
export function planHandledOnce<P extends StepPlan>(spec: HandledOnce<P>, view: TxView, now: Date): TxPlan<Handled<P>> {
  if (view.dedup?.state === 'completed') {
    return { result: { outcome: spec.alreadyDone(view.dedup), pending: [], claimed: false } };
  }
  const key = dedupKey(spec.step, ...spec.fact);
  const { record } = claim(view.dedup, { key, step: spec.step, messageId: spec.messageId, loopId: spec.loopId, cycle: spec.cycle }, now);
  const planned = spec.plan(view, record, now);
  if (planned.result.claim === false) return { result: { outcome: planned.result.outcome, pending: [], claimed: false } };
  return { writes: { ...planned.writes, dedup: planned.writes?.dedup ?? record }, result: { ...planned.result, claimed: true } };
}
