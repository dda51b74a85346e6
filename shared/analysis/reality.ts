import type { TestCase } from '../results/model.js';

/** Something about a cycle's results a person must not trust, with the tests it concerns. */
export interface RealityFinding {
  kind: 'instant-pass' | 'no-duration' | 'instant-suite' | 'typed-in-metric' | 'fewer-tests';
  /** A blocker means the cycle's passes cannot be trusted: the criteria are not met. */
  severity: 'blocker' | 'warning';
  tests: string[];
  message: string;
}

/** What the reality checks compare against: the threshold and the previous cycle. */
export interface RealityOptions {
  minRealTestMs: number;
  previousTestCount?: number;
  /** Case id -> metric -> value, from the previous cycle. */
  previousMetrics?: Record<string, Record<string, number>>;
  previousCommit?: string;
  commit?: string;
}

const MAX_IDS = 20;
const MEASURED = /(^|[_.-])(ms|latency|time|duration|p\d\d|throughput|rps|qps|seconds?)($|[_.-])/i;

/**
 * What the reality checks need of a cycle's cases, gathered one case at a time: counts, the
 * first ids of each kind, the suites' instant passes, and the cases that report metrics.
 */
export class RealityTally {
  cases = 0;
  passed = 0;
  readonly instant: string[] = [];
  instantCount = 0;
  readonly undated: string[] = [];
  undatedCount = 0;
  readonly bySuite = new Map<string, { all: number; instant: number }>();
  /** The cases that report metrics, in order (the typed-in check compares them with the previous cycle's). */
  readonly withMetrics: Array<{ id: string; metrics: Record<string, number> }> = [];

  constructor(private readonly minRealTestMs: number) {}

  add(c: TestCase): void {
    this.cases++;
    if (c.metrics) this.withMetrics.push({ id: c.id, metrics: c.metrics });
    if (c.status !== 'passed') return;
    this.passed++;
    const isInstant = c.durationMs !== undefined && c.durationMs < this.minRealTestMs;
    if (isInstant && this.instantCount++ < MAX_IDS) this.instant.push(c.id);
    if (c.durationMs === undefined && this.undatedCount++ < MAX_IDS) this.undated.push(c.id);
    const s = this.bySuite.get(c.suite) ?? { all: 0, instant: 0 };
    s.all++;
    if (isInstant) s.instant++;
    this.bySuite.set(c.suite, s);
  }

  /** Whether the typed-in check will read the previous cycle's metrics. */
  comparesMetrics(o: Omit<RealityOptions, 'minRealTestMs'>): boolean {
    return this.withMetrics.length > 0 && Boolean(o.previousCommit && o.commit && o.previousCommit !== o.commit);
  }

  findings(o: RealityOptions): RealityFinding[] {
    const findings: RealityFinding[] = [];
    if (this.instantCount > 0) {
      findings.push({
        kind: 'instant-pass',
        severity: 'blocker',
        tests: this.instant,
        message: `${this.instantCount} of ${this.passed} passing tests took less than ${o.minRealTestMs} ms: an end-to-end test that fast reached no service`,
      });
    }
    if (this.undatedCount > 0) {
      findings.push({
        kind: 'no-duration',
        severity: 'warning',
        tests: this.undated,
        message: `${this.undatedCount} passing tests reported no duration: whether they ran cannot be checked`,
      });
    }
    // Two instant passes in a suite of two may be a smoke check; three or more is a pattern.
    const hollow = [...this.bySuite].filter(([, s]) => s.all >= 3 && s.instant / s.all > 0.5).map(([name]) => name);
    if (hollow.length > 0) {
      findings.push({ kind: 'instant-suite', severity: 'blocker', tests: hollow.slice(0, MAX_IDS), message: `${hollow.length} suites pass mostly in no time: ${hollow.slice(0, 5).join(', ')}` });
    }
    const typed = o.previousMetrics && o.previousCommit && o.commit && o.previousCommit !== o.commit ? typedIn(this.withMetrics, o.previousMetrics) : [];
    if (typed.length > 0) {
      findings.push({
        kind: 'typed-in-metric',
        severity: 'warning',
        tests: typed.slice(0, MAX_IDS),
        message: `${typed.length} tests report metrics identical to the previous cycle although the commit changed: typed in, not measured`,
      });
    }
    const n = this.cases;
    if (o.previousTestCount !== undefined && o.previousTestCount > 0 && n < 0.8 * o.previousTestCount) {
      findings.push({
        kind: 'fewer-tests',
        severity: 'blocker',
        tests: [],
        message: `${n} tests ran, ${o.previousTestCount} the cycle before: ${Math.round((1 - n / o.previousTestCount) * 100)} % fewer`,
      });
    }
    return findings;
  }
}

function typedIn(cases: ReadonlyArray<{ id: string; metrics: Record<string, number> }>, previousMetrics: Record<string, Record<string, number>>): string[] {
  const typed: string[] = [];
  for (const c of cases) {
    const before = previousMetrics[c.id];
    if (!before) continue;
    // A measured latency or duration differs from run to run; the same value twice across a
    // code change was written down, not measured. Integer counts may legitimately repeat.
    const same = Object.entries(c.metrics).filter(([k, v]) => before[k] === v && v !== 0 && (!Number.isInteger(v) || MEASURED.test(k)));
    if (same.length > 0) typed.push(`${c.id} (${same.map(([k, v]) => `${k}=${v}`).join(', ')})`);
  }
  return typed;
}

/**
 * Flags what a person must not trust: end-to-end passes that took no time (they tested
 * nothing), suites made mostly of those, metrics identical across commits (typed in, not
 * measured), and runs with far fewer tests than the cycle before.
 */
export function checkReality(cases: readonly TestCase[], o: RealityOptions): RealityFinding[] {
  const tally = new RealityTally(o.minRealTestMs);
  for (const c of cases) tally.add(c);
  return tally.findings(o);
}

/** Whether the findings mean the cycle's passes cannot be trusted (and so the criteria are not met). */
export function realityBlocks(findings: readonly RealityFinding[]): boolean {
  return findings.some((f) => f.severity === 'blocker');
}
