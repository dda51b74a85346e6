import type { OutboxEntry, CycleDoc } from '../../domain/model.js';
import type { MessageOf, SchemaTopic } from '../messages.js';
import type { StepDeps } from './step-deps.js';

/**
 * The transactional outbox: a phase change writes the messages it causes into the cycle
 * document in the same transaction, then they are published and marked. A crash between the
 * two leaves them unpublished, and the redelivery (or the watchdog) publishes them.
 */
export type Outbox = Record<string, OutboxEntry>;

export function outboxMessage<T extends SchemaTopic>(
  id: string,
  topic: T,
  data: MessageOf<T>,
  at: string,
): [string, OutboxEntry] {
  return [id, { topic, data: data as Record<string, unknown>, createdAt: at, publishedAt: null }];
}

export function pendingEntries(outbox: Outbox): Array<[string, OutboxEntry]> {
  return Object.entries(outbox)
    .filter(([, e]) => e.publishedAt === null)
    .sort((a, b) => a[1].createdAt.localeCompare(b[1].createdAt) || a[0].localeCompare(b[0]));
}

/** Publishes the given outbox entries of cycle `n` and marks them published. */
export async function flushOutbox(
  deps: StepDeps,
  loopId: string,
  n: number,
  entries: Array<[string, OutboxEntry]>,
): Promise<void> {
  if (entries.length === 0) return;
  const published: string[] = [];
  try {
    for (const [id, entry] of entries) {
      await deps.publisher.publish(entry.topic as SchemaTopic, entry.data as MessageOf<SchemaTopic>);
      published.push(id);
    }
  } finally {
    await deps.store.markPublished(loopId, n, published, deps.clock.now().toISOString());
  }
}

export function unpublished(cycle: CycleDoc | null): Array<[string, OutboxEntry]> {
  return cycle ? pendingEntries(cycle.outbox) : [];
}

/**
 * The step that writes an entry publishes it. Anyone else (a redelivery that finds the work
 * done, the watchdog) publishes only entries abandoned this long, and claims them first, so
 * two of them never publish the same entry.
 */
export const ABANDONED_AFTER_MS = 10_000;

export function abandoned(outbox: Outbox, now: Date): Array<[string, OutboxEntry]> {
  const old = (iso: string | null | undefined) => !iso || now.getTime() - Date.parse(iso) > ABANDONED_AFTER_MS;
  return pendingEntries(outbox).filter(([, e]) => old(e.createdAt) && old(e.claimedAt));
}

/** Claims the abandoned entries of cycle `n` in a transaction, publishes them, and says how many. */
export async function publishAbandoned(deps: StepDeps, loopId: string, n: number): Promise<number> {
  const now = deps.clock.now();
  const at = now.toISOString();
  const mine = await deps.store.transact({ loopId, cycle: n }, ({ cycle }) => {
    const entries = cycle ? abandoned(cycle.outbox, now) : [];
    return {
      writes: entries.length ? { cycles: [{ n, data: { outbox: Object.fromEntries(entries.map(([id, e]) => [id, { ...e, claimedAt: at }])) } }] } : undefined,
      result: entries,
    };
  });
  await flushOutbox(deps, loopId, n, mine);
  return mine.length;
}
