import { describe, expect, it } from 'vitest';
import { planReport } from '../../../../shared/chain/decide/decide.js';
import { planTimeout } from '../../../../shared/chain/watchdog/watchdog.js';
import type { TxView } from '../../../../shared/ports/loop-store.js';
import type { AnalysisFacts } from '../../../../shared/domain/decisions.js';
import { cycleDoc, loopDoc } from '../../../support/docs.js';

const now = new Date('2026-11-24T10:05:00.000Z');
const facts = (patch: Partial<AnalysisFacts>): AnalysisFacts => ({
  passRate: 0.9,
  tests: 20,
  failing: 2,
  criteriaMet: false,
  unmet: ['pass rate 90.0 % below 100.0 %'],
  categories: { deployment: 2 },
  signatures: ['deployment:503'],
  ...patch,
});
const view = (cyclePatch: Parameters<typeof cycleDoc>[0], loopPatch = {}): TxView => {
  const cycle = cycleDoc(cyclePatch);
  return { loop: loopDoc({ currentCycle: cycle.n, ...loopPatch }), cycle, current: cycle, dedup: null };
};

describe('planReport', () => {
  it('on redeploy, closes the cycle, opens the next one deploying and requests exactly one deployment', () => {
    const { writes, result } = planReport(view({ analysis: { facts: facts({}) } }), 1, now);
    expect(result.outcome.detail).toMatch(/^cycle 1: redeploy: /);
    const [closed, next] = writes?.cycles ?? [];
    expect(closed?.data).toMatchObject({ phase: 'done', verdict: 'redeploy', deadline: null });
    expect(closed?.data.report).toContain('# shop-main · cycle 1 · redeploy');
    expect(next).toMatchObject({ n: 2, data: { phase: 'deploying', trigger: 'redeploy', commit: 'a'.repeat(40) } });
    const requests = result.pending.filter(([, e]) => e.topic === 'deploy-requested');
    expect(requests).toHaveLength(1);
    expect(requests[0]?.[1].data).toMatchObject({ loopId: 'shop-main', cycle: 2, notBefore: '2026-11-24T10:05:05.000Z' });
    expect(writes?.loop).toMatchObject({ currentCycle: 2, redeploys: 1, status: 'running' });
  });

  it('on await-fix, asks for a fix on loop-events and waits', () => {
    const { writes, result } = planReport(view({ analysis: { facts: facts({ categories: { database: 2 } }) } }), 1, now);
    expect(writes?.loop?.status).toBe('awaiting-fix');
    expect(result.pending.map(([id]) => id)).toEqual(['verdict-1', 'fix-requested-1']);
  });

  it('on success, ends the loop and says so', () => {
    const ok = facts({ criteriaMet: true, passRate: 1, failing: 0, categories: {}, unmet: [], signatures: [] });
    const { writes, result } = planReport(view({ analysis: { facts: ok } }), 1, now);
    expect(writes?.loop).toMatchObject({ status: 'succeeded', endedAt: now.toISOString() });
    expect(result.ended).toBe(true);
    expect(result.pending.map(([id]) => id)).toEqual(['verdict-1', 'loop-ended-1']);
  });

  it('changes nothing for a cycle already reported, and leaves its messages to their writer', () => {
    const pending = { topic: 'loop-events', data: {}, createdAt: now.toISOString(), publishedAt: null };
    const { writes, result } = planReport(view({ phase: 'done', outbox: { 'verdict-1': pending } }), 1, now);
    expect(writes).toBeUndefined();
    expect(result.outcome.kind).toBe('duplicate');
    expect(result.pending).toEqual([]);
  });

  it('counts an unpublished message as abandoned only after a while, and not while a sweep holds it', async () => {
    const { abandoned } = await import('../../../../shared/chain/lifecycle/outbox.js');
    const at = (s: number) => new Date(now.getTime() - s * 1000).toISOString();
    const outbox = {
      fresh: { topic: 'loop-events', data: {}, createdAt: at(2), publishedAt: null },
      old: { topic: 'loop-events', data: {}, createdAt: at(60), publishedAt: null },
      claimed: { topic: 'loop-events', data: {}, createdAt: at(60), publishedAt: null, claimedAt: at(1) },
      sent: { topic: 'loop-events', data: {}, createdAt: at(60), publishedAt: at(59) },
    };
    expect(abandoned(outbox, now).map(([id]) => id)).toEqual(['old']);
  });
});

