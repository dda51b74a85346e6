import { describe, expect, it } from 'vitest';
import { planDeployFinished } from '../../../../shared/chain/run-tests/run-tests.js';
import type { TxView } from '../../../../shared/ports/loop-store.js';
import { cycleDoc, deployFinished, loopDoc } from '../../../support/docs.js';

const now = new Date('2026-11-24T10:02:00.000Z');
const ctx = (messageId = 'm1') => ({
  messageId,
  dedupKey: `run-tests~${messageId}`,
  now,
  health: [{ service: 'api', url: 'http://127.0.0.1:1/healthz', ok: true, status: 200, latencyMs: 3 }],
});
const view = (patch: Partial<TxView> = {}): TxView => ({ loop: loopDoc(), cycle: null, current: null, dedup: null, ...patch });

describe('planDeployFinished', () => {
  it('opens cycle 1 on the first push and launches its test job', () => {
    const { writes, result } = planDeployFinished(view(), deployFinished(), ctx());
    expect(result.outcome.kind).toBe('done');
    expect(result.n).toBe(1);
    expect(result.launch).toEqual({
      loopId: 'shop-main',
      cycle: 1,
      jobId: 'shop-main-c1',
      serviceUrls: { api: 'http://127.0.0.1:1', web: 'http://127.0.0.1:2' },
    });
    expect(writes?.loop).toMatchObject({ currentCycle: 1, status: 'running' });
    const cycle = writes?.cycles?.[0]?.data;
    expect(cycle).toMatchObject({ n: 1, phase: 'testing', buildId: 'b1', deadline: '2026-11-24T10:32:00.000Z' });
    expect(Object.keys(cycle?.outbox ?? {})).toEqual(['testing-1']);
  });

  it('treats the same build delivered again, after the first delivery completed, as a duplicate that does nothing', () => {
    const current = cycleDoc({ n: 1, phase: 'testing', buildId: 'b1', testJob: { jobId: 'shop-main-c1' } });
    const completed = { key: 'k', step: 'run-tests', messageId: 'm1', state: 'completed' as const, at: now.toISOString(), expiresAt: now.toISOString() };
    const { writes, result } = planDeployFinished(view({ loop: loopDoc({ currentCycle: 1 }), current, cycle: current, dedup: completed }), deployFinished(), ctx('m2'));
    expect(result.outcome.kind).toBe('duplicate');
    expect(result.launch).toBeUndefined();
    expect(writes).toBeUndefined();
  });

  it('does not launch again once the job has reported', () => {
    const current = cycleDoc({ n: 1, phase: 'analyzing', buildId: 'b1', testJob: { jobId: 'shop-main-c1' } });
    const { result } = planDeployFinished(view({ loop: loopDoc({ currentCycle: 1 }), current, cycle: current }), deployFinished(), ctx('m2'));
    expect(result.launch).toBeUndefined();
  });

  it('launches the job when a redelivery takes over from a delivery that died before launching', () => {
    const current = cycleDoc({ n: 1, phase: 'testing', buildId: 'b1', testJob: { jobId: 'shop-main-c1' } });
    const expired = {
      key: 'run-tests~m1',
      step: 'run-tests',
      messageId: 'm1',
      state: 'in-progress' as const,
      at: '2026-11-24T09:00:00.000Z',
      expiresAt: '2026-11-24T09:02:00.000Z',
    };
    const { result } = planDeployFinished(view({ loop: loopDoc({ currentCycle: 1 }), current, cycle: current, dedup: expired }), deployFinished(), ctx('m1'));
    expect(result.launch?.jobId).toBe('shop-main-c1');
  });

  it('asks for a retry while another delivery of the same message is in progress', () => {
    const busy = {
      key: 'run-tests~m1',
      step: 'run-tests',
      messageId: 'm1',
      state: 'in-progress' as const,
      at: now.toISOString(),
      expiresAt: '2026-11-24T10:04:00.000Z',
    };
    expect(() => planDeployFinished(view({ dedup: busy }), deployFinished(), ctx('m1'))).toThrow(/being handled by another delivery/);
  });

  it('ignores a deployment for a cycle that was superseded', () => {
    const { writes, result } = planDeployFinished(view({ loop: loopDoc({ currentCycle: 3 }) }), deployFinished({ cycle: 2, buildId: 'b2' }), ctx());
    expect(result.outcome).toEqual({ kind: 'ignored', detail: 'deployment for cycle 2 arrived after cycle 3 began: superseded, ignored' });
    expect(writes).toBeUndefined();
  });

  it('supersedes the running cycle when a newer commit is pushed', () => {
    const current = cycleDoc({ n: 2, phase: 'testing', buildId: 'b2' });
    const { writes, result } = planDeployFinished(
      view({ loop: loopDoc({ currentCycle: 2 }), current, cycle: current }),
      deployFinished({ buildId: 'b3', commit: 'c'.repeat(40) }),
      ctx(),
    );
    expect(result.n).toBe(3);
    expect(writes?.cycles?.[0]).toEqual({
      n: 2,
      data: { phase: 'superseded', supersededBy: 3, deadline: null, phaseAt: { superseded: now.toISOString() } },
    });
  });

  it('skips the tests when a critical service is not ready, straight to analysis', () => {
    const message = deployFinished({ services: [{ name: 'api', ready: false, error: 'revision failed: exit 1' }] });
    const { writes, result } = planDeployFinished(view(), message, { ...ctx(), health: [] });
    expect(result.launch).toBeUndefined();
    const cycle = writes?.cycles?.[0]?.data;
    expect(cycle?.phase).toBe('analyzing');
    expect(cycle?.testJob?.skippedReason).toBe('critical service not ready: api: revision failed: exit 1');
    expect(Object.keys(cycle?.outbox ?? {}).sort()).toEqual(['analyzing-1', 'tests-finished-1']);
  });

  it('starts a new run when a finished loop is pushed again, with the reason recorded', () => {
    const loop = loopDoc({ status: 'succeeded', currentCycle: 3, runStartCycle: 1 });
    const current = cycleDoc({ n: 3, phase: 'done', buildId: 'b3' });
    const { writes } = planDeployFinished(view({ loop, current, cycle: current }), deployFinished({ buildId: 'b4' }), ctx());
    expect(writes?.loop).toMatchObject({ runStartCycle: 4, redeploys: 0, status: 'running' });
    expect(writes?.cycles?.[0]?.data.reason).toMatch(/^re-run of a loop that had ended succeeded: push of aaaaaaaa to main$/);
  });

  it('refuses a deployment for a loop that does not exist', () => {
    expect(() => planDeployFinished(view({ loop: null }), deployFinished({ loopId: 'nope' }), ctx())).toThrow(
      'deploy-finished: unknown loop id "nope"',
    );
  });
});
