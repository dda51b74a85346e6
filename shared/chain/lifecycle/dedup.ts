import type { DedupRecord } from '../../ports/loop-store.js';
import { TransientError } from '../../kernel/errors.js';
import { IN_PROGRESS_TTL_MS } from './step-deps.js';

/**
 * What a step does with a message given its deduplication record:
 * - new: first delivery; - completed: already handled, change nothing;
 * - busy: another delivery is handling it now, retry later;
 * - take-over: an earlier delivery died halfway (its record expired): do the rest.
 */
export type DedupDecision = 'new' | 'completed' | 'busy' | 'take-over';

export function dedupDecision(record: DedupRecord | null, now: Date): DedupDecision {
  if (!record) return 'new';
  if (record.state === 'completed') return 'completed';
  return Date.parse(record.expiresAt) > now.getTime() ? 'busy' : 'take-over';
}

/**
 * The key names the fact, not the Pub/Sub message: a redelivery and a second publish of the
 * same fact (a deployer that published twice) are the same work.
 */
export function dedupKey(step: string, ...parts: Array<string | number>): string {
  return [step, ...parts].join('~').replace(/[^A-Za-z0-9~_.-]/g, '_').slice(0, 400);
}

export interface Claim {
  decision: Exclude<DedupDecision, 'busy'>;
  /** The in-progress record to write in the same transaction as the step's own writes. */
  record: DedupRecord;
}

/**
 * Claims the work for this delivery inside the transaction. A concurrent delivery of the
 * same fact is told to retry later (so it does not publish what this one is publishing);
 * once this one completes, the retry finds the record completed and changes nothing.
 */
export function claim(
  existing: DedupRecord | null,
  who: { key: string; step: string; messageId: string; loopId: string; cycle?: number },
  now: Date,
): Claim {
  const decision = dedupDecision(existing, now);
  if (decision === 'busy') throw busy(who);
  return {
    decision,
    record: {
      ...who,
      state: 'in-progress',
      at: now.toISOString(),
      expiresAt: new Date(now.getTime() + IN_PROGRESS_TTL_MS).toISOString(),
    },
  };
}

/** What a delivery is told when another one is handling the same fact: retry later. */
export function busy(who: { step: string; key: string }): TransientError {
  return new TransientError(`${who.step}: ${who.key} is being handled by another delivery; retry later`);
}
