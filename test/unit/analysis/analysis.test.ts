import { describe, expect, it } from 'vitest';
import { classifyFailure } from '../../../shared/analysis/classify.js';
import { normalize } from '../../../shared/analysis/signature.js';
import { clusterFailures } from '../../../shared/analysis/clusters.js';
import { diffCycles } from '../../../shared/analysis/diff.js';
import { checkReality } from '../../../shared/analysis/reality.js';
import { fiveWhys } from '../../../shared/analysis/five-whys.js';
import { judgePerformance } from '../../../shared/analysis/performance.js';
import { caseId, type TestCase } from '../../../shared/results/model.js';
import { PerformanceTarget } from '../../../shared/config/loop-config.js';

function tc(name: string, patch: Partial<TestCase> = {}): TestCase {
  const suite = patch.suite ?? 'e2e';
  return { id: caseId({ suite, name }), suite, name, status: 'passed', durationMs: 25, ...patch };
}

describe('classifyFailure: root cause over exception type', () => {
  it.each([
    ['an assertion showing a 503', 'AssertionError: expected 200 but got 503', 'deployment'],
    ['a 500 whose body names a missing relation', 'expected 200 but got 500: {"error":"relation \\"orders\\" does not exist"}', 'database'],
    ['a 503 whose body names a missing table', 'expected 201 but got 503: no such table: orders', 'database'],
    ['a refused WebSocket handshake', 'Error: Unexpected server response: 403', 'auth'],
    ['a timeout of the test itself', 'Error: Timeout of 2000ms exceeded.', 'timeout'],
    ['a wrong value from a healthy service', 'AssertionError: expected 1000 to be 900', 'product-defect'],
  ])('%s', (_name, message, category) => {
    expect(classifyFailure({ test: 't', message }).category).toBe(category);
  });

  it('tries the loop config\'s rules first', () => {
    const rules = [{ category: 'network', pattern: 'upstream flux capacitor', confidence: 0.9, why: 'ours' }];
    const k = classifyFailure({ test: 't', message: 'expected 200 but got 503: upstream flux capacitor offline' }, [...rules, ...[]]);
    expect(k).toMatchObject({ category: 'network', confidence: 0.9, rule: 'ours' });
  });

  it('names the lines that decided it', () => {
    const k = classifyFailure({ test: 't', message: 'request failed', details: 'at x\nError: connect ECONNREFUSED 127.0.0.1:8080\nat y' });
    expect(k.evidence).toEqual(['Error: connect ECONNREFUSED 127.0.0.1:8080']);
    expect(k.signature).toBe('deployment: connect ECONNREFUSED');
  });
});

describe('signatures', () => {
  it.each([
    ['ids, addresses and temp paths go', 'order 8c1f9a0e-1234-4abc-8def-0123456789ab at 10.0.0.7:5432 wrote /tmp/run-42/out.json', 'order <uuid> at <addr> wrote <tmp>'],
    ['HTTP statuses stay, other numbers go', 'expected 201 but got 503 after 1234 ms', 'expected 201 but got 503 after <n> ms'],
    ['hosts of URLs go', 'GET https://shop-api-x7-uc.a.run.app/orders/17 failed', 'GET https://<host>/orders/<n> failed'],
  ])('%s', (_name, input, expected) => {
    expect(normalize(input)).toBe(expected);
  });
});

describe('clusterFailures', () => {
  it('makes one cluster of seven WebSocket tests failing on one refused handshake', () => {
    const cases = Array.from({ length: 7 }, (_, i) =>
      tc(`ws ${i}`, { status: 'failed', suite: i < 4 ? 'chat' : 'presence', message: `Error: Unexpected server response: 403`, details: `at ws://127.0.0.1:${9000 + i}/socket` }),
    );
    cases.push(tc('total', { status: 'failed', message: 'AssertionError: expected 1000 to be 900' }), tc('fine'));
    const clusters = clusterFailures(cases);
    expect(clusters.map((c) => [c.category, c.count])).toEqual([
      ['auth', 7],
      ['product-defect', 1],
    ]);
    expect(clusters[0]!.suites).toEqual(['chat', 'presence']);
  });
});

