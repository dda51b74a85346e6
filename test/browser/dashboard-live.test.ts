import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { openChromium, type OpenBrowser } from '../../scripts/chromium.js';
import { runLocalDashboard, type LocalDashboardRun } from '../../scripts/local-dashboard.js';

/**
 * What a newcomer sees after `npm start`: the real example loop (`tdl local --keep`, the
 * emulators of `tdl emulators exec`), its dashboard opened in a real headless Chromium while
 * the loop runs, followed live to the end, then its three pages read for the loop's figures.
 */
let browser: OpenBrowser;
let run: LocalDashboardRun;
let page: Page;
let url: string;

beforeAll(async () => {
  browser = await openChromium();
  run = runLocalDashboard({ reports: '.tdl/browser-reports' });
  url = await run.url;
  page = await browser.context.newPage();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await run?.stop();
  // What tdl local printed, for whoever reads a failure.
  if (run) await writeFile('.tdl/browser-reports/tdl-local.log', run.output()).catch(() => undefined);
});

/** The text of each row's cells. */
const cells = (p: Page, selector: string) => p.locator(selector).evaluateAll((rows) => rows.map((r) => Array.from(r.querySelectorAll('td'), (td) => td.textContent!.trim())));

describe('the dashboard of the example loop, opened while it runs', () => {
  it('follows the loop live to its end without a reload, then shows its real figures', async () => {
    // The list follows every loop: the first event of this run says the loop has started.
    await page.goto(url);
    await page.locator('#live-state.on').waitFor({ timeout: 20_000 });
    await page.waitForFunction(() => Number(document.body.dataset.events ?? 0) > 0, undefined, { timeout: 90_000 });

    await page.goto(`${url}loops/shop-main`);
    await page.locator('#live-state.on').waitFor({ timeout: 20_000 });
    expect(await page.locator('h1 .badge').textContent()).toBe('running');
    const navigations: string[] = [];
    page.on('framenavigated', (f) => navigations.push(f.url()));

    page.on('console', (m) => navigations.push(`console: ${m.text()}`));
    await page.locator('h1 .badge', { hasText: 'succeeded' }).waitFor({ timeout: 180_000 }).catch(async (error: Error) => {
      throw new Error(`${error.message}\nbrowser: ${navigations.join('\n')}\nlive log: ${(await page.locator('#events li').allTextContents()).join('\n')}\nbody: ${JSON.stringify(await page.evaluate(() => document.body.dataset))}`);
    });
    expect(navigations, 'the page was not reloaded').toEqual([]);
    expect(Number(await page.evaluate(() => document.body.dataset.refreshes))).toBeGreaterThan(0);
    const log = await page.locator('#events li').allTextContents();
    expect(log.some((l) => /shop-main #1\s+verdict await-fix/.test(l)), log.join('\n')).toBe(true);
    expect(log.some((l) => /shop-main #3\s+verdict succeeded/.test(l)), log.join('\n')).toBe(true);
    await run.held;

    // The chart: one point per cycle, at the pass rates the suite's JUnit XML gave.
    await page.reload();
    const points = page.locator('svg.chart g.point');
    expect(await points.count()).toBe(3);
    expect(await points.evaluateAll((gs) => gs.map((g) => [g.getAttribute('data-cycle'), g.getAttribute('data-pass-rate')]))).toEqual([
      ['1', '0.45'],
      ['2', '0.95'],
      ['3', '1'],
    ]);
    expect(await page.locator('svg.chart title').first().textContent()).toBe('Pass rate by cycle: cycle 1 45.0 %, cycle 2 95.0 %, cycle 3 100.0 %');
    const cycles = (await cells(page, 'table.cycles tbody tr')).map((r) => [r[0], r[2], r[4], r[5], r[6], r[7], r[9], r[10]]);
    expect(cycles).toEqual([
      ['3', 'fix', '20', '20', '0', '100.0 %', 'succeeded', 'every criterion met: 20 tests, pass rate 100.0 %'],
      ['2', 'fix', '20', '19', '1', '95.0 %', 'await-fix', 'failures need a code change (test-defect 1)'],
      ['1', 'push', '20', '9', '11', '45.0 %', 'await-fix', 'failures need a code change (database 10, test-defect 1)'],
    ]);
    expect(await cells(page, 'section:has(h2:text("Guards")) tr')).toContainEqual(['3 of 6']);

    // The list: the loop, its status and pass rate, its next action.
    await page.goto(url);
    const row = (await cells(page, 'tr[data-loop="shop-main"]'))[0]!;
    expect([row[0], row[1], row[2], row[4]]).toEqual(['shop-main', 'succeeded', '3', '100.0 %']);
    expect(row[5]).not.toBe('');

    // Cycle 1: the missing migration as a cluster with its five whys and their evidence.
    await page.goto(`${url}loops/shop-main/cycles/1`);
    const database = page.locator('article.cluster[data-category="database"]');
    expect(await database.locator('h3').textContent()).toMatch(/^database: 10 tests/);
    expect(await database.locator('p').first().textContent()).toBe('Signature database: relation "orders" does not exist');
    const whys = await database.locator('ol.whys > li > strong').allTextContents();
    expect(whys[0]).toBe('Why did 10 tests fail?');
    expect(whys.length).toBeGreaterThanOrEqual(3);
    const evidence = await database.locator('ul.why-evidence code').allTextContents();
    // Which steps the whys keep depends on what the service's log held by then; each names the missing table.
    expect(evidence.some((e) => e.includes('orders')), JSON.stringify(evidence)).toBe(true);
    expect(await database.locator('.root').textContent()).toContain('add or run the migration that creates "orders"');
    expect(await page.locator('article.cluster[data-category="test-defect"] h3').textContent()).toMatch(/^test-defect: 1 test/);
    const totals = (await cells(page, 'table.totals tbody tr'))[0]!;
    expect([totals[3], totals[4], totals[5], totals[6]]).toEqual(['45.0 %', '20', '9', '11']);
    const perf = (await cells(page, 'section:has(h2:text("Performance")) tbody tr'))[0]!;
    expect(perf[0]).toBe('catalogue p95');
    expect(perf[1]).toMatch(/^p95 \d+\.\d ms$/);
    const deployed = (await cells(page, 'section:has(h2:text("Deployment")) table >> nth=0 >> tbody tr'))[0]!;
    expect([deployed[0], deployed[2]]).toEqual(['shop-api', 'yes']);
    expect(deployed[3]).toMatch(/^ok \(200, \d+ ms\)$/);

    // Ctrl-C ends tdl local --keep: exit 0 (the loop succeeded), the dashboard is gone.
    expect(await run.stop()).toBe(0);
    expect(await fetch(url).then(() => 'answers', () => 'gone')).toBe('gone');
  }, 300_000);
});
