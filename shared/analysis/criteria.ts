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

/** What a verdict judges besides the cases: the reality findings, the performance targets, the runner's totals. */
export interface JudgedBeside {
  reality: readonly RealityFinding[];
  performance: ReadonlyArray<{ name: string; met?: boolean; measuredMs?: number | null; targetMs?: number }>;
  totals?: RunTotals;
}

/**
 * What the criteria need of a cycle's cases, one case at a time: the pass-rate counts (when the
 * runner's totals are absent) and, per must-pass entry, how many matched and the first that did not pass.
 */
export class CriteriaTally {
  executed = 0;
  passed = 0;
  private readonly mustPass: Array<{ pattern: string; matching: number; bad: number; badNames: string[] }>;

  constructor(criteria: Pick<Criteria, 'mustPass'>) {
    this.mustPass = criteria.mustPass.map((pattern) => ({ pattern, matching: 0, bad: 0, badNames: [] }));
  }

  add(c: TestCase): void {
    if (c.status !== 'skipped') {
      this.executed++;
      if (c.status === 'passed') this.passed++;
    }
    for (const m of this.mustPass) {
      if (!matchesMustPass(m.pattern, c)) continue;
      m.matching++;
      if (c.status !== 'passed' && m.bad++ < 3) m.badNames.push(c.name);
    }
  }

  /** The cases' verdict against the criteria, with what was judged besides them. */
  judge(
    criteria: Criteria,
    extra: JudgedBeside,
  ): CriteriaResult {
    const executed = extra.totals ? extra.totals.tests - extra.totals.skipped : this.executed;
    const passed = extra.totals ? extra.totals.passed : this.passed;
    const passRate = executed > 0 ? passed / executed : null;
    const unmet: string[] = [];
    const pct = (r: number) => `${(r * 100).toFixed(1)} %`;
    if (passRate === null) unmet.push('no test ran');
    else if (passRate < criteria.minPassRate) unmet.push(`pass rate ${pct(passRate)} below ${pct(criteria.minPassRate)}`);
    if (executed < criteria.minTests) unmet.push(`${executed} tests executed, at least ${criteria.minTests} required`);
    for (const m of this.mustPass) {
      if (m.matching === 0) unmet.push(`must-pass "${m.pattern}" matched no test`);
      else if (m.bad > 0) unmet.push(`must-pass "${m.pattern}": ${m.bad} of ${m.matching} did not pass (${m.badNames.join(', ')}${m.bad > 3 ? ', …' : ''})`);
    }
    if (criteria.requireRealTests && realityBlocks(extra.reality)) {
      for (const f of extra.reality.filter((r) => r.severity === 'blocker')) unmet.push(`tests not real: ${f.message}`);
    }
    for (const p of extra.performance) {
      if (p.met === false) unmet.push(`performance ${p.name}: ${p.measuredMs == null ? 'not measured' : `${p.measuredMs.toFixed(1)} ms`} over the ${p.targetMs} ms target`);
    }
    return { passRate, executed, met: unmet.length === 0, unmet };
  }
}

/** Judges a cycle's cases against the loop's criteria. */
export function judgeCriteria(
  cases: readonly TestCase[],
  criteria: Criteria,
  extra: JudgedBeside,
): CriteriaResult {
  const tally = new CriteriaTally(criteria);
  for (const c of cases) tally.add(c);
  return tally.judge(criteria, extra);
}
