import { execFile } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { PassThrough } from 'node:stream';
import type { Firestore } from '@google-cloud/firestore';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulators, type Emulators } from '../../shared/local/emulators.js';
import { createFirestore, FirestoreLoopStore } from '../../shared/adapters/firestore/loop-store.js';
import { createNotify } from '../../shared/chain/notify/notify.js';
import { OctokitGitHub, loopIssueMarker } from '../../shared/adapters/github/octokit-github.js';
import { FetchWebhook } from '../../shared/adapters/webhook/fetch-webhook.js';
import { EnvSecretSource } from '../../shared/adapters/secrets/secret-sources.js';
import { createJsonLogger } from '../../shared/adapters/json-logger.js';
import { FakeGitHub } from '../../shared/local/fake-github.js';
import { NotifyConfig } from '../../shared/config/notify-config.js';
import { renderCycleReport } from '../../shared/report/markdown.js';
import { systemClock } from '../../shared/ports/services.js';
import type { LoopEvent } from '../../shared/chain/messages.js';
import type { CycleDoc, HistoryEntry, LoopDoc } from '../../shared/domain/model.js';
import { cycleDoc, loopDoc } from '../support/docs.js';
import { WebhookReceiver } from '../support/wire-servers.js';

/**
 * The notify step with its real adapters (Octokit, fetch, the environment's secrets) against
 * local servers speaking GitHub's REST and Slack's webhook wire formats, on the Firestore
 * emulator. Every request is recorded and asserted: paths, bodies, the auth header, and that
 * no secret reaches a log line or a stored document.
 */

const SHAS = ['1'.repeat(40), '2'.repeat(40), '3'.repeat(40)];
const SIGNING_SECRET = `whsec-${randomUUID()}`;
const at = () => new Date().toISOString();

let emulators: Emulators;
let firestore: Firestore;
let store: FirestoreLoopStore;
let github: FakeGitHub;
let hooks: WebhookReceiver;
let logs: string;
let secretsEnv: NodeJS.ProcessEnv;
let notify: ReturnType<typeof createNotify>;
let loopId: string;
const projectId = `demo-notify-${randomUUID().slice(0, 8)}`;
const root = path.resolve(import.meta.dirname, '../..');

beforeAll(async () => {
  emulators = await startEmulators();
  Object.assign(process.env, emulators.env);
  firestore = createFirestore({ projectId });
  store = new FirestoreLoopStore(firestore);
  github = new FakeGitHub();
  await github.start();
  hooks = new WebhookReceiver();
  await hooks.start();
  secretsEnv = { TDL_GH_TOKEN: github.token, TDL_SLACK_URL: hooks.slackUrl, TDL_HOOK_SECRET: SIGNING_SECRET };
}, 120_000);

afterAll(async () => {
  await github?.stop();
  await hooks?.stop();
  await firestore?.terminate();
  await emulators?.stop();
});

function config(patch: Partial<NotifyConfig> = {}): NotifyConfig {
  return NotifyConfig.parse({
    github: { repository: 'acme/shop', apiUrl: github.url, token: { env: 'TDL_GH_TOKEN', secret: 'tdl-github-token' } },
    slack: { webhookUrl: { env: 'TDL_SLACK_URL' } },
    webhooks: [{ name: 'agent', url: `${hooks.url}/hooks/agent`, signingSecret: { env: 'TDL_HOOK_SECRET' } }],
    retry: { attempts: 3, firstPauseMs: 20 },
    ...patch,
  });
}

beforeEach(async () => {
  loopId = `notify-${randomUUID().slice(0, 8)}`;
  github.requests.length = 0;
  github.statuses.length = 0;
  github.issues.length = 0;
  hooks.received.length = 0;
  logs = '';
  const sink = new PassThrough();
  sink.on('data', (c) => (logs += c));
  notify = createNotify({
    store,
    publisher: { publish: async () => { throw new Error('notify publishes nothing'); } },
    clock: systemClock,
    log: createJsonLogger('notify', { out: sink, err: sink }),
    github: new OctokitGitHub(createJsonLogger('notify', { out: sink, err: sink })),
    webhook: new FetchWebhook(),
    secrets: new EnvSecretSource(secretsEnv),
  });
  const base = loopDoc({ loopId, currentCycle: 1 });
  await store.putLoop({ ...base, config: { ...base.config, notify: config() } }, { reset: true });
});

