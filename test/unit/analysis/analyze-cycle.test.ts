import { describe, expect, it } from 'vitest';
import { analyzeCycle, type CycleInput } from '../../../shared/analysis/analyze-cycle.js';
import { judgeCriteria } from '../../../shared/analysis/criteria.js';
import { Criteria } from '../../../shared/config/loop-config.js';
import type { TestCase } from '../../../shared/results/model.js';
import { tc } from './cases.js';

const criteria = (patch: Partial<Criteria> = {}) => Criteria.parse(patch);

describe('judgeCriteria', () => {
  const cases: TestCase[] = [
    tc('checkout pays', { suite: 'checkout' }),
    tc('checkout refunds', { suite: 'checkout', status: 'failed' }),
    tc('login', { suite: 'auth' }),
    tc('retried', { suite: 'auth', flaky: true }),
    tc('later', { suite: 'auth', status: 'skipped' }),
  ];

  it.each([
    ['a pass rate below the minimum (skipped excluded, flaky counted as passed)', { minPassRate: 0.8 }, ['pass rate 75.0 % below 80.0 %']],
    ['too few tests', { minPassRate: 0.5, minTests: 5 }, ['4 tests executed, at least 5 required']],
    ['a must-pass suite with a failure', { minPassRate: 0.5, mustPass: ['checkout'] }, ['must-pass "checkout": 1 of 2 did not pass (checkout refunds)']],
    ['a must-pass prefix', { minPassRate: 0.5, mustPass: ['checkout r*'] }, ['must-pass "checkout r*": 1 of 1 did not pass (checkout refunds)']],
    ['a must-pass name that passed', { minPassRate: 0.5, mustPass: ['login', 'auth'] }, ['must-pass "auth": 1 of 3 did not pass (later)']],
    ['a must-pass that matches nothing', { minPassRate: 0.5, mustPass: ['payments*'] }, ['must-pass "payments*" matched no test']],
    ['everything met', { minPassRate: 0.75 }, []],
  ])('%s', (_name, patch, unmet) => {
    const r = judgeCriteria(cases, criteria(patch), { reality: [], performance: [] });
    expect(r).toEqual({ passRate: 0.75, executed: 4, met: unmet.length === 0, unmet });
  });

  it.each([
    [true, ['tests not real: 4 of 4 passing tests took less than 1 ms: an end-to-end test that fast reached no service']],
    [false, []],
  ])('requireRealTests %s: passes that are not real %s', (requireRealTests, unmet) => {
    const reality = [{ kind: 'instant-pass' as const, severity: 'blocker' as const, tests: [], message: '4 of 4 passing tests took less than 1 ms: an end-to-end test that fast reached no service' }];
    expect(judgeCriteria([tc('a')], criteria({ requireRealTests }), { reality, performance: [] }).unmet).toEqual(unmet);
  });

  it('no test ran: no pass rate', () => {
    expect(judgeCriteria([tc('a', { status: 'skipped' })], criteria({ minTests: 0 }), { reality: [], performance: [] })).toMatchObject({ passRate: null, unmet: ['no test ran'] });
  });
});

describe('analyzeCycle', () => {
  const base = (cases: TestCase[], patch: Partial<CycleInput> = {}): CycleInput => ({
    cases,
    criteria: criteria(),
    context: { commit: 'c2', services: [{ name: 'api', ready: true, revision: 'api-2', health: { ok: true, status: 200 } }] },
    ...patch,
  });

  it('puts clusters with their whys, the diff, the reality checks and the criteria together', () => {
    const ws = Array.from({ length: 7 }, (_, i) => tc(`ws ${i}`, { suite: 'chat', status: 'failed', message: 'Error: Unexpected server response: 403' }));
    const a = analyzeCycle(
      base([...ws, tc('products'), tc('instant', { durationMs: 0 }), tc('later', { status: 'skipped' })], {
        previous: { commit: 'c1', cases: [tc('products', { status: 'failed' }), ...ws.map((c) => ({ ...c, status: 'passed' as const }))] },
      }),
    );
    expect(a.passRate).toBeCloseTo(2 / 9);
    expect(a.counts).toEqual({ tests: 10, executed: 9, passed: 2, failing: 7, skipped: 1, flaky: 0 });
    expect(a.categories).toEqual({ auth: 7 });
    expect(a.signatures).toEqual(['auth: Unexpected server response: 403']);
    expect(a.clusters[0]).toMatchObject({ count: 7, analyzer: 'rules', fix: "check the token or key the suite uses and the service's auth configuration" });
    expect(a.clusters[0]!.whys.at(-1)!.answer).toBe('yes: none of these tests failed in the previous cycle; the commit changed c1 → c2, which is where to look');
    expect(a.diff?.counts).toEqual({ regressions: 7, fixed: 1, stillFailing: 0, flaky: 0, added: 2, removed: 0 });
    expect(a.reality.map((r) => r.kind)).toEqual(['instant-pass']);
    expect(a.criteria.unmet).toEqual(['pass rate 22.2 % below 100.0 %', 'tests not real: 1 of 2 passing tests took less than 1 ms: an end-to-end test that fast reached no service']);
    expect(JSON.parse(JSON.stringify(a))).toEqual(a);
  });

  it("takes the runner's totals for the pass rate when it has them", () => {
    const totals = { tests: 10, passed: 9, failed: 1, errors: 0, skipped: 0, flaky: 1, durationMs: 900 };
    expect(analyzeCycle(base([tc('a', { status: 'failed', message: 'AssertionError: expected 1 to be 2' })], { totals, criteria: criteria({ minPassRate: 0.9 }) })).criteria).toEqual({ met: true, unmet: [] });
  });

  it('keeps the analysis of 10,000 failing tests small', () => {
    const messages = [
      (i: number) => `AssertionError: expected 200 but got 503 (order ${i})`,
      (i: number) => `expected 201 but got 500: {"error":"relation \\"orders_${i % 160}\\" does not exist"}`,
      (i: number) => `AssertionError: expected ${i} to be ${i + 1}`,
      () => 'Error: Unexpected server response: 403',
    ];
    const cases = Array.from({ length: 10_000 }, (_, i) => tc(`t${i}`, { suite: `s${i % 50}`, status: 'failed', message: messages[i % messages.length]!(i) }));
    const a = analyzeCycle(base(cases, { previous: { commit: 'c1', cases } }));
    expect(a.clusters).toHaveLength(20);
    expect(a.clustersNotShown + a.clusters.length).toBeGreaterThan(20);
    expect(a.clusters.reduce((s, c) => s + c.count, 0) + a.testsNotShown).toBe(10_000);
    expect(JSON.stringify(a).length).toBeLessThan(200_000);
  });
});
