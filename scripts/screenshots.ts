import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openChromium } from './chromium.js';
import { runLocalDashboard } from './local-dashboard.js';

/**
 * `npm run screenshots [-- --out DIR]`: runs the bundled example's loop (`tdl local --keep`,
 * as `npm start` does), then photographs the dashboard's three pages in headless Chromium:
 * DIR/dashboard-loops.png, dashboard-loop.png and dashboard-cycle.png (cycle 1, the one with
 * failures). DIR defaults to .tdl/screenshots; the README's picture is docs/dashboard-loop.png.
 */
const { values } = parseArgs({ options: { out: { type: 'string', default: '.tdl/screenshots' } } });
const out = path.resolve(values.out!);
await mkdir(out, { recursive: true });
const run = runLocalDashboard({ reports: path.join('.tdl', 'screenshots-reports') });
const browser = await openChromium().catch(async (error: Error) => {
  await run.stop();
  throw error;
});
try {
  const url = await run.url;
  process.stdout.write(`loop running, dashboard at ${url}; waiting for the loop to end\n`);
  await run.held;
  const page = await browser.context.newPage();
  const shots: Array<[string, string]> = [
    ['dashboard-loops.png', url],
    ['dashboard-loop.png', `${url}loops/shop-main`],
    ['dashboard-cycle.png', `${url}loops/shop-main/cycles/1`],
  ];
  for (const [file, address] of shots) {
    await page.goto(address);
    await page.locator('#live-state.on').waitFor({ timeout: 10_000 });
    await page.screenshot({ path: path.join(out, file), fullPage: true });
    process.stdout.write(`wrote ${path.relative(process.cwd(), path.join(out, file))}\n`);
  }
} catch (error) {
  process.stderr.write(`${run.output()}\n`);
  throw error;
} finally {
  await browser.close();
  await run.stop();
}
