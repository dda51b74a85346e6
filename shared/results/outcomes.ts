import type { TestCase, TestStatus } from './model.js';

/**
 * A compact outcome per test: what the cycle-to-cycle diff needs of a previous cycle, without
 * its cases' text. Stored with each result chunk (`outcomes`, written in the same batch as the
 * chunk's cases), so a result set and its map can never disagree.
 *
 * Encoding, version 1: one byte 1, then per case, in stored order, the 64-bit hash of its id
 * (low 32 bits, then high 32 bits, little-endian) and one byte of status (STATUS_CODES).
 * 9 bytes a test: 9 MB for 1,000,000 tests. Two different ids share a hash with a probability
 * of about n² / 2^65 (3e-8 at 1,000,000 tests); the diff then counts them as one test.
 */
export const OUTCOMES_VERSION = 1;
const ENTRY_BYTES = 9;

/** 0 means "no outcome" (absent from the previous cycle). */
export const STATUS_CODES: Record<TestStatus, number> = { passed: 1, failed: 2, error: 3, skipped: 4 };
const STATUS_OF: ReadonlyArray<TestStatus | undefined> = [undefined, 'passed', 'failed', 'error', 'skipped'];

export function statusOfCode(code: number): TestStatus | undefined {
  return STATUS_OF[code];
}

/** One stored chunk's outcomes, or its cases when the chunk was stored before outcome maps existed. */
export type OutcomeChunk = { encoded: Uint8Array } | { cases: readonly TestCase[] };

/** A test id's 64-bit hash, as two unsigned 32-bit halves: stable across versions (it is stored). */
export interface NameHash {
  lo: number;
  hi: number;
}

/** cyrb53's two 32-bit lanes kept whole (64 bits), over the id's UTF-16 code units. */
export function nameHash(id: string): NameHash {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < id.length; i++) {
    const ch = id.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return { lo: h1 >>> 0, hi: h2 >>> 0 };
}

/** The outcome map of a chunk of cases, in their order. */
export function encodeOutcomes(cases: readonly TestCase[]): Uint8Array {
  const out = new Uint8Array(1 + cases.length * ENTRY_BYTES);
  const view = new DataView(out.buffer);
  out[0] = OUTCOMES_VERSION;
  cases.forEach((c, i) => {
    const { lo, hi } = nameHash(c.id);
    const at = 1 + i * ENTRY_BYTES;
    view.setUint32(at, lo, true);
    view.setUint32(at + 4, hi, true);
    out[at + 8] = STATUS_CODES[c.status];
  });
  return out;
}

/** Calls `visit` for each entry of an encoded map; a map of an unknown version or size is refused. */
export function decodeOutcomes(encoded: Uint8Array, visit: (lo: number, hi: number, code: number) => void): number {
  if (encoded[0] !== OUTCOMES_VERSION || (encoded.length - 1) % ENTRY_BYTES !== 0) {
    throw new Error(`an outcome map of version ${encoded[0]} and ${encoded.length} bytes: expected version ${OUTCOMES_VERSION}, 1 + 9 bytes a test`);
  }
  const view = new DataView(encoded.buffer, encoded.byteOffset, encoded.byteLength);
  const n = (encoded.length - 1) / ENTRY_BYTES;
  for (let i = 0; i < n; i++) {
    const at = 1 + i * ENTRY_BYTES;
    const code = encoded[at + 8]!;
    if (statusOfCode(code) === undefined) throw new Error(`outcome map entry ${i} has status code ${code}: expected 1 to 4`);
    visit(view.getUint32(at, true), view.getUint32(at + 4, true), code);
  }
  return n;
}

const OCCUPIED = 0x80;
const CURRENT = 0x08;
const LISTED = 0x10;
const CODE = 0x07;

/**
 * Test ids by hash, in flat typed arrays (open addressing): the previous cycle's outcome of
 * each (the last one stored wins, as in a Map), whether the current cycle ran it, and whether
 * it was already named as removed. 9 bytes a slot, at most half full.
 */
export class OutcomeTable {
  private lo: Uint32Array;
  private hi: Uint32Array;
  private flags: Uint8Array;
  private size = 0;

  constructor(expected = 1024) {
    let capacity = 1024;
    while (capacity < expected * 2) capacity *= 2;
    this.lo = new Uint32Array(capacity);
    this.hi = new Uint32Array(capacity);
    this.flags = new Uint8Array(capacity);
  }

  /** Records a previous cycle's outcome; a later entry of the same id replaces it. */
  putPrevious(h: NameHash, code: number): void {
    const slot = this.slotOf(h, true);
    this.flags[slot] = (this.flags[slot]! & ~CODE) | code | OCCUPIED;
  }

  /** The previous outcome of an id the current cycle ran (0: none), or -1 when the current cycle already ran it. */
  seeCurrent(h: NameHash): number {
    const slot = this.slotOf(h, true);
    const f = this.flags[slot]!;
    if (f & CURRENT) return -1;
    this.flags[slot] = f | CURRENT | OCCUPIED;
    return f & CODE;
  }

  /** The previous outcome of an id (0: none). */
  previousCode(h: NameHash): number {
    const slot = this.slotOf(h, false);
    return slot < 0 ? 0 : this.flags[slot]! & CODE;
  }

  /** Ids the previous cycle ran and the current did not. */
  removedCount(): number {
    let n = 0;
    for (const f of this.flags) if (f & CODE && !(f & CURRENT)) n++;
    return n;
  }

  /** True the first time it is asked about a removed id: the next removed name to list. */
  takeRemoved(h: NameHash): boolean {
    const slot = this.slotOf(h, false);
    if (slot < 0) return false;
    const f = this.flags[slot]!;
    if (!(f & CODE) || f & (CURRENT | LISTED)) return false;
    this.flags[slot] = f | LISTED;
    return true;
  }

  private slotOf(h: NameHash, insert: boolean): number {
    const mask = this.flags.length - 1;
    let i = (h.lo ^ Math.imul(h.hi, 0x9e3779b1)) & mask;
    for (;;) {
      const f = this.flags[i]!;
      if (!f) break;
      if (this.lo[i] === h.lo && this.hi[i] === h.hi) return i;
      i = (i + 1) & mask;
    }
    if (!insert) return -1;
    if ((this.size + 1) * 2 > this.flags.length) {
      this.grow();
      return this.slotOf(h, true);
    }
    this.lo[i] = h.lo;
    this.hi[i] = h.hi;
    this.flags[i] = OCCUPIED;
    this.size++;
    return i;
  }

  private grow(): void {
    const { lo, hi, flags } = this;
    const capacity = flags.length * 2;
    this.lo = new Uint32Array(capacity);
    this.hi = new Uint32Array(capacity);
    this.flags = new Uint8Array(capacity);
    const mask = capacity - 1;
    for (let j = 0; j < flags.length; j++) {
      if (!flags[j]) continue;
      let i = (lo[j]! ^ Math.imul(hi[j]!, 0x9e3779b1)) & mask;
      while (this.flags[i]) i = (i + 1) & mask;
      this.lo[i] = lo[j]!;
      this.hi[i] = hi[j]!;
      this.flags[i] = flags[j]!;
    }
  }
}
