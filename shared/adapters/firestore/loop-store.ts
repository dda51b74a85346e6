import { Firestore, Timestamp, type DocumentReference, type Transaction } from '@google-cloud/firestore';
import { CycleDoc, LoopDoc, ACTIVE_PHASES } from '../../loop/model.js';
import { TestCase } from '../../results/model.js';
import type { DedupRecord, LoopStore, RejectedMessage, TxPlan, TxView } from '../../store.js';
import { TransientError } from '../../errors.js';
import { z } from 'zod';

/** Cases per chunk document are bounded by size, not count: each chunk stays near 256 KB. */
const CHUNK_TARGET_BYTES = 256 * 1024;
/** A batch carries up to 500 writes and 10 MB; 16 chunks of 256 KB stay well inside both. */
const CHUNKS_PER_BATCH = 16;

const DedupDoc = z.object({
  key: z.string(),
  step: z.string(),
  messageId: z.string(),
  loopId: z.string().optional(),
  cycle: z.number().optional(),
  state: z.enum(['in-progress', 'completed']),
  outcome: z.string().optional(),
  at: z.string(),
  expiresAt: z.string(),
});

/** How long a completed dedup record is kept: a day longer than Pub/Sub's longest retention. */
export const DEDUP_RETENTION_MS = 8 * 24 * 3600 * 1000;
/** The field infra/'s TTL policy on dedup/ deletes by. */
export const DEDUP_TTL_FIELD = 'deleteAt';

const ChunkDoc = z.object({ index: z.number(), count: z.number(), cases: z.array(TestCase) });

/** Firestore codes that mean "try again": aborted (contention), unavailable, deadline, resource exhausted. */
const TRANSIENT_CODES = new Set([4, 8, 10, 14]);
/**
 * INVALID_ARGUMENT for a transaction the server no longer knows: it expired, or (on the
 * emulator) the server restarted under it. Running the transaction again is the answer.
 */
const LOST_TRANSACTION = /transaction (?:is invalid or closed|has expired|.*no longer valid)/i;

export function isTransientFirestoreError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'number') return false;
  return TRANSIENT_CODES.has(code) || (code === 3 && LOST_TRANSACTION.test((error as Error).message ?? ''));
}

/** Creates the Firestore client once per instance; settings come from the environment (emulator host, project). */
export function createFirestore(options: { projectId: string; databaseId?: string }): Firestore {
  return new Firestore({
    projectId: options.projectId,
    databaseId: options.databaseId ?? '(default)',
    ignoreUndefinedProperties: true,
  });
}

export class FirestoreLoopStore implements LoopStore {
  constructor(private readonly db: Firestore) {}

  private loopRef(loopId: string): DocumentReference {
    return this.db.collection('loops').doc(loopId);
  }

  private cycleRef(loopId: string, n: number): DocumentReference {
    return this.loopRef(loopId).collection('cycles').doc(String(n));
  }

  private dedupRef(key: string): DocumentReference {
    return this.db.collection('dedup').doc(key);
  }

  async transact<R>(
    request: { loopId: string; cycle?: number; dedupKey?: string },
    plan: (view: TxView) => TxPlan<R>,
  ): Promise<R> {
    try {
      return await this.db.runTransaction(async (tx) => {
        const view = await this.readView(tx, request);
        const { writes, result } = plan(view);
        if (writes?.loop) tx.set(this.loopRef(request.loopId), writes.loop, { merge: true });
        for (const c of writes?.cycles ?? []) {
          tx.set(this.cycleRef(request.loopId, c.n), c.data, { merge: true });
        }
        if (writes?.dedup) tx.set(this.dedupRef(writes.dedup.key), writes.dedup);
        return result;
      });
    } catch (error) {
      if (isTransientFirestoreError(error)) {
        throw new TransientError(`Firestore transaction on loop ${request.loopId} failed: ${(error as Error).message}`, {
          cause: error,
          loopId: request.loopId,
        });
      }
      throw error;
    }
  }

  private async readView(
    tx: Transaction,
    request: { loopId: string; cycle?: number; dedupKey?: string },
  ): Promise<TxView> {
    const [loopSnap, dedupSnap] = await Promise.all([
      tx.get(this.loopRef(request.loopId)),
      request.dedupKey ? tx.get(this.dedupRef(request.dedupKey)) : Promise.resolve(null),
    ]);
    const loop = loopSnap.exists ? LoopDoc.parse(loopSnap.data()) : null;
    const dedup = dedupSnap?.exists ? DedupDoc.parse(dedupSnap.data()) : null;
    const currentN = loop && loop.currentCycle > 0 ? loop.currentCycle : undefined;
    const wanted = request.cycle ?? currentN;
    const numbers = [...new Set([wanted, currentN].filter((n): n is number => n !== undefined))];
    const snaps = await Promise.all(numbers.map((n) => tx.get(this.cycleRef(request.loopId, n))));
    const byN = new Map<number, CycleDoc>();
    snaps.forEach((s, i) => {
      if (s.exists) byN.set(numbers[i]!, CycleDoc.parse(s.data()));
    });
    return {
      loop,
      cycle: wanted === undefined ? null : (byN.get(wanted) ?? null),
      current: currentN === undefined ? null : (byN.get(currentN) ?? null),
      dedup,
    };
  }

