import type { Criteria } from '../config/loop-config.js';
import type { RunTotals, TestCase } from '../results/model.js';
import { realityBlocks, type RealityFinding } from './reality.js';

/** Whether a cycle met its loop's criteria, with one human sentence per unmet criterion. */
export interface CriteriaResult {
  passRate: number | null;
  executed: number;
  met: boolean;
  unmet: string[];
}

/**
 * Passed / executed, skipped excluded, flaky passes counted as passes; null when nothing ran.
 * Totals, when given, are the runner's own counts (they hold even when cases were cut).
 */
export function passRateOf(cases: readonly TestCase[], totals?: RunTotals): { passRate: number | null; executed: number; passed: number } {
  let executed = 0;
  let passed = 0;
  if (totals) {
    executed = totals.tests - totals.skipped;
    passed = totals.passed;
  } else {
    for (const c of cases) {
      if (c.status === 'skipped') continue;
      executed++;
      if (c.status === 'passed') passed++;
    }
  }
  return { passRate: executed > 0 ? passed / executed : null, executed, passed };
}

/** A must-pass entry names a suite, a test or a case id exactly, or a prefix of one when it ends in `*`. */
export function matchesMustPass(pattern: string, c: TestCase): boolean {
  if (pattern.endsWith('*')) {
    const prefix = pattern.slice(0, -1);
    return c.suite.startsWith(prefix) || c.name.startsWith(prefix) || c.id.startsWith(prefix);
  }
  return c.suite === pattern || c.name === pattern || c.id === pattern;
}

/** Judges a cycle's cases against the loop's criteria. */
export function judgeCriteria(
  cases: readonly TestCase[],
  criteria: Criteria,
  extra: {
    reality: readonly RealityFinding[];
    performance: ReadonlyArray<{ name: string; met?: boolean; measuredMs?: number | null; targetMs?: number }>;
    totals?: RunTotals;
  },
): CriteriaResult {
  const { passRate, executed } = passRateOf(cases, extra.totals);
  const unmet: string[] = [];
  const pct = (r: number) => `${(r * 100).toFixed(1)} %`;
  if (passRate === null) unmet.push('no test ran');
  else if (passRate < criteria.minPassRate) unmet.push(`pass rate ${pct(passRate)} below ${pct(criteria.minPassRate)}`);
  if (executed < criteria.minTests) unmet.push(`${executed} tests executed, at least ${criteria.minTests} required`);
  for (const pattern of criteria.mustPass) {
    const matching = cases.filter((c) => matchesMustPass(pattern, c));
    const bad = matching.filter((c) => c.status !== 'passed');
    if (matching.length === 0) unmet.push(`must-pass "${pattern}" matched no test`);
    else if (bad.length > 0) unmet.push(`must-pass "${pattern}": ${bad.length} of ${matching.length} did not pass (${bad.slice(0, 3).map((c) => c.name).join(', ')}${bad.length > 3 ? ', …' : ''})`);
  }
  if (criteria.requireRealTests && realityBlocks(extra.reality)) {
    for (const f of extra.reality.filter((r) => r.severity === 'blocker')) unmet.push(`tests not real: ${f.message}`);
  }
  for (const p of extra.performance) {
    if (p.met === false) unmet.push(`performance ${p.name}: ${p.measuredMs == null ? 'not measured' : `${p.measuredMs.toFixed(1)} ms`} over the ${p.targetMs} ms target`);
  }
  return { passRate, executed, met: unmet.length === 0, unmet };
}
