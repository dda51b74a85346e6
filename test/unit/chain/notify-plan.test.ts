import MarkdownIt from 'markdown-it';
import { describe, expect, it } from 'vitest';
import { eventFact, planNotifications, slackEscape, type Send } from '../../../shared/chain/notify/plan.js';
import { NotifyConfig } from '../../../shared/config/notify-config.js';
import { parseLoopConfig } from '../../../shared/config/loop-config.js';
import { renderCycleReport } from '../../../shared/report/markdown.js';
import type { LoopEvent } from '../../../shared/chain/messages.js';
import type { CycleDoc, LoopDoc } from '../../../shared/domain/model.js';
import { cycleDoc, loopDoc } from '../../support/docs.js';

const SHA = '3f1c2b9a'.padEnd(40, '0');
const at = '2026-11-24T10:05:00.000Z';
const github = NotifyConfig.parse({
  github: { repository: 'acme/shop', token: { env: 'TDL_GITHUB_TOKEN', secret: 'tdl-github-token' } },
  slack: { webhookUrl: { env: 'TDL_SLACK_WEBHOOK_URL' } },
  webhooks: [{ name: 'agent', url: 'https://agent.example/hook', signingSecret: { env: 'TDL_AGENT_SECRET' } }],
});

/** Test output a hostile or careless suite could print, carried into the five whys. */
const HOSTILE = '@octocat see #12 and acme/other#3 <script>alert(1)</script> [click](http://evil.example/) <!channel>';

function loopWith(patch: Partial<LoopDoc> = {}, notify: NotifyConfig = github): LoopDoc {
  const base = loopDoc({ currentCycle: 2, ...patch });
  return { ...base, config: { ...base.config, notify } };
}

function doneCycle(loop: LoopDoc, patch: Partial<CycleDoc>): CycleDoc {
  const cycle = cycleDoc({
    n: 2,
    phase: 'done',
    commit: SHA,
    passRate: 0.95,
    totals: { tests: 20, passed: 19, failed: 1, errors: 0, skipped: 0, flaky: 0, durationMs: 900 },
    analysis: {
      clusters: [
        {
          signature: 'test-defect:expected 3 got 4',
          category: 'test-defect',
          count: 1,
          tests: ['orders::::counts orders::'],
          evidence: [`AssertionError: expected 3, got 4 ${HOSTILE}`],
          whys: [
            { question: 'Why did the test fail?', answer: `The assertion compared 3 with 4: ${HOSTILE}`, evidence: [HOSTILE] },
            { question: 'Why was the expectation wrong?', answer: 'The fixture counts a cancelled order.', evidence: [] },
          ],
          rootCause: 'the test expects the wrong count',
          fix: 'correct the expected count',
        },
      ],
    },
    ...patch,
  });
  return { ...cycle, report: renderCycleReport(loop, cycle) };
}

const verdict = (n: number, v: string): LoopEvent => ({ loopId: 'shop-main', cycle: n, type: 'verdict', verdict: v, detail: 'x', at });
const phase = (n: number, p: string, facts?: LoopEvent['facts']): LoopEvent => ({ loopId: 'shop-main', cycle: n, type: 'phase-changed', phase: p, facts, at });
const sinks = (sends: Send[] | undefined) => (sends ?? []).map((s) => ('open' in s ? 'issue-open' : 'close' in s ? 'issue-close' : s.sink));

