import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { openChromium, type OpenBrowser } from '../../scripts/chromium.js';
import { ChainHarness, eventually } from '../support/harness.js';
import { startDashboard, type RunningDashboard } from '../../cli/ui/server.js';
import { followLoopEvents } from '../../cli/loop-events.js';
import { suitesOf, totalsOf } from '../../shared/results/ingest.js';
import { caseId, type TestCase } from '../../shared/results/model.js';

/**
 * The dashboard on a real loop whose tests print markup, in a real headless Chromium: what the
 * tests printed shows as text and nothing of it runs; the buttons exist only with
 * --allow-actions, and a post without this server's token or from another origin is refused.
 */
const h = new ChainHarness();
let browser: OpenBrowser;
let readOnly: RunningDashboard;
let steering: RunningDashboard;
let page: Page;

const HOSTILE_NAME = `<img src=x onerror="window.__pwned='name'">`;
const HOSTILE_MESSAGE = `expected 200 but got 500: <script>window.__pwned='script'</script>`;
const HOSTILE_DETAIL = `<img src=x onerror="window.__pwned='event'"><b>bold</b>`;
const LOOP = 'ui-hostile';

function dashboard(allowActions: boolean) {
  return startDashboard(
    { store: h.store, publisher: h.publisher, follow: (onEvent) => followLoopEvents(h.pubsub, onEvent) },
    { where: `project ${h.projectId}`, host: '127.0.0.1', port: 0, allowActions },
  );
}

beforeAll(async () => {
  await h.start();
  browser = await openChromium();
  page = await browser.context.newPage();
  readOnly = await dashboard(false);
  steering = await dashboard(true);
  await h.createLoop(LOOP);
  await h.publisher.publish('deploy-finished', {
    loopId: LOOP,
    trigger: 'push',
    branch: 'main',
    commit: 'badc0de'.padEnd(40, '0'),
    buildId: 'build-hostile-1',
    services: [{ name: 'api', url: h.serviceUrl, revision: 'api-1', ready: true }],
    finishedAt: new Date().toISOString(),
  });
  await eventually('the job launched', () => h.launches.some((l) => l.jobId === `${LOOP}-c1`));
  const cases: TestCase[] = [
    { id: caseId({ suite: 'e2e', name: 'fine' }), suite: 'e2e', name: 'fine', status: 'passed', durationMs: 30 },
    { id: caseId({ suite: 'e2e', name: HOSTILE_NAME }), suite: 'e2e', name: HOSTILE_NAME, status: 'failed', durationMs: 30, message: HOSTILE_MESSAGE },
  ];
  const at = new Date().toISOString();
  await h.recordResults({ loopId: LOOP, cycle: 1, jobId: `${LOOP}-c1`, run: { cases, totals: totalsOf(cases), suites: suitesOf(cases), files: [], rejected: [] }, exitCode: 1, crashed: false, commandStartedAt: at, commandFinishedAt: at });
  await eventually('cycle 1 done', async () => (await h.store.getCycle(LOOP, 1))?.phase === 'done');
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await readOnly?.close();
  await steering?.close();
  await h.stop();
});

const pwned = (p: Page) => p.evaluate(() => (window as unknown as { __pwned?: string }).__pwned ?? null);

describe('the dashboard shows what tests print as text', () => {
  it('renders hostile test names and messages literally on the cycle page, and runs none of it', async () => {
    await page.goto(`${readOnly.url}loops/${LOOP}/cycles/1`);
    const main = page.locator('main');
    const text = await main.innerText();
    expect(text).toContain(HOSTILE_NAME);
    expect(text).toContain(HOSTILE_MESSAGE);
    expect(await main.locator('img, script, iframe, object, [onerror], [onload]').count()).toBe(0);
    // The only script on the page is the dashboard's own.
    expect(await page.locator('script').evaluateAll((s) => s.map((x) => x.getAttribute('src')))).toEqual(['/assets/live.js']);
    expect(await pwned(page)).toBeNull();
  });

  it('shows a hostile live event as text in the event log', async () => {
    await page.goto(`${readOnly.url}loops/${LOOP}`);
    await page.locator('#live-state.on').waitFor({ timeout: 20_000 });
    await h.publisher.publish('loop-events', { loopId: LOOP, cycle: 1, type: 'progress', phase: 'testing', detail: HOSTILE_DETAIL, at: new Date().toISOString() });
    await page.locator('#events li .detail', { hasText: 'onerror' }).waitFor({ timeout: 30_000 });
    expect(await page.locator('#events li .detail').first().textContent()).toBe(HOSTILE_DETAIL);
    expect(await page.locator('main img, main b').count()).toBe(0);
    expect(await pwned(page)).toBeNull();
  });
});

describe('actions', () => {
  it('read-only by default: no buttons, and a post is not served', async () => {
    await page.goto(`${readOnly.url}loops/${LOOP}`);
    expect(await page.locator('form').count()).toBe(0);
    const r = await fetch(`${readOnly.url}loops/${LOOP}/cancel`, { method: 'POST', headers: { origin: readOnly.url.replace(/\/$/, '') } });
    expect(r.status).toBe(404);
  });

  it('with --allow-actions a button re-tests the deployment in a new cycle', async () => {
    await page.goto(`${steering.url}loops/${LOOP}`);
    expect(await page.locator('.actions button').allTextContents()).toEqual(['Re-run: deploy again', 'Re-run: test again', 'Cancel the loop']);
    await page.locator('button', { hasText: 'Re-run: test again' }).click();
    await page.locator('.flash').waitFor();
    expect(await page.locator('.flash').textContent()).toMatch(/^Published deploy-finished \S+;/);
    const launch = await eventually('cycle 2 launched', () => h.launches.find((l) => l.jobId === `${LOOP}-c2`));
    expect(launch.cycle).toBe(2);
    const cycle = await h.store.getCycle(LOOP, 2);
    expect([cycle?.trigger, cycle?.reason]).toEqual(['retest', expect.stringMatching(/^re-run from the dashboard by /)]);
  });

  it('refuses a post without the page token, or from another origin with it', async () => {
    const origin = steering.url.replace(/\/$/, '');
    await page.goto(`${steering.url}loops/${LOOP}`);
    const token = await page.locator('input[name="csrf"]').first().getAttribute('value');
    expect(token).toMatch(/^[\w-]{40,}$/);
    const post = (headers: Record<string, string>, body: string) =>
      fetch(`${steering.url}loops/${LOOP}/cancel`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body });
    expect((await post({ origin }, 'csrf=wrong')).status).toBe(403);
    expect((await post({ origin }, '')).status).toBe(403);
    expect((await post({ origin: 'http://evil.example' }, `csrf=${token}`)).status).toBe(403);
    // Nothing was cancelled by any of them.
    expect((await h.store.getLoop(LOOP))?.status).not.toBe('cancelled');
  });

  it('answers only to its own address on loopback (no DNS rebinding)', async () => {
    const port = new URL(readOnly.url).port;
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/', headers: { host: `attacker.example:${port}` } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(421);
    expect((await fetch(readOnly.url)).status).toBe(200);
  });
});
