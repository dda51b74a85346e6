import type { CycleDoc, LoopDoc, NotificationRecord } from '../domain/model.js';
import type { TestCase } from '../results/model.js';
import type { OutcomeChunk } from '../results/outcomes.js';
import type { ClusterLabel } from '../domain/labels.js';

/** A record that a message was handled by a step, so a redelivery changes nothing. */
export interface DedupRecord {
  key: string;
  step: string;
  messageId: string;
  loopId?: string;
  cycle?: number;
  state: 'in-progress' | 'completed';
  outcome?: string;
  at: string;
  /** An in-progress record past this time is taken over by a redelivery (the first try died). */
  expiresAt: string;
}

/** What a transaction saw: the loop, the cycle asked for, the loop's current cycle, the dedup record. */
export interface TxView {
  loop: LoopDoc | null;
  cycle: CycleDoc | null;
  current: CycleDoc | null;
  dedup: DedupRecord | null;
}

/** Writes are merged into the documents (maps merge, arrays and scalars replace). */
export interface TxWrites {
  loop?: Partial<LoopDoc>;
  /**
   * The loop's top-level fields in `loop` are written whole instead of merged into: a config
   * that dropped a sink (`notify.slack`) or a rule must lose it in the stored one too.
   */
  replaceLoopFields?: boolean;
  cycles?: Array<{ n: number; data: Partial<CycleDoc> }>;
  dedup?: DedupRecord;
}

export interface TxPlan<R> {
  writes?: TxWrites;
  result: R;
}

export interface RejectedMessage {
  source: string;
  messageId: string;
  reason: string;
  loopId?: string;
  /** The start of the payload as received, for a person to see what was sent. */
  excerpt: string;
  receivedAt: string;
}

/**
 * The loop's state. Every phase change goes through `transact`: a pure `plan` function
 * sees a consistent view and returns the writes, applied atomically; it may run more
 * than once when transactions contend, so it must not have side effects.
 */
export interface LoopDocuments {
  transact<R>(
    request: { loopId: string; cycle?: number; dedupKey?: string },
    plan: (view: TxView) => TxPlan<R>,
  ): Promise<R>;
  /** Creates the loop document; with `reset`, an earlier loop of the same id loses its cycles (its labels stay). */
  putLoop(loop: LoopDoc, options: { reset: boolean }): Promise<void>;
  getLoop(loopId: string): Promise<LoopDoc | null>;
  listLoops(): Promise<LoopDoc[]>;
  getCycle(loopId: string, n: number): Promise<CycleDoc | null>;
  listCycles(loopId: string): Promise<CycleDoc[]>;
}

/** A cycle's test cases, in result sets of chunk documents. */
export interface ResultSets {
  /**
   * Stores cases as result set `set` of a cycle, in chunk documents with batched writes, as
   * they are iterated (memory stays flat whatever their number); returns the chunk count.
   * Each chunk carries the outcome map of its cases (encodeOutcomes), in the same write.
   * Nothing reads the set until a transaction names it as the cycle's `resultSet`.
   */
  saveResults(loopId: string, n: number, set: string, cases: Iterable<TestCase> | AsyncIterable<TestCase>): Promise<number>;
  /** Deletes the chunks of one result set of a cycle, or of every set but the one to keep. */
  dropResults(loopId: string, n: number, which: { set: string } | { except: string }): Promise<void>;
  /** The cases of the result set the cycle names, in the order they were stored. */
  readResults(loopId: string, n: number): Promise<TestCase[]>;
  /** The same cases, one stored chunk at a time (at most two chunks held): what the analyze step reads. */
  readResultChunks(loopId: string, n: number): AsyncIterable<TestCase[]>;
  /**
   * The outcome map (name hash -> status) of each chunk of the set, written with the chunk by
   * saveResults; a chunk stored before maps existed gives its cases instead.
   */
  readOutcomeChunks(loopId: string, n: number): AsyncIterable<OutcomeChunk>;
}

/** What makes delivery at-least-once safe: the outbox marks, the dedup records, the rejected log. */
export interface DeliveryRecords {
  markPublished(loopId: string, n: number, outboxIds: string[], at: string): Promise<void>;
  /** The dedup record as last committed, read outside any transaction (it locks nothing). */
  getDedup(key: string): Promise<DedupRecord | null>;
  /** Stores what became of one notification of cycle `n` (cycles/{n}.notifications[id]). */
  recordNotification(loopId: string, n: number, id: string, record: NotificationRecord): Promise<void>;
  completeDedup(key: string, outcome: string): Promise<void>;
  releaseDedup(key: string): Promise<void>;
  recordRejected(message: RejectedMessage): Promise<void>;
}

/** What the watchdog sweeps. */
export interface CycleSweeps {
  /** Cycles in an active phase (every one carries its phase deadline), with their outbox. */
  activeCycles(): Promise<CycleDoc[]>;
  /** Cycles that ended (phase done) at or after `since`, with their outbox. */
  cyclesDoneSince(since: string): Promise<CycleDoc[]>;
  /** Stores a person's verdict on a cluster; a later label of the same signature replaces it. */
  putLabel(loopId: string, label: ClusterLabel): Promise<void>;
  /** The loop's labels, oldest first. */
  listLabels(loopId: string): Promise<ClusterLabel[]>;
}

/** The whole store, as the Firestore adapter and the in-memory one implement it. */
export interface LoopStore extends LoopDocuments, ResultSets, DeliveryRecords, CycleSweeps {}
