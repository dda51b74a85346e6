import type { DedupRecord, TxPlan, TxView } from '../../ports/loop-store.js';
import type { OutboxEntry } from '../../domain/model.js';
import { busy, claim, dedupDecision, dedupKey } from './dedup.js';
import { flushOutbox, publishAbandoned } from './outbox.js';
import { IN_PROGRESS_TTL_MS, type StepDeps, type StepOutcome } from './step-deps.js';

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
export type Handled<P extends StepPlan> =
  | (P & { claimed: true; tookOverFrom?: DedupRecord })
  | (StepPlan & Partial<Omit<P, keyof StepPlan>> & { claimed: false });

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
 * record completed and log the outcome; on any failure release it, so the redelivery does the
 * rest. A delivery that finds the record in progress waits for it to complete or expire
 * (waitOutClaim) and is told to retry only if it still is in progress; one that finds it
 * expired takes over.
 */
export async function handleOnce<P extends StepPlan>(deps: StepDeps, spec: HandledOnce<P>): Promise<Handled<P>> {
  const key = dedupKey(spec.step, ...spec.fact);
  let now = deps.clock.now();
  // A fact handled already, or being handled, is told so from the record alone: a transaction
  // reads (and so locks) the loop's documents, and redeliveries of a busy fact come about once
  // a second, which kept the writers that finish it (the job's results) waiting on the locks.
  let seen = await deps.store.getDedup(key);
  if (seen && dedupDecision(seen, now) === 'busy') {
    seen = await waitOutClaim(deps, key, seen);
    // The plan's time is after the wait: the claim it takes over must have expired by it.
    now = deps.clock.now();
  }
  if (seen?.state === 'completed') return { outcome: spec.alreadyDone(seen), pending: [], claimed: false };
  if (seen && dedupDecision(seen, now) === 'busy') throw busy({ step: spec.step, key });
  // A fact without a cycle of its own (a pushed deployment) names, in its record, the cycle an
  // earlier delivery opened for it: the transaction reads that cycle too, so a take-over after
  // the loop moved on finds it instead of opening another (chaos: a build that opened 2 cycles).
  const request = { loopId: spec.loopId, cycle: spec.cycle ?? seen?.cycle, dedupKey: key };
  const result = await deps.store.transact(request, (view) => planHandledOnce(spec, view, now));
  if (!result.claimed) return result;
  if (result.tookOverFrom) {
    // Said, so that a person reading the logs sees a delivery that died holding the fact.
    const was = result.tookOverFrom;
    deps.log.warn(`${spec.step}: ${key}: taken over from a delivery of message ${was.messageId}, which claimed it at ${was.at} and never finished`, { loopId: spec.loopId, cycle: spec.cycle, messageId: spec.messageId });
  }
  try {
    await afterCommit(deps, spec.loopId, result, { beforePublish: spec.beforePublish?.bind(spec), afterPublish: spec.afterPublish?.bind(spec) });
    await deps.store.completeDedup(key, result.outcome.detail);
  } catch (error) {
    await deps.store.releaseDedup(key).catch(() => undefined);
    throw error;
  }
  // What the step did, said once here for every step (a delivery that found nothing to do is
  // for its step to mention, or not).
  deps.log.info(`${spec.step}: ${result.outcome.detail}`, { loopId: spec.loopId, cycle: result.n ?? spec.cycle, messageId: spec.messageId });
  return result;
}

/**
 * A delivery that finds another one holding the fact waits for that one to finish, or for its
 * claim to expire, rather than failing at once: re-read after 0.25, 0.5, 1, 2, 2 ... s, to the
 * claim's expiry and no longer than one claim's time. Failing at once cost an attempt of the
 * subscription's budget per redelivery: where Pub/Sub redelivers about a second apart (the local
 * emulator without a retry policy), a delivery that died holding its claim used up 15 of 34
 * attempts, and two in a row dead-lettered the fact (chaos crash-storm, issue 18: a tests-finished
 * told "being handled" 64 times in 57 s). Only the record is read (no transaction, no locks).
 */
async function waitOutClaim(deps: StepDeps, key: string, seen: DedupRecord): Promise<DedupRecord | null> {
  const sleep = deps.clock.sleep;
  if (!sleep) return seen;
  const started = deps.clock.now().getTime();
  let record: DedupRecord | null = seen;
  for (let pause = 250; record && record.state !== 'completed'; pause = Math.min(2 * pause, 2_000)) {
    const now = deps.clock.now().getTime();
    const left = Math.min(Date.parse(record.expiresAt), started + IN_PROGRESS_TTL_MS) - now;
    if (left <= 0) break;
    await sleep(Math.min(pause, left + 50));
    record = await deps.store.getDedup(key);
  }
  return record;
}

/** The pure part of handleOnce: inside the transaction, the dedup record decides, then the step plans. */
export function planHandledOnce<P extends StepPlan>(spec: HandledOnce<P>, view: TxView, now: Date): TxPlan<Handled<P>> {
  if (view.dedup?.state === 'completed') {
    return { result: { outcome: spec.alreadyDone(view.dedup), pending: [], claimed: false } };
  }
  const key = dedupKey(spec.step, ...spec.fact);
  const { record, decision } = claim(view.dedup, { key, step: spec.step, messageId: spec.messageId, loopId: spec.loopId, cycle: spec.cycle }, now);
  const planned = spec.plan(view, record, now);
  if (planned.result.claim === false) return { result: { outcome: planned.result.outcome, pending: [], claimed: false } };
  const tookOverFrom = decision === 'take-over' && view.dedup ? { tookOverFrom: view.dedup } : {};
  return { writes: { ...planned.writes, dedup: planned.writes?.dedup ?? record }, result: { ...planned.result, claimed: true, ...tookOverFrom } };
}
