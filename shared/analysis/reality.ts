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
 * Flags what a person must not trust: end-to-end passes that took no time (they tested
 * nothing), suites made mostly of those, metrics identical across commits (typed in, not
 * measured), and runs with far fewer tests than the cycle before.
 */
export function checkReality(cases: readonly TestCase[], o: RealityOptions): RealityFinding[] {
  const findings: RealityFinding[] = [];
  const passed = cases.filter((c) => c.status === 'passed');
  const instant = passed.filter((c) => c.durationMs !== undefined && c.durationMs < o.minRealTestMs);
  if (instant.length > 0) {
    findings.push({
      kind: 'instant-pass',
      severity: 'blocker',
      tests: instant.slice(0, MAX_IDS).map((c) => c.id),
      message: `${instant.length} of ${passed.length} passing tests took less than ${o.minRealTestMs} ms: an end-to-end test that fast reached no service`,
    });
  }
  const undated = passed.filter((c) => c.durationMs === undefined);
  if (undated.length > 0) {
    findings.push({
      kind: 'no-duration',
      severity: 'warning',
      tests: undated.slice(0, MAX_IDS).map((c) => c.id),
      message: `${undated.length} passing tests reported no duration: whether they ran cannot be checked`,
    });
  }
  const bySuite = new Map<string, { all: number; instant: number }>();
  for (const c of passed) {
    const s = bySuite.get(c.suite) ?? { all: 0, instant: 0 };
    s.all++;
    if (c.durationMs !== undefined && c.durationMs < o.minRealTestMs) s.instant++;
    bySuite.set(c.suite, s);
  }
  // Two instant passes in a suite of two may be a smoke check; three or more is a pattern.
  const hollow = [...bySuite].filter(([, s]) => s.all >= 3 && s.instant / s.all > 0.5).map(([name]) => name);
  if (hollow.length > 0) {
    findings.push({ kind: 'instant-suite', severity: 'blocker', tests: hollow.slice(0, MAX_IDS), message: `${hollow.length} suites pass mostly in no time: ${hollow.slice(0, 5).join(', ')}` });
  }
  if (o.previousMetrics && o.previousCommit && o.commit && o.previousCommit !== o.commit) {
    const typed: string[] = [];
    for (const c of cases) {
      const before = o.previousMetrics[c.id];
      if (!c.metrics || !before) continue;
      // A measured latency or duration differs from run to run; the same value twice across a
      // code change was written down, not measured. Integer counts may legitimately repeat.
      const same = Object.entries(c.metrics).filter(([k, v]) => before[k] === v && v !== 0 && (!Number.isInteger(v) || MEASURED.test(k)));
      if (same.length > 0) typed.push(`${c.id} (${same.map(([k, v]) => `${k}=${v}`).join(', ')})`);
    }
    if (typed.length > 0) {
      findings.push({
        kind: 'typed-in-metric',
        severity: 'warning',
        tests: typed.slice(0, MAX_IDS),
        message: `${typed.length} tests report metrics identical to the previous cycle although the commit changed: typed in, not measured`,
      });
    }
  }
  if (o.previousTestCount !== undefined && o.previousTestCount > 0 && cases.length < 0.8 * o.previousTestCount) {
    findings.push({
      kind: 'fewer-tests',
      severity: 'blocker',
      tests: [],
      message: `${cases.length} tests ran, ${o.previousTestCount} the cycle before: ${Math.round((1 - cases.length / o.previousTestCount) * 100)} % fewer`,
    });
  }
  return findings;
}

/** Whether the findings mean the cycle's passes cannot be trusted (and so the criteria are not met). */
export function realityBlocks(findings: readonly RealityFinding[]): boolean {
  return findings.some((f) => f.severity === 'blocker');
}
