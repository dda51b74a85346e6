import type { CycleDoc, LoopDoc } from '../../shared/domain/model.js';
import type { TestCase } from '../../shared/results/model.js';
import type { LoopStore, TxPlan, TxView } from '../../shared/ports/loop-store.js';

/**
 * The parts of LoopStore the record-results step uses, in memory: cycles of one loop, result
 * sets by name. `beforeChunk` runs before each stored case, so a test can move the cycle on
 * while a job is writing.
 */
export class MemoryResultStore implements Pick<LoopStore, 'transact' | 'getCycle' | 'saveResults' | 'dropResults' | 'readResults' | 'markPublished'> {
  readonly cycles = new Map<number, CycleDoc>();
  readonly sets = new Map<string, TestCase[]>();
  /** How many cases each saveResults call took from its iterable. */
  readonly taken: number[] = [];
  beforeCase: (index: number) => void = () => {};

  constructor(readonly loop: LoopDoc) {}

  async transact<R>(request: { loopId: string; cycle?: number }, plan: (view: TxView) => TxPlan<R>): Promise<R> {
    const cycle = request.cycle === undefined ? null : (this.cycles.get(request.cycle) ?? null);
    const { writes, result } = plan({ loop: this.loop, cycle, current: this.cycles.get(this.loop.currentCycle) ?? null, dedup: null });
    for (const c of writes?.cycles ?? []) this.cycles.set(c.n, { ...this.cycles.get(c.n)!, ...c.data });
    return result;
  }

  async getCycle(_loopId: string, n: number): Promise<CycleDoc | null> {
    return this.cycles.get(n) ?? null;
  }

  async saveResults(_loopId: string, n: number, set: string, cases: Iterable<TestCase> | AsyncIterable<TestCase>): Promise<number> {
    const stored: TestCase[] = [];
    this.sets.set(`${n}/${set}`, stored);
    for await (const c of cases) {
      this.beforeCase(stored.length);
      stored.push(c);
    }
    this.taken.push(stored.length);
    return Math.ceil(stored.length / 100);
  }

  async dropResults(_loopId: string, n: number, which: { set: string } | { except: string }): Promise<void> {
    for (const key of [...this.sets.keys()]) {
      const [cycle, set] = [Number(key.split('/')[0]), key.slice(key.indexOf('/') + 1)];
      if (cycle === n && ('set' in which ? set === which.set : set !== which.except)) this.sets.delete(key);
    }
  }

  async readResults(_loopId: string, n: number): Promise<TestCase[]> {
    const set = this.cycles.get(n)?.resultSet;
    return set ? (this.sets.get(`${n}/${set}`) ?? []) : [];
  }

  async markPublished(): Promise<void> {}
}
