import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChainHarness, runTdl, testRun } from '../support/harness.js';
import { caseId, type TestRun } from '../../shared/results/model.js';
import type { DeployFinished } from '../../shared/chain/messages.js';
import { classifyFailure } from '../../shared/analysis/classify.js';
import { LoopConfig } from '../../shared/config/loop-config.js';

const h = new ChainHarness();
beforeAll(() => h.start(), 90_000);
afterAll(() => h.stop(), 30_000);

const PRICE = 'AssertionError: expected 1000 to be 900 // Object.is equality';

const run = (cases: Parameters<typeof testRun>[0]) => testRun(cases, { suite: 'tests/prices.test.ts' });
const red = () => run([{ name: 'lists prices', status: 'passed' }, { name: 'applies the discount', status: 'failed', message: PRICE }]);

const deployment = (loopId: string, patch: Partial<DeployFinished> = {}) => h.deployment(loopId, patch);
const cycleWith = (loopId: string, n: number, result: TestRun, message?: DeployFinished) => h.playCycle(loopId, n, result, { message });

type StoredCluster = { signature: string; category: string; label?: { at: string; previousCategory: string }; whys: Array<{ answer: string }> };

describe("a person's label on a cluster, on the emulators", () => {
  it('is stored as a readable document, taken by the next cycle with the same failure, and exported as a rule', async () => {
    await h.createLoop('labels');
    const first = await cycleWith('labels', 1, red());
    const [before] = first.analysis!.clusters as StoredCluster[];
    expect(before!.category).toBe('product-defect');

    const labelled = await runTdl(h, ['label', 'labels', '--cycle', '1', '--cluster', '1', '--category', 'test-defect', '--why', 'the test still expects the old discount', '--by', 'ana']);
    expect(labelled.stderr).toBe('');
    expect(labelled.code).toBe(0);
    expect(labelled.stdout).toContain(`cluster 1 of cycle 1 (${before!.signature}) labelled test-defect (the analysis said product-defect).`);

    // What a person sees in the Firestore console: plain fields, an ISO time.
    const docs = (await h.firestore.collection('loops').doc('labels').collection('labels').get()).docs.map((d) => d.data());
    expect(docs).toHaveLength(1);
    expect(docs[0]).toMatchObject({
      signature: before!.signature,
      category: 'test-defect',
      why: 'the test still expects the old discount',
      previousCategory: 'product-defect',
      labelledBy: 'ana',
      cycle: 1,
      cluster: 1,
      example: caseId({ suite: 'tests/prices.test.ts', name: 'applies the discount' }),
    });
    const day = (docs[0]!.labelledAt as string).slice(0, 10);
    expect(new Date(docs[0]!.labelledAt as string).toISOString()).toBe(docs[0]!.labelledAt);

    const second = await cycleWith('labels', 2, red(), deployment('labels', { trigger: 'fix' }));
    const [after] = second.analysis!.clusters as StoredCluster[];
    expect(after).toMatchObject({ signature: before!.signature, category: 'test-defect', label: { at: docs[0]!.labelledAt, previousCategory: 'product-defect' } });
    expect(after!.whys[1]!.answer).toBe('the test still expects the old discount');
    expect((second.analysis!.facts as { categories: Record<string, number> }).categories).toEqual({ 'test-defect': 1 });
    expect(second.report).toContain(`Labelled **test-defect** by a person on ${day} (ana); the rules said product-defect.`);

    const status = await runTdl(h, ['status', 'labels', '--json']);
    const labels = (JSON.parse(status.stdout.trim().split('\n').at(-1)!) as { labels: Array<{ shown: string; takenBy: number[]; category: string }> }).labels;
    expect(labels).toEqual([expect.objectContaining({ shown: `labelled by a person on ${day} (ana)`, category: 'test-defect', takenBy: [2] })]);
    const text = await runTdl(h, ['status', 'labels']);
    expect(text.stdout).toMatch(new RegExp(`labelled by a person on ${day} \\(ana\\)\\s+test-defect\\s+.*cycle 2`));

    const exported = await runTdl(h, ['rules', 'export', 'labels']);
    expect(exported.code).toBe(0);
    const config = JSON.parse(exported.stdout) as { classification: { rules: Array<{ category: string; pattern: string; why: string }> } };
    // It loads as part of a loop config, and classifies the failure as the person said.
    const parsed = LoopConfig.parse({ loopId: 'other-loop', services: [{ name: 'api' }], tests: { command: ['npm', 'test'], results: ['r.xml'] }, ...config });
    expect(parsed.classification.rules).toEqual([expect.objectContaining({ category: 'test-defect', why: 'the test still expects the old discount' })]);
    expect(classifyFailure({ test: 'applies the discount', message: 'AssertionError: expected 1250 to be 1100 // Object.is equality' }, parsed.classification.rules).category).toBe('test-defect');
    expect(classifyFailure({ test: 'lists prices', message: 'Error: connect ECONNREFUSED 127.0.0.1:5432' }, parsed.classification.rules).category).not.toBe('test-defect');
  }, 90_000);

  it.each([
    [['--cycle', '1', '--cluster', '4', '--category', 'database'], 1, 'tdl label: cycle 1 has 1 cluster: --cluster is 1 to 1'],
    [['--cycle', '9', '--cluster', '1', '--category', 'database'], 1, 'tdl label: loop labels has no cycle 9'],
    [['--cycle', '1', '--cluster', '1', '--category', 'flaky'], 2, '--category must be one of deployment, database, auth'],
    [['--cycle', '0', '--cluster', '1', '--category', 'database'], 2, '--cycle must be a positive integer, got "0"'],
  ])('refuses %j with exit %i', async (args, code, message) => {
    const r = await runTdl(h, ['label', 'labels', ...args]);
    expect(r.code).toBe(code);
    expect(r.stderr).toContain(message);
  });
});
