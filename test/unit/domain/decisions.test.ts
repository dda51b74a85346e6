import { describe, expect, it } from 'vitest';
import { decide, DEPLOY_FAILURE_SIGNATURE, type AnalysisFacts } from '../../../shared/domain/decisions.js';
import { cycleDoc, loopDoc } from '../../support/docs.js';

const now = new Date('2026-11-24T10:30:00.000Z');

function facts(patch: Partial<AnalysisFacts> = {}): AnalysisFacts {
  return {
    passRate: 0.9,
    tests: 20,
    failing: 2,
    criteriaMet: false,
    unmet: ['pass rate 90.0 % below 100.0 %'],
    categories: { 'product-defect': 2 },
    signatures: ['sig-a'],
    ...patch,
  };
}

describe('decide', () => {
  it.each([
    ['criteria met', {}, {}, facts({ criteriaMet: true, passRate: 1, failing: 0, categories: {}, unmet: [] }), 'succeeded', /every criterion met: 20 tests, pass rate 100.0 %/],
    ['product defects', {}, {}, facts(), 'await-fix', /failures need a code change \(product-defect 2\)/],
    ['only deployment failures', {}, {}, facts({ categories: { deployment: 3, timeout: 1 } }), 'redeploy', /redeploy can cure/],
    ['a mix with a database failure', {}, {}, facts({ categories: { deployment: 3, database: 1 } }), 'await-fix', /database 1/],
    ['max cycles used', { currentCycle: 5 }, { n: 5 }, facts(), 'failed', /max cycles reached: 5 of 5/],
    ['max cycles counted from the run start', { runStartCycle: 4, currentCycle: 5 }, { n: 5 }, facts(), 'await-fix', /code change/],
    ['redeploy budget spent', { redeploys: 2 }, {}, facts({ categories: { network: 1 } }), 'failed', /redeploy budget spent: 2 of 2/],
    ['time budget spent', { runStartedAt: '2026-11-24T07:00:00.000Z' }, {}, facts(), 'failed', /time budget spent: 210 min of 120/],
  ])('%s', (_name, loopPatch, cyclePatch, analysis, verdict, reason) => {
    const d = decide({ loop: loopDoc(loopPatch), cycle: cycleDoc(cyclePatch), analysis, now });
    expect(d.verdict).toBe(verdict);
    expect(d.reason).toMatch(reason);
  });

  it('backs off longer with each redeploy', () => {
    const analysis = facts({ categories: { deployment: 1 } });
    const first = decide({ loop: loopDoc({ redeploys: 0 }), cycle: cycleDoc(), analysis, now });
    const second = decide({ loop: loopDoc({ redeploys: 1 }), cycle: cycleDoc(), analysis, now });
    expect([first.backoffSeconds, second.backoffSeconds]).toEqual([5, 10]);
  });

  it('fails when the same failure persists although the commit changed', () => {
    const loop = loopDoc({
      history: [
        { cycle: 1, commit: 'c1', passRate: 0.9, tests: 20, verdict: 'await-fix', failureSignatures: ['sig-a'] },
        { cycle: 2, commit: 'c2', passRate: 0.9, tests: 20, verdict: 'await-fix', failureSignatures: ['sig-a', 'sig-b'] },
      ],
    });
    const d = decide({ loop, cycle: cycleDoc({ n: 3, commit: 'c3' }), analysis: facts({ signatures: ['sig-a'] }), now });
    expect(d.verdict).toBe('failed');
    expect(d.reason).toBe('the same failure persisted 3 cycles in a row although the commit changed: sig-a');
  });

  it('does not call a repeated failure on one commit a stuck loop', () => {
    const loop = loopDoc({
      history: [
        { cycle: 1, commit: 'c1', passRate: 0.9, tests: 20, verdict: 'redeploy', failureSignatures: ['sig-a'] },
        { cycle: 2, commit: 'c1', passRate: 0.9, tests: 20, verdict: 'redeploy', failureSignatures: ['sig-a'] },
      ],
    });
    const d = decide({ loop, cycle: cycleDoc({ n: 3, commit: 'c1' }), analysis: facts({ signatures: ['sig-a'] }), now });
    expect(d.verdict).toBe('await-fix');
  });

  it('redeploys when a critical service was not ready, and blocks the second time', () => {
    const cycle = cycleDoc({
      services: [{ name: 'api', ready: false, error: 'revision api-2 failed: container exited 1' }],
      totals: { tests: 0, passed: 0, failed: 0, errors: 0, skipped: 0, flaky: 0, durationMs: 0 },
    });
    const analysis = facts({ passRate: null, tests: 0, failing: 0, categories: {}, signatures: [] });
    const first = decide({ loop: loopDoc(), cycle, analysis, now });
    expect(first.verdict).toBe('redeploy');
    expect(first.reason).toContain('api (revision api-2 failed: container exited 1)');
    const loop = loopDoc({
      history: [{ cycle: 1, commit: 'c1', passRate: null, tests: 0, verdict: 'redeploy', failureSignatures: [DEPLOY_FAILURE_SIGNATURE] }],
    });
    const second = decide({ loop, cycle: { ...cycle, n: 2 }, analysis, now });
    expect(second.verdict).toBe('blocked');
    expect(second.reason).toMatch(/critical service failed to deploy twice in a row: api/);
  });

  it('ignores a non-critical service that failed to deploy', () => {
    const cycle = cycleDoc({
      services: [
        { name: 'api', ready: true, url: 'http://127.0.0.1:1' },
        { name: 'web', ready: false, error: 'build failed' },
      ],
    });
    const d = decide({ loop: loopDoc(), cycle, analysis: facts({ criteriaMet: true, passRate: 1, failing: 0, categories: {} }), now });
    expect(d.verdict).toBe('succeeded');
  });
});
