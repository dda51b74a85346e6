import { describe, expect, it } from 'vitest';
import { applyLabels, labelFor, patternOf, rulesFromLabels, type ClusterLabel } from '../../../shared/analysis/labels.js';
import { clusterFailures } from '../../../shared/analysis/clusters.js';
import { classifyFailure } from '../../../shared/analysis/classify.js';
import { tc } from './cases.js';

const label = (signature: string, patch: Partial<ClusterLabel> = {}): ClusterLabel => ({
  signature,
  category: 'test-defect',
  previousCategory: 'product-defect',
  labelledAt: '2026-12-01T10:00:00.000Z',
  cycle: 1,
  cluster: 1,
  ...patch,
});

describe('labels', () => {
  it.each([
    ['AssertionError: expected 1000 to be 900', 'AssertionError: expected 75 to be 80'],
    ['Error: timeout of 2000ms exceeded waiting for http://127.0.0.1:4173/api/cart', 'Error: timeout of 2000ms exceeded waiting for http://10.0.0.7:8080/api/cart'],
    ['KeyError: \'user_7f3a9c21-1b2c-4d5e-8f90-a1b2c3d4e5f6\'', "KeyError: 'user_00000000-0000-4000-8000-000000000000'"],
    ['expected body {"status":"ok"} but was {"status":"degraded"} at 2026-11-30T10:00:00Z', 'expected body {"status":"ok"} but was {"status":"degraded"} at 2026-12-02T23:59:59.123Z'],
  ])('a signature\'s pattern matches the failure it came from and its siblings: %s', (message, sibling) => {
    const [c] = clusterFailures([tc('t', { status: 'failed', message })]);
    const re = new RegExp(patternOf(c!.signature), 'i');
    expect(re.test(message)).toBe(true);
    expect(re.test(sibling)).toBe(true);
    expect(re.test('Error: connect ECONNREFUSED 127.0.0.1:5432')).toBe(false);
  });

  it('clusters take the latest label of their signature; others keep the rules\' category', () => {
    const clusters = clusterFailures([
      tc('a', { status: 'failed', message: 'AssertionError: expected 1000 to be 900' }),
      tc('b', { status: 'failed', message: 'Error: connect ECONNREFUSED 127.0.0.1:5432' }),
    ]);
    const price = clusters.find((c) => c.category === 'product-defect')!;
    const out = applyLabels(clusters, [
      label(price.signature, { category: 'database', labelledAt: '2026-12-01T09:00:00.000Z' }),
      label(price.signature, { why: 'the fixture has last year\'s prices', labelledBy: 'ana' }),
    ]);
    const labelled = out.find((c) => c.signature === price.signature)!;
    expect(labelled).toMatchObject({ category: 'test-defect', confidence: 1, rule: "the fixture has last year's prices", label: { by: 'person', at: '2026-12-01T10:00:00.000Z', who: 'ana', previousCategory: 'product-defect' } });
    expect(out.find((c) => c.signature !== price.signature)).toEqual(clusters.find((c) => c.signature !== price.signature));
  });

  it('exports one rule per signature that classifies the failure as the person said', () => {
    const [c] = clusterFailures([tc('a', { status: 'failed', message: 'AssertionError: expected 1000 to be 900' })]);
    const rules = rulesFromLabels([label(c!.signature, { category: 'database', labelledAt: '2026-11-30T00:00:00.000Z' }), label(c!.signature)]);
    expect(rules).toEqual([{ category: 'test-defect', pattern: patternOf(c!.signature), confidence: 0.95, why: 'labelled test-defect by a person on 2026-12-01 (cycle 1, was product-defect)' }]);
    expect(classifyFailure({ test: 'x', message: 'AssertionError: expected 12 to be 10' }, rules).category).toBe('test-defect');
  });

  it('labelFor names what is wrong with the cluster asked for', () => {
    const at = '2026-12-03T09:00:00.000Z';
    expect(labelFor({ n: 2 }, 1, { category: 'auth', at })).toEqual({ problem: 'cycle 2 has no failure clusters (it was not analyzed yet)' });
    const analysis = { clusters: [{ signature: 'auth: x', category: 'unknown', tests: ['e2e::::login::'] }] };
    expect(labelFor({ n: 2, analysis }, 3, { category: 'auth', at })).toEqual({ problem: 'cycle 2 has 1 cluster: --cluster is 1 to 1' });
    expect(labelFor({ n: 2, analysis }, 1, { category: 'auth', at, by: 'ana' })).toEqual({
      signature: 'auth: x', category: 'auth', previousCategory: 'unknown', labelledAt: at, labelledBy: 'ana', cycle: 2, cluster: 1, example: 'e2e::::login::',
    });
  });
});