/** Stores cycle n as the report step leaves it: done, with its verdict, history and report. */
async function verdictCycle(n: number, verdict: 'await-fix' | 'succeeded', passRate: number): Promise<LoopEvent> {
  const loop = (await store.getLoop(loopId))!;
  const entry: HistoryEntry = { cycle: n, commit: SHAS[n - 1]!, passRate, tests: 20, verdict, failureSignatures: [] };
  const history = [...loop.history, entry];
  const failed = Math.round(20 * (1 - passRate));
  const cycle: CycleDoc = cycleDoc({
    loopId,
    n,
    phase: 'done',
    commit: SHAS[n - 1],
    passRate,
    verdict,
    verdictReason: verdict === 'succeeded' ? 'every criterion met: 20 tests, pass rate 100.0 %' : `failures need a code change (database ${failed})`,
    nextAction: verdict === 'succeeded' ? 'nothing: the loop is done' : 'push a fix',
    totals: { tests: 20, passed: 20 - failed, failed, errors: 0, skipped: 0, flaky: 0, durationMs: 1000 },
    analysis: {
      clusters: failed
        ? [{ signature: 'database:relation does not exist', category: 'database', count: failed, tests: [], whys: [{ question: 'Why did orders fail?', answer: 'relation "orders" does not exist (ping @octocat)', evidence: [] }], rootCause: 'a missing migration' }]
        : [],
    },
  });
  // As the report step does, the write leaves the cycle's notifications alone.
  const { notifications: _kept, ...done } = { ...cycle, report: renderCycleReport({ ...loop, history }, cycle) };
  await store.transact({ loopId }, () => ({ writes: { loop: { history, currentCycle: n, status: verdict === 'succeeded' ? 'succeeded' : 'awaiting-fix' }, cycles: [{ n, data: done }] }, result: undefined }));
  return { loopId, cycle: n, type: 'verdict', verdict, detail: done.verdictReason, at: at() };
}

const calls = () => github.requests.map((r) => `${r.method} ${r.path}`);

