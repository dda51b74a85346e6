import type { Criteria } from '../config/loop-config.js';
import type { TestCase } from '../results/model.js';
import type { RealityFinding } from './reality.js';

export interface CriteriaResult {
  passRate: number | null;
  executed: number;
  met: boolean;
  /** One human sentence per unmet criterion. */
  unmet: string[];
}

/** Passed / executed, skipped excluded, flaky passes counted as passes; null when nothing ran. */
export function passRateOf(cases: TestCase[]): { passRate: number | null; executed: number; passed: number } {
  const executed = cases.filter((c) => c.status !== 'skipped');
  const passed = executed.filter((c) => c.status === 'passed').length;
  return { passRate: executed.length ? passed / executed.length : null, executed: executed.length, passed };
}

function matches(pattern: string, c: TestCase): boolean {
  if (pattern.endsWith('*')) {
    const prefix = pattern.slice(0, -1);
    return c.suite.startsWith(prefix) || c.name.startsWith(prefix) || c.id.startsWith(prefix);
  }
  return c.suite === pattern || c.name === pattern || c.id === pattern;
}

/** Judges a cycle's cases against the loop's criteria. */
export function judgeCriteria(
  cases: TestCase[],
  criteria: Criteria,
  extra: { reality: RealityFinding[]; performance: Array<{ name: string; met?: boolean; measuredMs?: number | null; targetMs?: number }> },
): CriteriaResult {
  const { passRate, executed } = passRateOf(cases);
  const unmet: string[] = [];
  const pct = (r: number) => `${(r * 100).toFixed(1)} %`;
  if (passRate === null) unmet.push('no test ran');
  else if (passRate < criteria.minPassRate) unmet.push(`pass rate ${pct(passRate)} below ${pct(criteria.minPassRate)}`);
  if (executed < criteria.minTests) unmet.push(`${executed} tests executed, at least ${criteria.minTests} required`);
  for (const pattern of criteria.mustPass) {
    const matching = cases.filter((c) => matches(pattern, c));
    const bad = matching.filter((c) => c.status !== 'passed');
    if (matching.length === 0) unmet.push(`must-pass "${pattern}" matched no test`);
    else if (bad.length > 0) unmet.push(`must-pass "${pattern}": ${bad.length} of ${matching.length} did not pass`);
  }
  if (criteria.requireRealTests) {
    for (const f of extra.reality.filter((r) => r.severity === 'blocker')) unmet.push(`tests not real: ${f.message}`);
  }
  for (const p of extra.performance) {
    if (p.met === false) unmet.push(`performance ${p.name}: ${p.measuredMs == null ? 'not measured' : `${p.measuredMs.toFixed(1)} ms`} over the ${p.targetMs} ms target`);
  }
  return { passRate, executed, met: unmet.length === 0, unmet };
}
