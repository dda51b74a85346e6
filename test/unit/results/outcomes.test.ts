import { describe, expect, it } from 'vitest';
import { decodeOutcomes, encodeOutcomes, nameHash, OutcomeTable, STATUS_CODES } from '../../../shared/results/outcomes.js';
import { tc } from '../analysis/cases.js';

const decoded = (bytes: Uint8Array) => {
  const out: Array<[number, number, number]> = [];
  decodeOutcomes(bytes, (lo, hi, code) => out.push([lo, hi, code]));
  return out;
};

describe('the outcome map stored with each result chunk', () => {
  it('holds 9 bytes a test: the id hash and the status, in the chunk order', () => {
    const cases = [tc('a'), tc('b', { status: 'failed', message: 'x'.repeat(5000) }), tc('c', { status: 'error' }), tc('d', { status: 'skipped' })];
    const bytes = encodeOutcomes(cases);
    expect(bytes.length).toBe(1 + 4 * 9);
    expect(decoded(bytes)).toEqual(cases.map((c) => [nameHash(c.id).lo, nameHash(c.id).hi, STATUS_CODES[c.status]]));
    expect(decoded(bytes).map(([, , code]) => code)).toEqual([1, 2, 3, 4]);
  });

  it('hashes an id the same way in every version (maps stored by an older one are read by a newer one)', () => {
    // Pinned: a changed hash would make every stored map useless for the diff. The low 53 bits
    // are cyrb53's, whose published values these are (cyrb53('a') = 7929297801672961, ...).
    const cyrb53 = (id: string) => (nameHash(id).hi & 0x1fffff) * 2 ** 32 + nameHash(id).lo;
    expect(['a', 'b', 'revenge', 'revenue'].map(cyrb53)).toEqual([7929297801672961, 8684336938537663, 4051478007546757, 8309097637345594]);
    expect(nameHash('tests/test_orders.py::TestOrders::test_create')).toEqual(nameHash('tests/test_orders.py::TestOrders::test_create'));
  });

  it('gives 200,000 distinct ids 200,000 distinct hashes', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200_000; i++) {
      const h = nameHash(`tests/test_${i % 500}.py::TestCase${i % 50}::test_${i}`);
      seen.add(`${h.lo}:${h.hi}`);
    }
    expect(seen.size).toBe(200_000);
  });

  it('refuses a map of another version or a cut one, naming what it expected', () => {
    const bytes = encodeOutcomes([tc('a')]);
    expect(() => decoded(Uint8Array.from([2, ...bytes.slice(1)]))).toThrow(/version 2 .*expected version 1/);
    expect(() => decoded(bytes.slice(0, 5))).toThrow(/5 bytes/);
  });
});

describe('OutcomeTable', () => {
  it('keeps the last outcome of an id stored twice, as a Map of the cases would', () => {
    const t = new OutcomeTable();
    t.putPrevious(nameHash('x'), STATUS_CODES.failed);
    t.putPrevious(nameHash('x'), STATUS_CODES.passed);
    expect(t.previousCode(nameHash('x'))).toBe(STATUS_CODES.passed);
    expect(t.previousCode(nameHash('y'))).toBe(0);
  });

  it('tells a current id seen twice, and counts and names each removed id once', () => {
    const t = new OutcomeTable();
    for (const id of ['kept', 'gone-1', 'gone-2']) t.putPrevious(nameHash(id), STATUS_CODES.passed);
    expect(t.seeCurrent(nameHash('kept'))).toBe(STATUS_CODES.passed);
    expect(t.seeCurrent(nameHash('kept'))).toBe(-1);
    expect(t.seeCurrent(nameHash('new'))).toBe(0);
    expect(t.removedCount()).toBe(2);
    expect(['kept', 'gone-1', 'new', 'gone-1', 'gone-2'].map((id) => t.takeRemoved(nameHash(id)))).toEqual([false, true, false, false, true]);
  });

  it('grows past its first size without losing an entry', () => {
    const t = new OutcomeTable(10);
    for (let i = 0; i < 50_000; i++) t.putPrevious(nameHash(`t${i}`), i % 7 === 0 ? STATUS_CODES.failed : STATUS_CODES.passed);
    let failed = 0;
    for (let i = 0; i < 50_000; i++) if (t.previousCode(nameHash(`t${i}`)) === STATUS_CODES.failed) failed++;
    expect(failed).toBe(Math.ceil(50_000 / 7));
    for (let i = 0; i < 40_000; i++) t.seeCurrent(nameHash(`t${i}`));
    expect(t.removedCount()).toBe(10_000);
  });
});