describe('diffCycles', () => {
  const before = [tc('a', { status: 'failed' }), tc('b'), tc('c', { status: 'failed' }), tc('gone')];
  const after = [tc('a'), tc('b', { status: 'failed' }), tc('c', { status: 'failed' }), tc('new'), tc('retried', { flaky: true })];

  it('tells fixed, regressions, still failing, added and removed apart across a commit change', () => {
    const d = diffCycles({ commit: 'c1', cases: before }, { commit: 'c2', cases: after });
    expect(d.counts).toEqual({ regressions: 1, fixed: 1, stillFailing: 1, flaky: 1, added: 2, removed: 1 });
    expect(d.fixed).toEqual([caseId({ suite: 'e2e', name: 'a' })]);
  });

  it('calls a changed outcome on the same commit flaky, not fixed or broken', () => {
    const d = diffCycles({ commit: 'c1', cases: before }, { commit: 'c1', cases: after });
    expect(d.counts.fixed).toBe(0);
    expect(d.counts.regressions).toBe(0);
    expect(d.counts.flaky).toBe(3);
  });
});

describe('checkReality', () => {
  it('blocks passes that took no time, and the suite made of them', () => {
    const cases = [tc('a', { durationMs: 0 }), tc('b', { durationMs: 0 }), tc('c', { durationMs: 0.2 }), tc('d', { durationMs: 31 })];
    const f = checkReality(cases, { minRealTestMs: 1 });
    expect(f.map((x) => [x.kind, x.severity])).toEqual([
      ['instant-pass', 'blocker'],
      ['instant-suite', 'blocker'],
    ]);
    expect(f[0]!.message).toBe('3 of 4 passing tests took less than 1 ms: an end-to-end test that fast reached no service');
  });

  it('flags latency metrics identical across a commit change as typed in', () => {
    const now = [tc('perf', { metrics: { p95_ms: 42.5, items: 3 } })];
    const f = checkReality(now, { minRealTestMs: 1, previousMetrics: { [now[0]!.id]: { p95_ms: 42.5, items: 3 } }, previousCommit: 'c1', commit: 'c2' });
    expect(f.map((x) => x.kind)).toEqual(['typed-in-metric']);
    expect(f[0]!.tests).toEqual([`${now[0]!.id} (p95_ms=42.5)`]);
  });

  it('blocks a run with far fewer tests than the one before', () => {
    const f = checkReality([tc('a')], { minRealTestMs: 1, previousTestCount: 20 });
    expect(f).toEqual([expect.objectContaining({ kind: 'fewer-tests', severity: 'blocker', message: '1 tests ran, 20 the cycle before: 95 % fewer' })]);
  });
});

describe('fiveWhys', () => {
  it('walks from the symptom to the missing migration, with evidence at each step', () => {
    const [cluster] = clusterFailures([tc('creates an order', { status: 'failed', message: 'expected 201 but got 503: {"error":"relation \\"orders\\" does not exist"}' })]);
    const chain = fiveWhys(cluster!, {
      commit: 'c2c2c2c2c2',
      previousCommit: 'c1c1c1c1c1',
      services: [{ name: 'api', ready: true, revision: 'api-2', health: { ok: true, status: 200 } }],
      previousFailing: [],
      deployLog: 'migrate: 001_products.json: created table products (4 rows)',
    });
    expect(chain.whys.map((w) => w.question)).toEqual([
      'Why did 1 test fail?',
      'What does the failure say?',
      'Was the deployment healthy?',
      'Is it new?',
      'What did the deployment print about it?',
    ]);
    expect(chain.whys[3]!.answer).toBe('yes: none of these tests failed in the previous cycle; the commit changed c1c1c1c1 → c2c2c2c2, which is where to look');
    expect(chain.whys[4]!.evidence).toEqual(['migrate: 001_products.json: created table products (4 rows)']);
    expect(chain.fix).toBe('run or fix the missing migration, or the database connection settings');
  });
});

describe('judgePerformance', () => {
  const target = PerformanceTarget.parse({ name: 'api p95', service: 'api', path: '/products', maxMs: 100, reportedAs: 'api_p95_ms' });
  const measured = [{ name: 'api p95', service: 'api', path: '/products', requests: 50, errors: 0, p50Ms: 40, p95Ms: 120, maxMs: 180 }];

  it('judges on the loop\'s own measurement and distrusts a test that says otherwise', () => {
    const [r] = judgePerformance([target], measured, [tc('perf', { metrics: { api_p95_ms: 12 } })]);
    expect(r).toEqual({
      name: 'api p95',
      statistic: 'p95',
      measuredMs: 120,
      targetMs: 100,
      met: false,
      reportedMs: 12,
      note: 'a test reported 12 ms, the loop measured 120 ms: the reported figure is not trusted',
    });
  });
});
