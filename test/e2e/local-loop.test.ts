import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { runTdlProcess } from '../support/run-tdl.js';

const root = path.resolve(import.meta.dirname, '../..');

const Summary = z.object({
  loopId: z.string(),
  status: z.string(),
  cycles: z.array(
    z.object({
      n: z.number(),
      commit: z.string(),
      total: z.number(),
      passed: z.number(),
      failed: z.number(),
      skipped: z.number(),
      passRate: z.number().nullable(),
      verdict: z.string(),
      overheadMs: z.number().nullable(),
    }),
  ),
  report: z.string(),
});

const run = runTdlProcess;

function listening(port: string): Promise<boolean> {
  return fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1000) })
    .then(() => true)
    .catch(() => false);
}

describe('tdl local on the bundled example', () => {
  it('converges in three cycles with a rising pass rate, and leaves no process behind', async () => {
    // Without the emulator variables, tdl local starts (and must stop) emulators of its own.
    const env = { ...process.env };
    delete env.PUBSUB_EMULATOR_HOST;
    delete env.FIRESTORE_EMULATOR_HOST;
    const result = await run(['local', '--config', 'examples/shop/tdl.config.json', '--json', '--reports', '.tdl/e2e-reports'], env);
    expect(result.code, result.stderr).toBe(0);

    const summary = Summary.parse(JSON.parse(result.stdout.trim().split('\n').at(-1)!));
    expect(summary.status).toBe('succeeded');
    expect(summary.cycles.map((c) => [c.n, c.total, c.passed, c.failed, c.verdict])).toEqual([
      [1, 20, 9, 11, 'await-fix'],
      [2, 20, 19, 1, 'await-fix'],
      [3, 20, 20, 0, 'succeeded'],
    ]);
    expect(summary.cycles.map((c) => c.passRate)).toEqual([0.45, 0.95, 1]);
    expect(new Set(summary.cycles.map((c) => c.commit)).size).toBe(3);
    for (const c of summary.cycles) expect(c.overheadMs).toBeGreaterThan(0);

    // Progress was told phase by phase, on stderr with --json.
    for (const phase of ['cycle 1: testing', 'cycle 1: analyzing', 'cycle 1: reporting', 'cycle 1: verdict await-fix', 'fix: running', 'cycle 3: verdict succeeded']) {
      expect(result.stderr).toContain(phase);
    }
    const report = await readFile(summary.report, 'utf8');
    expect(report).toContain('# Loop shop-main: succeeded');
    expect(report).toContain('3 cycles; pass rate 45.0 % → 95.0 % → 100.0 %.');
    expect(report).toMatch(/\| 1 \| `[0-9a-f]{8}` \| push \| 20 \| 9 \| 11 \| 45\.0 % \| await-fix \| failures need a code change \(database 10, test-defect 1\)/);
    expect(report).toContain('  line [45, 95, 100]');

    // Every emulator, function server and service it started is gone.
    const ports = [...result.stderr.matchAll(/(?:on|at) (?:http:\/\/)?127\.0\.0\.1:(\d+)/g)].map((m) => m[1]!);
    expect(ports.length).toBeGreaterThanOrEqual(3);
    for (const port of new Set(ports)) expect(await listening(port), `port ${port} still answers`).toBe(false);
  }, 180_000);

  it('says what is wrong with a bad config and exits 2', async () => {
    const result = await run(['local', '--config', 'test/fixtures/bad-loop-config.json'], process.env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('services: Too small: expected array to have >=1 items');
    expect(result.stderr).toContain('tests.results');
  });
});
