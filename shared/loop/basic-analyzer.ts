import type { CycleAnalyzer } from './steps/analyze.js';
import type { TestCase } from '../results/model.js';

/**
 * Counts and criteria only: pass rate against the minimum, tests executed, tests that must
 * pass. Failures are not classified (category "unknown"), so the decision can only say
 * await-fix for them. The rule-based analyzer in shared/analysis replaces it where present.
 */
export const basicAnalyzer: CycleAnalyzer = ({ loop, cycle, cases }) => {
  const criteria = loop.config.criteria;
  const executed = cases.filter((c) => c.status !== 'skipped');
  const passed = executed.filter((c) => c.status === 'passed');
  const failing = executed.filter((c) => c.status === 'failed' || c.status === 'error');
  const passRate = executed.length > 0 ? passed.length / executed.length : null;
  const unmet: string[] = [];
  if (passRate === null || passRate < criteria.minPassRate) {
    unmet.push(`pass rate ${passRate === null ? 'n/a' : (passRate * 100).toFixed(1) + ' %'} below ${(criteria.minPassRate * 100).toFixed(1)} %`);
  }
  if (executed.length < criteria.minTests) unmet.push(`${executed.length} tests executed, at least ${criteria.minTests} required`);
  for (const pattern of criteria.mustPass) {
    const matching = cases.filter((c) => matches(pattern, c));
    if (matching.length === 0) unmet.push(`must-pass "${pattern}" matched no test`);
    else if (matching.some((c) => c.status !== 'passed')) unmet.push(`must-pass "${pattern}" has failures`);
  }
  if (cycle.rejected.length > 0 && executed.length === 0) unmet.push('no readable results');
  return {
    analysis: { failing: failing.slice(0, 50).map((c) => ({ id: c.id, message: c.message?.slice(0, 300) ?? '' })) },
    facts: {
      passRate,
      tests: executed.length,
      failing: failing.length,
      criteriaMet: unmet.length === 0,
      unmet,
      categories: (failing.length ? { unknown: failing.length } : {}) as Record<string, number>,
      signatures: [],
    },
  };
};

function matches(pattern: string, c: TestCase): boolean {
  if (pattern.endsWith('*')) {
    const prefix = pattern.slice(0, -1);
    return c.suite.startsWith(prefix) || c.name.startsWith(prefix);
  }
  return c.suite === pattern || c.name === pattern || c.id === pattern;
}