describe('notify against GitHub, Slack and a webhook on local servers', () => {
  it('tells each sink once per event: a pending status per phase, then the verdict status, the issue, Slack and the webhook', async () => {
    await store.transact({ loopId }, () => ({ writes: { cycles: [{ n: 1, data: cycleDoc({ loopId, n: 1, phase: 'testing', commit: SHAS[0] }) }] }, result: undefined }));
    const testing: LoopEvent = { loopId, cycle: 1, type: 'phase-changed', phase: 'testing', at: at() };
    expect((await notify(testing, 'm1')).kind).toBe('done');
    const event = await verdictCycle(1, 'await-fix', 0.45);
    expect((await notify(event, 'm2')).detail).toContain('c1-verdict-github-issue sent');

    // The verdict's sends go side by side: their order is not fixed.
    // No open issue with the labels, nor among all open issues: a new one.
    expect([...calls()].sort()).toEqual(['GET /repos/acme/shop/issues', 'GET /repos/acme/shop/issues', 'POST /repos/acme/shop/issues', `POST /repos/acme/shop/statuses/${SHAS[0]}`, `POST /repos/acme/shop/statuses/${SHAS[0]}`]);
    for (const r of github.requests) {
      expect(r.headers.authorization).toBe(`token ${github.token}`);
      expect(r.headers['user-agent']).toMatch(/^test-deploy-loop/);
    }
    expect(github.statuses.map((s) => [s.state, s.context, s.description])).toEqual([
      ['pending', 'test-deploy-loop/' + loopId, 'cycle 1: end-to-end tests running'],
      ['failure', 'test-deploy-loop/' + loopId, 'cycle 1: await-fix, pass rate 45.0 %: failures need a code change (database 11)'],
    ]);
    const lists = github.requests.filter((r) => r.method === 'GET');
    expect(lists.map((r) => [r.query.state, r.query.labels])).toEqual([['open', 'test-deploy-loop,await-fix'], ['open', undefined]]);
    const [issue] = github.issues;
    expect(github.issues).toHaveLength(1);
    expect(issue).toMatchObject({ number: 1, state: 'open', labels: ['test-deploy-loop', 'await-fix'] });
    expect(issue!.title).toBe(`${loopId} awaits a fix: cycle 1, pass rate 45.0 %: failures need a code change (database 11)`);
    expect(issue!.body.startsWith(loopIssueMarker(loopId))).toBe(true);
    expect(issue!.body).toContain('1. **Why did orders fail?** relation "orders" does not exist (ping `@octocat`)');

    // Slack: one message in its wire format; the webhook: one signed JSON body.
    const slack = hooks.received.filter((r) => r.path.startsWith('/services/'));
    expect(slack).toHaveLength(1);
    expect(JSON.parse(slack[0]!.body).text).toContain(`*${loopId}* cycle 1: *await-fix*`);
    const hook = hooks.received.filter((r) => r.path === '/hooks/agent');
    expect(hook).toHaveLength(1);
    expect(JSON.parse(hook[0]!.body)).toMatchObject({ type: 'verdict', loopId, cycle: 1, verdict: 'await-fix', passRate: 0.45, trend: [{ cycle: 1, passRate: 0.45 }] });
    expect(hook[0]!.headers['x-tdl-signature']).toBe(`sha256=${createHmac('sha256', SIGNING_SECRET).update(hook[0]!.body).digest('hex')}`);

    const cycle = (await store.getCycle(loopId, 1))!;
    expect(Object.fromEntries(Object.entries(cycle.notifications).map(([id, r]) => [id, [r.sink, r.status, r.attempts]]))).toEqual({
      'c1-testing-github-status': ['github-status', 'sent', 1],
      'c1-verdict-github-status': ['github-status', 'sent', 1],
      'c1-verdict-github-issue': ['github-issue', 'sent', 1],
      'c1-verdict-slack': ['slack', 'sent', 1],
      'c1-verdict-webhook-agent': ['webhook agent', 'sent', 1],
    });
    expect(cycle.notifications['c1-verdict-github-issue']!.reason).toBe(`opened issue #1 ${github.url}/acme/shop/issues/1`);

    // A redelivery, and a second publish of the same verdict, send nothing.
    expect((await notify(event, 'm2')).kind).toBe('duplicate');
    expect((await notify({ ...event, at: at() }, 'm3')).kind).toBe('duplicate');
    expect(github.requests).toHaveLength(5);
    expect(hooks.received).toHaveLength(2);
  });

  it('keeps one issue per loop: updated while the loop awaits a fix, commented on and closed when it succeeds', async () => {
    await notify(await verdictCycle(1, 'await-fix', 0.45), 'a');
    await notify(await verdictCycle(2, 'await-fix', 0.95), 'b');
    expect(github.issues).toHaveLength(1);
    expect(github.issues[0]!.title).toContain('cycle 2, pass rate 95.0 %');
    expect(github.issues[0]!.body).toContain('pass rate 45.0 % → 95.0 %');
    await notify(await verdictCycle(3, 'succeeded', 1), 'c');
    expect(github.issues).toHaveLength(1);
    expect(github.issues[0]).toMatchObject({ state: 'closed', state_reason: 'completed' });
    expect(github.issues[0]!.comments).toEqual([`Loop **${loopId}** succeeded in cycle 3 (commit \`33333333\`): every criterion met: 20 tests, pass rate 100.0 %. Pass rate 45.0 % → 95.0 % → 100.0 %. Closing.`]);
    expect(calls().filter((c) => c.includes('/issues'))).toEqual([
      'GET /repos/acme/shop/issues', 'GET /repos/acme/shop/issues', 'POST /repos/acme/shop/issues',
      'GET /repos/acme/shop/issues', 'PATCH /repos/acme/shop/issues/1',
      'GET /repos/acme/shop/issues', 'POST /repos/acme/shop/issues/1/comments', 'PATCH /repos/acme/shop/issues/1',
    ]);
    const statuses = github.statuses.map((s) => `${s.sha.slice(0, 1)} ${s.state}`);
    expect(statuses).toEqual(['1 failure', '2 failure', '3 success']);
  });

  it('finds the loop\'s issue by its marker when GitHub dropped its labels (a token that may not set them): still one issue', async () => {
    await notify(await verdictCycle(1, 'await-fix', 0.45), 'l1');
    github.issues[0]!.labels = [];
    await notify(await verdictCycle(2, 'await-fix', 0.95), 'l2');
    expect(github.issues.map((i) => [i.number, i.state])).toEqual([[1, 'open']]);
    expect(github.issues[0]!.title).toContain('cycle 2, pass rate 95.0 %');
    expect(calls().filter((c) => c.includes('/issues')).slice(-3)).toEqual(['GET /repos/acme/shop/issues', 'GET /repos/acme/shop/issues', 'PATCH /repos/acme/shop/issues/1']);
  });

  it('retries a sink that fails for a while, records one that keeps failing, and never fails the event', async () => {
    github.failNext(2, 502, { message: 'Bad Gateway' });
    hooks.answers.push({ status: 404, body: 'no_service' }); // the first of the two hook calls: Slack or the webhook
    const event = await verdictCycle(1, 'await-fix', 0.45);
    const outcome = await notify(event, 'r1');
    expect(outcome.kind).toBe('done');
    const n = (await store.getCycle(loopId, 1))!.notifications;
    const failed = Object.values(n).filter((r) => r.status === 'failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.reason).toMatch(/HTTP 404: no_service$/);
    expect(failed[0]!.attempts).toBe(1); // a 404 will not pass: recorded at once
    // The two 502s were absorbed by retries of whichever GitHub sends met them.
    const github502 = Object.values(n).filter((r) => r.sink.startsWith('github'));
    expect(github502.every((r) => r.status === 'sent')).toBe(true);
    expect(github502.reduce((s, r) => s + r.attempts, 0)).toBe(2 + 2);
    expect(github.issues).toHaveLength(1);
    expect(github.statuses).toHaveLength(1);
  });

  it('waits out a Retry-After of a few seconds, and records at once one that asks for minutes', async () => {
    hooks.answers.push({ status: 429, body: 'rate_limited', headers: { 'retry-after': '1' } });
    const started = Date.now();
    await notify(await verdictCycle(1, 'await-fix', 0.45), 'ra1');
    const hookSinks = (n: Record<string, { sink: string; status: string; attempts: number; reason?: string }>) => Object.values(n).filter((r) => r.sink === 'slack' || r.sink === 'webhook agent');
    const first = hookSinks((await store.getCycle(loopId, 1))!.notifications);
    expect(first.map((r) => r.status)).toEqual(['sent', 'sent']);
    expect(first.reduce((s, r) => s + r.attempts, 0)).toBe(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);

    hooks.answers.push({ status: 429, body: 'rate_limited', headers: { 'retry-after': '120' } });
    await notify(await verdictCycle(2, 'await-fix', 0.95), 'ra2');
    const second = hookSinks((await store.getCycle(loopId, 2))!.notifications).filter((r) => r.status === 'failed');
    expect(second).toHaveLength(1);
    expect(second[0]!.reason).toMatch(/HTTP 429: rate_limited \(asked to wait 120 s\)$/);
    expect(second[0]!.attempts).toBe(1);
  });

  it('records a missing secret or bad credentials as failed, naming the variable, not a value', async () => {
    secretsEnv.TDL_GH_TOKEN = 'ghp_wrongtoken0000';
    delete secretsEnv.TDL_SLACK_URL;
    try {
      await notify(await verdictCycle(1, 'await-fix', 0.45), 's1');
    } finally {
      secretsEnv.TDL_GH_TOKEN = github.token;
      secretsEnv.TDL_SLACK_URL = hooks.slackUrl;
    }
    const n = (await store.getCycle(loopId, 1))!.notifications;
    expect(n['c1-verdict-slack']).toMatchObject({ status: 'failed', attempts: 1, reason: 'notify.slack.webhookUrl: environment variable TDL_SLACK_URL is not set' });
    expect(n['c1-verdict-github-status']).toMatchObject({ status: 'failed', attempts: 1 });
    expect(n['c1-verdict-github-status']!.reason).toMatch(/^github commit status on 11111111: HTTP 401: Bad credentials/);
    expect(logs).not.toContain('ghp_wrongtoken0000');

    // tdl status shows them: every failed notification, with its reason.
    const env = { ...process.env, ...emulators.env, GOOGLE_CLOUD_PROJECT: projectId };
    const text = (await promisify(execFile)(process.execPath, [path.join(root, 'bin/tdl.js'), 'status', loopId], { cwd: root, env })).stdout;
    expect(text).toMatch(/^1 +slack +verdict await-fix +failed +1 +\d\d:\d\d:\d\d +notify\.slack\.webhookUrl: environment variable TDL_SLACK_URL is not set$/m);
    expect(text).toMatch(/^1 +github-status +verdict await-fix +failed +1 .* HTTP 401: Bad credentials/m);
    const json = JSON.parse((await promisify(execFile)(process.execPath, [path.join(root, 'bin/tdl.js'), 'status', loopId, '--json'], { cwd: root, env })).stdout.trim().split('\n').at(-1)!);
    expect(json.cycles[0].notifications.map((r: { id: string; status: string }) => `${r.id} ${r.status}`).sort()).toEqual([
      'c1-verdict-github-issue failed', 'c1-verdict-github-status failed', 'c1-verdict-slack failed', 'c1-verdict-webhook-agent sent',
    ]);
  });

  it('a delivery that takes over from one that died sends only what was not recorded sent', async () => {
    const event = await verdictCycle(1, 'await-fix', 0.45);
    await store.recordNotification(loopId, 1, 'c1-verdict-github-status', { sink: 'github-status', event: 'verdict await-fix', status: 'sent', attempts: 1, at: at() });
    await notify(event, 'took-over');
    expect(github.statuses).toHaveLength(0);
    expect(github.issues).toHaveLength(1);
  });

  it('a pending status whose cycle had its verdict posted meanwhile is followed by the verdict\'s again, so the commit ends showing the verdict', async () => {
    await store.transact({ loopId }, () => ({ writes: { cycles: [{ n: 1, data: cycleDoc({ loopId, n: 1, phase: 'testing', commit: SHAS[0] }) }] }, result: undefined }));
    const testing: LoopEvent = { loopId, cycle: 1, type: 'phase-changed', phase: 'testing', at: at() };
    // The cycle ends, and its verdict's status is posted, while the pending one is on its way.
    const late = Object.create(store) as FirestoreLoopStore;
    late.recordNotification = async (...args) => {
      if (args[2] === 'c1-testing-github-status') {
        const verdict = await verdictCycle(1, 'await-fix', 0.45);
        await notify(verdict, 'v1');
      }
      return store.recordNotification(...args);
    };
    const racing = createNotify({ store: late, publisher: { publish: async () => '' }, clock: systemClock, log: createJsonLogger('notify', { out: new PassThrough(), err: new PassThrough() }), github: new OctokitGitHub(createJsonLogger('x', { out: new PassThrough(), err: new PassThrough() })), webhook: new FetchWebhook(), secrets: new EnvSecretSource(secretsEnv) });
    await racing(testing, 't1');
    expect(github.statuses.map((s) => s.state)).toEqual(['pending', 'failure', 'failure']);
    expect((await store.getCycle(loopId, 1))!.notifications['c1-testing-then-verdict-github-status']).toMatchObject({ status: 'sent', event: 'verdict await-fix (again, after a late testing status)' });
  });

  it('no secret reaches a log line, a stored notification or the dedup record', async () => {
    github.failNext(1, 500);
    await notify(await verdictCycle(1, 'await-fix', 0.45), 'x1');
    await notify(await verdictCycle(2, 'succeeded', 1), 'x2');
    const stored = JSON.stringify([
      await store.listCycles(loopId),
      await store.getLoop(loopId),
      (await firestore.collection('dedup').where('loopId', '==', loopId).get()).docs.map((d) => d.data()),
    ]);
    expect(logs.length).toBeGreaterThan(0);
    for (const secret of [github.token, hooks.slackUrl, 'xoxbsecretpart', SIGNING_SECRET]) {
      expect(logs, 'logs').not.toContain(secret);
      expect(stored, 'Firestore').not.toContain(secret);
    }
    expect(stored).toContain('TDL_GH_TOKEN'); // by name only
  });
});