  async putLoop(loop: LoopDoc, options: { reset: boolean }): Promise<void> {
    if (options.reset) await this.db.recursiveDelete(this.loopRef(loop.loopId));
    await this.loopRef(loop.loopId).set(loop);
  }

  async getLoop(loopId: string): Promise<LoopDoc | null> {
    const snap = await this.loopRef(loopId).get();
    return snap.exists ? LoopDoc.parse(snap.data()) : null;
  }

  async listLoops(): Promise<LoopDoc[]> {
    const snap = await this.db.collection('loops').get();
    return snap.docs.map((d) => LoopDoc.parse(d.data()));
  }

  async getCycle(loopId: string, n: number): Promise<CycleDoc | null> {
    const snap = await this.cycleRef(loopId, n).get();
    return snap.exists ? CycleDoc.parse(snap.data()) : null;
  }

  async listCycles(loopId: string): Promise<CycleDoc[]> {
    const snap = await this.loopRef(loopId).collection('cycles').get();
    return snap.docs.map((d) => CycleDoc.parse(d.data())).sort((a, b) => a.n - b.n);
  }

  async saveResults(loopId: string, n: number, cases: TestCase[]): Promise<number> {
    const chunks = chunkBySize(cases, CHUNK_TARGET_BYTES);
    const results = this.cycleRef(loopId, n).collection('results');
    for (let i = 0; i < chunks.length; i += CHUNKS_PER_BATCH) {
      const batch = this.db.batch();
      chunks.slice(i, i + CHUNKS_PER_BATCH).forEach((chunk, j) => {
        const index = i + j;
        batch.set(results.doc(chunkId(index)), { index, count: chunk.length, cases: chunk });
      });
      await batch.commit();
    }
    // A job that ran again may have written more chunks the first time; drop the extras.
    const stale = await results.where('index', '>=', chunks.length).get();
    if (!stale.empty) {
      const batch = this.db.batch();
      stale.docs.forEach((d) => batch.delete(d.ref));
      await batch.commit();
    }
    return chunks.length;
  }

  async readResults(loopId: string, n: number): Promise<TestCase[]> {
    const snap = await this.cycleRef(loopId, n).collection('results').orderBy('index').get();
    return snap.docs.flatMap((d) => ChunkDoc.parse(d.data()).cases);
  }

  async markPublished(loopId: string, n: number, outboxIds: string[], at: string): Promise<void> {
    if (outboxIds.length === 0) return;
    const update: Record<string, string> = {};
    for (const id of outboxIds) update[`outbox.${id}.publishedAt`] = at;
    await this.cycleRef(loopId, n).update(update);
  }

  async completeDedup(key: string, outcome: string): Promise<void> {
    // Pub/Sub keeps an unacknowledged message for up to 7 days: past that no redelivery can
    // come, and the TTL policy on deleteAt (infra/) removes the record.
    const deleteAt = Timestamp.fromMillis(Date.now() + DEDUP_RETENTION_MS);
    await this.dedupRef(key).set({ state: 'completed', outcome, [DEDUP_TTL_FIELD]: deleteAt }, { merge: true });
  }

  async releaseDedup(key: string): Promise<void> {
    await this.dedupRef(key).delete();
  }

  async recordRejected(message: RejectedMessage): Promise<void> {
    const id = `${message.source}-${message.messageId}`.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 200);
    await this.db.collection('rejected').doc(id).set(message);
  }

  async cyclesDoneSince(since: string): Promise<CycleDoc[]> {
    const snap = await this.db.collectionGroup('cycles').where('phase', '==', 'done').where('phaseAt.done', '>=', since).get();
    return snap.docs.map((d) => CycleDoc.parse(d.data()));
  }

  async activeCycles(): Promise<CycleDoc[]> {
    // The range on deadline (every string is > '') lets this use the same (phase, deadline)
    // index as before; a cycle without a deadline has nothing the watchdog could enforce.
    const snap = await this.db.collectionGroup('cycles').where('phase', 'in', [...ACTIVE_PHASES]).where('deadline', '>', '').get();
    return snap.docs.map((d) => CycleDoc.parse(d.data()));
  }
}

function chunkId(index: number): string {
  return String(index).padStart(5, '0');
}

/** Splits cases into chunks whose JSON size stays near `targetBytes`. */
export function chunkBySize(cases: TestCase[], targetBytes: number): TestCase[][] {
  const chunks: TestCase[][] = [];
  let current: TestCase[] = [];
  let size = 0;
  for (const c of cases) {
    const s = approximateSize(c);
    if (current.length > 0 && size + s > targetBytes) {
      chunks.push(current);
      current = [];
      size = 0;
    }
    current.push(c);
    size += s;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

function approximateSize(c: TestCase): number {
  // Firestore counts string bytes plus field names; JSON length is a close, cheap estimate.
  return JSON.stringify(c).length + 64;
}

export type { DedupRecord };