describe('planTimeout', () => {
  it('launches a silent test job once and gives it one more window, then blocks the loop', () => {
    const v = view({ phase: 'testing', deadline: '2026-11-24T10:04:00.000Z', testJob: { jobId: 'shop-main-c1' } });
    const first = planTimeout(v, 1, now);
    expect(first.result.closed).toBeUndefined();
    expect(first.result.launch).toEqual({ loopId: 'shop-main', cycle: 1, jobId: 'shop-main-c1', serviceUrls: { api: 'http://127.0.0.1:1' } });
    expect(first.writes?.cycles?.[0]).toEqual({ n: 1, data: { deadline: '2026-11-24T10:35:00.000Z', testJob: { jobId: 'shop-main-c1', secondChanceAt: now.toISOString() } } });
    expect(first.writes?.loop).toBeUndefined();
    // Still silent at the end of that window: blocked, and the reason says it had both.
    const again = view({ phase: 'testing', deadline: '2026-11-24T10:04:00.000Z', testJob: { jobId: 'shop-main-c1', secondChanceAt: '2026-11-24T09:34:00.000Z' } });
    const { writes, result } = planTimeout(again, 1, now);
    expect(result.launch).toBeUndefined();
    expect(result.closed).toBe('testing timed out: test job shop-main-c1 never reported within 1800 s, nor in the 1800 s more the watchdog gave it after making sure it was launched');
    expect(writes?.cycles?.[0]?.data).toMatchObject({ phase: 'done', verdict: 'blocked' });
    expect(writes?.loop?.status).toBe('blocked');
  });

  it('gives a job launched late by a redelivery its full time, counted from that delivery', () => {
    // Deadline 10:04 (opened 09:34 with 1800 s); the first delivery died after opening the
    // cycle, and the one that took over and launched the job began at 09:50.
    const record = { key: 'k', step: 'run-tests', messageId: '7', loopId: 'shop-main', cycle: 1, at: '2026-11-24T09:50:00.000Z', expiresAt: '2026-11-24T09:50:15.000Z' };
    const v = { ...view({ phase: 'testing', deadline: '2026-11-24T10:04:00.000Z', testJob: { jobId: 'shop-main-c1' } }), dedup: { ...record, state: 'completed' as const } };
    const { writes, result } = planTimeout(v, 1, now);
    expect(result.closed).toBeUndefined();
    expect(writes?.cycles?.[0]?.data).toEqual({ deadline: '2026-11-24T10:20:00.000Z' });
    // A launch still in progress may be taken over once its record expires: time from then.
    const inProgress = { ...v, dedup: { ...record, state: 'in-progress' as const } };
    expect(planTimeout(inProgress, 1, now).writes?.cycles?.[0]?.data).toEqual({ deadline: '2026-11-24T10:20:15.000Z' });
    // Its time used up since, and the delivery that held the launch long dead: the watchdog
    // claims the launch itself, so a redelivery arriving now waits instead of launching too.
    const later = new Date('2026-11-24T10:21:00.000Z');
    const takeOver = planTimeout(inProgress, 1, later);
    expect(takeOver.result.closed).toBeUndefined();
    expect(takeOver.result.launchKey).toBe('k');
    expect(takeOver.writes?.dedup).toEqual({ ...record, state: 'in-progress', messageId: 'watchdog', at: later.toISOString(), expiresAt: '2026-11-24T10:21:15.000Z' });
    // A launch some delivery completed is not claimed again: the launcher finds its execution.
    expect(planTimeout(v, 1, later).writes?.dedup).toBeUndefined();
  });

  it('writes the verdict itself when the report step did not, instead of blocking', () => {
    const ok = { passRate: 1, tests: 20, failing: 0, criteriaMet: true, unmet: [], categories: {}, signatures: [] };
    const v = view({ phase: 'reporting', deadline: '2026-11-24T10:04:00.000Z', analysis: { facts: ok } });
    const { writes, result } = planTimeout(v, 1, now);
    expect(result.closed).toMatch(/^report written by the watchdog: cycle 1: succeeded: every criterion met/);
    expect(writes?.cycles?.[0]?.data).toMatchObject({ phase: 'done', verdict: 'succeeded' });
    expect(result.ended).toBe(true);
  });

  it('leaves a phase alone before its deadline', () => {
    const v = view({ phase: 'testing', deadline: '2026-11-24T10:06:00.000Z' });
    expect(planTimeout(v, 1, now)).toEqual({ result: { pending: [] } });
  });

  it('gives a phase with unpublished messages more time instead of closing it', () => {
    const pending = { topic: 'tests-finished', data: {}, createdAt: now.toISOString(), publishedAt: null };
    const v = view({ phase: 'analyzing', deadline: '2026-11-24T10:04:00.000Z', outbox: { 'tests-finished-1': pending } });
    const { writes, result } = planTimeout(v, 1, now);
    expect(result.closed).toBeUndefined();
    // and the abandoned messages are swept out once more
    expect(result.sweep).toBe(true);
    expect(writes?.cycles?.[0]?.data.deadline).toBe('2026-11-24T10:10:00.000Z');
  });
});

describe('escaping what tests print', () => {
  it('keeps markup, links and control characters inert, as a Markdown viewer renders them', async () => {
    const { escapeMd, code, block } = await import('../../../../shared/report/markdown.js');
    const MarkdownIt = (await import('markdown-it')).default;
    const md = new MarkdownIt({ html: true, linkify: true });
    const evil = '<script>alert(1)</script> [click](http://evil.example/) ![x](http://evil.example/x.png) see https://evil.example/y | a | \u0007\u001b[31m `tick`';
    for (const rendered of [escapeMd(evil, 1000), code(evil, 1000), `| ${code(evil, 1000)} | x |\n|---|---|`, block(`${evil}\n\`\`\`\nmore`)]) {
      const html = md.render(rendered);
      expect(html).not.toMatch(/<script/i);
      expect(html).not.toMatch(/<a [^>]*href/i);
      expect(html).not.toMatch(/<img/i);
      expect(rendered).not.toMatch(/[\u0007\u001b]/);
    }
  });
});