describe('planNotifications: what to tell whom for a loop event', () => {
  const history = [
    { cycle: 1, commit: 'c1', passRate: 0.45, tests: 20, verdict: 'await-fix' as const, failureSignatures: [] },
    { cycle: 2, commit: SHA, passRate: 0.95, tests: 20, verdict: 'await-fix' as const, failureSignatures: [] },
  ];

  it.each([
    ['testing', undefined, 'cycle 2: end-to-end tests running'],
    ['analyzing', { tests: 20, passed: 9 }, 'cycle 2: analyzing: 9 of 20 tests passed'],
    ['reporting', { passRate: 0.45 }, 'cycle 2: deciding, pass rate 45.0 %'],
  ])('a %s phase posts one pending status on the cycle commit', (p, facts, description) => {
    const loop = loopWith();
    const plan = planNotifications(phase(2, p, facts), loop, cycleDoc({ n: 2, phase: p as CycleDoc['phase'], commit: SHA }));
    expect(plan?.sends).toEqual([
      { id: `c2-${p}-github-status`, sink: 'github-status', status: { sha: SHA, state: 'pending', context: 'test-deploy-loop/shop-main', description } },
    ]);
  });

  it('links a status only where a link is configured, with the loop and cycle filled in', () => {
    const notify = NotifyConfig.parse({ github: { ...github.github, statuses: { targetUrl: 'https://ci.example/loops/{loopId}/cycles/{cycle}', context: 'e2e/staging' } } });
    const plan = planNotifications(phase(2, 'testing'), loopWith({}, notify), cycleDoc({ n: 2, phase: 'testing', commit: SHA }));
    expect(plan?.sends[0]).toMatchObject({ status: { context: 'e2e/staging', targetUrl: 'https://ci.example/loops/shop-main/cycles/2' } });
  });

  it('drops a pending status that arrives after the verdict or once a later cycle began, so it cannot overwrite a newer state', () => {
    expect(planNotifications(phase(2, 'testing'), loopWith(), cycleDoc({ n: 2, phase: 'done', verdict: 'succeeded', commit: SHA }))?.sends).toEqual([]);
    expect(planNotifications(phase(1, 'analyzing'), loopWith({ currentCycle: 2 }), cycleDoc({ n: 1, phase: 'analyzing', commit: SHA }))?.sends).toEqual([]);
  });

  it('posts no status for a commit that is not a SHA (a deployment by hand that named none)', () => {
    expect(planNotifications(phase(2, 'testing'), loopWith(), cycleDoc({ n: 2, phase: 'testing', commit: 'main' }))?.sends).toEqual([]);
  });

  it('on await-fix: a failure status with the pass rate and reason, the issue, one Slack message and one webhook call', () => {
    const loop = loopWith({ history });
    const cycle = doneCycle(loop, { verdict: 'await-fix', verdictReason: 'failures need a code change (test-defect 1)', nextAction: 'push a fix to main' });
    const plan = planNotifications(verdict(2, 'await-fix'), loop, cycle)!;
    expect(plan.fact).toBe('c2-verdict');
    expect(sinks(plan.sends)).toEqual(['github-status', 'issue-open', 'slack', 'webhook']);
    const [status, issue, slack, webhook] = plan.sends as [Extract<Send, { status: unknown }>, Extract<Send, { open: unknown }>, Extract<Send, { message: unknown }>, Extract<Send, { payload: unknown }>];
    expect(status.status).toMatchObject({ state: 'failure', description: 'cycle 2: await-fix, pass rate 95.0 %: failures need a code change (test-defect 1)' });
    expect(issue.open.title).toBe('shop-main awaits a fix: cycle 2, pass rate 95.0 %: failures need a code change (test-defect 1)');
    expect(issue.open.labels).toEqual(['test-deploy-loop', 'await-fix']);
    expect(issue.open.body).toContain('pass rate 45.0 % → 95.0 %');
    expect(issue.open.body).toContain('## Failures by cause');
    expect(issue.open.body).toContain('1. **Why did the test fail?**');
    expect(issue.open.body).toContain('2. **Why was the expectation wrong?** The fixture counts a cancelled order.');
    expect(issue.open.body).toContain('**Most probable root cause:** the test expects the wrong count');
    // The rest of the report (deployment, guards) stays in the report.
    expect(issue.open.body).not.toContain('## Deployment');
    expect(issue.open.body).not.toContain('## Guards');
    expect(slack.message.text).toBe(
      '*shop-main* cycle 2: *await-fix*: failures need a code change (test-defect 1)\nPass rate 45.0 % → 95.0 % (20 tests, 1 failing); commit `3f1c2b9a`\nNext: push a fix to main',
    );
    expect(webhook.payload).toMatchObject({ type: 'verdict', loopId: 'shop-main', cycle: 2, verdict: 'await-fix', commit: SHA, passRate: 0.95, failing: 1, trend: [{ cycle: 1, passRate: 0.45 }, { cycle: 2, passRate: 0.95 }] });
  });

  it('on success: a success status and the issue closed with a comment; on redeploy a pending status and no issue', () => {
    const loop = loopWith({ history: [...history, { cycle: 3, commit: SHA, passRate: 1, tests: 20, verdict: 'succeeded', failureSignatures: [] }], currentCycle: 3 });
    const ok = planNotifications(verdict(3, 'succeeded'), loop, doneCycle(loop, { n: 3, verdict: 'succeeded', verdictReason: 'every criterion met', passRate: 1 }))!;
    expect(sinks(ok.sends)).toEqual(['github-status', 'issue-close', 'slack', 'webhook']);
    expect(ok.sends[0]).toMatchObject({ status: { state: 'success' } });
    expect(ok.sends[1]).toMatchObject({ close: { loopId: 'shop-main', comment: 'Loop **shop-main** succeeded in cycle 3 (commit `3f1c2b9a`): every criterion met. Pass rate 45.0 % → 95.0 % → 100.0 %. Closing.' } });
    const again = planNotifications(verdict(2, 'redeploy'), loop, doneCycle(loop, { verdict: 'redeploy', verdictReason: 'deployment failures' }))!;
    expect(sinks(again.sends)).toEqual(['github-status', 'slack', 'webhook']);
    expect(again.sends[0]).toMatchObject({ status: { state: 'pending' } });
  });

  it('the issue body makes nothing from test output live: no mention, no cross-reference, no link, no HTML', () => {
    const loop = loopWith({ history });
    const body = (planNotifications(verdict(2, 'await-fix'), loop, doneCycle(loop, { verdict: 'await-fix', verdictReason: 'r' }))!.sends[1] as Extract<Send, { open: unknown }>).open.body;
    // Rendered as GitHub would, with raw HTML and bare links allowed; mentions and references
    // are live only outside code, so what is left outside code must not hold them.
    const html = new MarkdownIt({ html: true, linkify: true }).render(body);
    expect(html).not.toMatch(/<script|<a |<img /i);
    const outsideCode = html.replace(/<code>[\s\S]*?<\/code>/g, '').replace(/<pre>[\s\S]*?<\/pre>/g, '');
    expect(outsideCode).not.toMatch(/@octocat|#12\b|acme\/other#3/);
    expect(html).toContain('@octocat'); // still there for a person to read, as code
  });

  it('sends nothing for events nobody is told about, and names one fact per event however often it comes', () => {
    const loop = loopWith();
    for (const e of [{ ...phase(2, 'testing'), type: 'progress' as const }, { loopId: 'shop-main', type: 'input-rejected' as const, at }, phase(2, 'superseded')]) {
      expect(eventFact(e)).toBeNull();
      expect(planNotifications(e, loop, cycleDoc({ n: 2 }))).toBeNull();
    }
    expect(eventFact(verdict(2, 'await-fix'))).toBe(eventFact({ ...verdict(2, 'await-fix'), at: '2026-11-24T11:00:00.000Z' }));
    expect(planNotifications(verdict(2, 'succeeded'), loopWith({}, NotifyConfig.parse({})), cycleDoc({ n: 2, phase: 'done' }))?.sends).toEqual([]);
  });

  it('Slack text cannot ping a channel or a person: <, > and & are escaped', () => {
    expect(slackEscape('<!channel> <@U123> a & b')).toBe('&lt;!channel&gt; &lt;@U123&gt; a &amp; b');
  });
});

describe('the notify config', () => {
  const base = { loopId: 'shop-main', services: [{ name: 'api' }], tests: { command: ['true'], results: ['r.xml'] } };
  it.each([
    [{ github: { repository: 'shop', token: { env: 'TDL_GITHUB_TOKEN' } } }, 'notify.github.repository: a repository is "owner/name"'],
    [{ github: { repository: 'acme/shop', token: {} } }, 'notify.github.token: name the secret'],
    [{ github: { repository: 'acme/shop', token: { env: 'GITHUB_TOKEN' } } }, 'notify.github.token.env: an environment variable for a secret is TDL_'],
    [{ github: { repository: 'acme/shop', token: { env: 'TDL_X', value: 'ghp_123' } } }, 'notify.github.token: Unrecognized key: "value"'],
    [{ slack: { webhookUrl: 'https://hooks.slack.com/services/T/B/X' } }, 'notify.slack.webhookUrl:'],
    [{ webhooks: [{ name: 'a', url: 'https://a.example' }, { name: 'a', url: 'https://b.example' }] }, 'notify.webhooks.1.name: webhook name "a" is used twice'],
  ])('%j is refused, naming the field', (notify, message) => {
    expect(() => parseLoopConfig({ ...base, notify })).toThrow(message);
  });

  it('defaults to no sinks, and a secret is stored by name only', () => {
    expect(parseLoopConfig(base).notify).toEqual({ webhooks: [], retry: { attempts: 4, firstPauseMs: 500 } });
    const c = parseLoopConfig({ ...base, notify: { github: { repository: 'acme/shop', token: { secret: 'tdl-github-token' } } } });
    expect(c.notify.github).toMatchObject({ apiUrl: 'https://api.github.com', token: { secret: 'tdl-github-token' }, issues: { enabled: true, labels: ['test-deploy-loop', 'await-fix'] } });
  });
});
