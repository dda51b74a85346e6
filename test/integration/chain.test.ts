import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChainHarness, eventually, sleep, testRun } from '../support/harness.js';
import type { DeployFinished } from '../../shared/chain/messages.js';

const h = new ChainHarness();
beforeAll(() => h.start(), 90_000);
afterAll(() => h.stop(), 30_000);

const run = (cases: Parameters<typeof testRun>[0]) => testRun(cases, { durationMs: 12.5 });

/** One build per loop here (redeliveries and stale builds are told apart by buildId in the tests). */
const deployment = (loopId: string, patch: Partial<DeployFinished> = {}): DeployFinished =>
  h.deployment(loopId, {
    commit: 'c0ffee0000000000000000000000000000000001',
    buildId: `build-${loopId}`,
    services: [{ name: 'api', url: h.serviceUrl, revision: 'api-00001', ready: true }],
    ...patch,
  });

describe('the chain on the emulators, through real push deliveries', () => {
  it('drives a deploy-finished message through tests, analysis and report to a verdict', async () => {
    await h.createLoop('one-cycle');
    const events = await h.collect('loop-events');
    await h.publisher.publish('deploy-finished', deployment('one-cycle'));

    const launch = await eventually('the test job launch', () => h.launches.find((l) => l.loopId === 'one-cycle'));
    expect(launch).toEqual({ loopId: 'one-cycle', cycle: 1, jobId: 'one-cycle-c1', serviceUrls: { api: h.serviceUrl } });
    const testing = await h.store.getCycle('one-cycle', 1);
    expect(testing?.phase).toBe('testing');
    expect(testing?.health[0]).toMatchObject({ service: 'api', ok: true, status: 200 });

    const started = new Date().toISOString();
    await h.recordResults({
      loopId: 'one-cycle',
      cycle: 1,
      jobId: 'one-cycle-c1',
      run: run([
        { name: 'lists products', status: 'passed' },
        { name: 'creates an order', status: 'failed', message: 'expected 201 but got 503: relation "orders" does not exist' },
        { name: 'reads an order', status: 'passed' },
        { name: 'cancels an order', status: 'passed' },
      ]),
      exitCode: 1,
      crashed: false,
      commandStartedAt: started,
      commandFinishedAt: new Date().toISOString(),
    });

    const done = await eventually('cycle 1 done', async () => {
      const c = await h.store.getCycle('one-cycle', 1);
      return c?.phase === 'done' ? c : undefined;
    });
    expect(done.totals).toMatchObject({ tests: 4, passed: 3, failed: 1 });
    expect(done.passRate).toBe(0.75);
    expect(done.verdict).toBe('await-fix');
    expect(done.report).toContain('| 75.0 % | 4 | 3 | 1 | 0 | 0 | 0 | 0.05 s |');
    expect(done.report).toContain('### database: 1 test (confidence 0.95)');
    expect(done.report).toContain('Signature `database: relation "orders" does not exist`. Tests: `e2e › creates an order`.');
    expect(done.overheadMs).toBeGreaterThan(0);
    const loop = await h.store.getLoop('one-cycle');
    expect(loop?.status).toBe('awaiting-fix');
    expect(loop?.history.map((x) => [x.cycle, x.passRate, x.verdict])).toEqual([[1, 0.75, 'await-fix']]);
    const results = await h.store.readResults('one-cycle', 1);
    expect(results.map((r) => r.name)).toEqual(['lists products', 'creates an order', 'reads an order', 'cancels an order']);
    await eventually('the fix-requested event', () =>
      events.some((e) => (e as { type: string; loopId: string }).type === 'fix-requested' && (e as { loopId: string }).loopId === 'one-cycle'),
    );
  });

  it('gives exactly one verdict and one deploy request when every message arrives twice', async () => {
    await h.createLoop('twice');
    const requests = await h.collect('deploy-requested');
    const events = await h.collect('loop-events');
    // The critical service is not ready: the cycle skips the tests and the verdict is redeploy.
    const message = deployment('twice', { services: [{ name: 'api', ready: false, error: 'revision api-00002 failed: exit 1' }] });
    await Promise.all([h.publisher.publish('deploy-finished', message), h.publisher.publish('deploy-finished', message)]);

    const done = await eventually('cycle 1 done', async () => {
      const c = await h.store.getCycle('twice', 1);
      return c?.phase === 'done' ? c : undefined;
    });
    expect(done.verdict).toBe('redeploy');
    // Deliver the downstream messages again, as Pub/Sub may.
    await h.publisher.publish('tests-finished', {
      loopId: 'twice',
      cycle: 1,
      jobId: done.testJob!.jobId,
      exitCode: null,
      crashed: false,
      totals: { tests: 0, passed: 0, failed: 0, errors: 0, skipped: 0, flaky: 0, durationMs: 0 },
      rejected: [],
      resultChunks: 0,
      startedAt: done.phaseAt.testing!,
      finishedAt: done.phaseAt.testing!,
    });
    await h.publisher.publish('analysis-finished', { loopId: 'twice', cycle: 1, passRate: null, criteriaMet: false });
    await sleep(3000);

    const mine = (list: unknown[]) => list.filter((m) => (m as { loopId: string }).loopId === 'twice');
    expect(mine(requests)).toHaveLength(1);
    expect(mine(requests)[0]).toMatchObject({ cycle: 2, commit: message.commit });
    expect(mine(events).filter((e) => (e as { type: string }).type === 'verdict')).toHaveLength(1);
    const cycles = await h.store.listCycles('twice');
    expect(cycles.map((c) => [c.n, c.phase])).toEqual([
      [1, 'done'],
      [2, 'deploying'],
    ]);
    expect(h.launches.filter((l) => l.loopId === 'twice')).toHaveLength(0);
    // Each fact handled is remembered as long as Pub/Sub could redeliver it (7 days), then
    // removed by the TTL policy on deleteAt.
    const dedup = (await h.firestore.collection('dedup').where('loopId', '==', 'twice').get()).docs.map((d) => d.data());
    expect(dedup.length).toBeGreaterThanOrEqual(3);
    for (const record of dedup) {
      expect(record.state).toBe('completed');
      const days = (record.deleteAt.toMillis() - Date.now()) / 86_400_000;
      expect(days).toBeGreaterThan(7.9);
      expect(days).toBeLessThanOrEqual(8);
    }
  });

  it('acknowledges and records a malformed message instead of retrying it forever', async () => {
    await h.createLoop('bad-input');
    const events = await h.collect('loop-events');
    const notJson = await h.pubsub.topic('deploy-finished').publishMessage({ data: Buffer.from('{"loopId": "bad-input", oops') });
    const wrongSchema = await h.pubsub.topic('deploy-finished').publishMessage({ json: { loopId: 'bad-input', commit: 42 } });

    const rejected = await eventually('both rejection records', async () => {
      const snap = await h.firestore.collection('rejected').get();
      const docs = snap.docs.map((d) => d.data());
      return docs.length >= 2 ? docs : undefined;
    });
    const byId = Object.fromEntries(rejected.map((r) => [r.messageId, r]));
    expect(byId[notJson]?.reason).toMatch(/^deploy-finished message \d+: data is not JSON/);
    expect(byId[wrongSchema]?.reason).toMatch(/commit: .*expected string/i);
    expect(byId[wrongSchema]?.loopId).toBe('bad-input');
    await eventually('the input-rejected event', () => events.some((e) => (e as { type: string }).type === 'input-rejected'));
    // Acknowledged: after several redelivery intervals each was handled exactly once.
    await sleep(4000);
    for (const id of [notJson, wrongSchema]) {
      expect(h.logs.filter((l) => l.includes(`rejected deploy-finished message ${id}:`))).toHaveLength(1);
    }
    expect((await h.store.getLoop('bad-input'))?.currentCycle).toBe(0);
  });

  it('refuses a deployment that names a host the loop config does not allow, and reaches nothing', async () => {
    await h.createLoop('ssrf');
    const message = deployment('ssrf', { services: [{ name: 'api', url: 'http://169.254.169.254/computeMetadata/v1', revision: 'x', ready: true }] });
    const id = await h.publisher.publish('deploy-finished', message);
    const record = await eventually('the rejection record', async () => {
      const snap = await h.firestore.collection('rejected').where('messageId', '==', id).get();
      return snap.empty ? undefined : snap.docs[0]!.data();
    });
    expect(record.reason).toBe(
      'deploy-finished: service api url http://169.254.169.254/computeMetadata/v1 is not on the loop\'s allowedHosts (127.0.0.1, localhost, *.run.app)',
    );
    expect((await h.store.getLoop('ssrf'))?.currentCycle).toBe(0);
    expect(h.launches.filter((l) => l.loopId === 'ssrf')).toEqual([]);
  });

  it('changes nothing for messages about a cycle that was superseded', async () => {
    await h.createLoop('old-cycle');
    await h.publisher.publish('deploy-finished', deployment('old-cycle', { buildId: 'b1' }));
    await eventually('cycle 1 testing', async () => (await h.store.getCycle('old-cycle', 1))?.phase === 'testing');
    // A newer push supersedes cycle 1.
    await h.publisher.publish('deploy-finished', deployment('old-cycle', { buildId: 'b2', commit: 'c0ffee0000000000000000000000000000000002' }));
    await eventually('cycle 2 testing', async () => (await h.store.getCycle('old-cycle', 2))?.phase === 'testing');
    const before = await h.store.getLoop('old-cycle');

    // Late messages for cycle 1: its job's results and a deployment it had asked for.
    const late = await h.recordResults({
      loopId: 'old-cycle',
      cycle: 1,
      jobId: 'old-cycle-c1',
      run: run([{ name: 'late', status: 'passed' }]),
      exitCode: 0,
      crashed: false,
      commandStartedAt: new Date().toISOString(),
      commandFinishedAt: new Date().toISOString(),
    });
    expect(late.kind).toBe('ignored');
    await h.publisher.publish('deploy-finished', deployment('old-cycle', { cycle: 1, trigger: 'redeploy', buildId: 'b0' }));
    await eventually('the ignored delivery in the log', () =>
      h.logs.some((l) => l.includes('deployment for cycle 1 arrived after cycle 2 began: superseded, ignored')),
    );

    const after = await h.store.getLoop('old-cycle');
    expect(after).toEqual(before);
    const cycle1 = await h.store.getCycle('old-cycle', 1);
    expect(cycle1).toMatchObject({ phase: 'superseded', supersededBy: 2 });
    expect(cycle1?.totals).toBeUndefined();
    expect(await h.store.readResults('old-cycle', 1)).toEqual([]);
  });
});
