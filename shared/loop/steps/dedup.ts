import type { DedupRecord } from '../../store.js';

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
