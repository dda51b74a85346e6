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
  github: z.object({
    statuses: z.array(z.object({ sha: z.string(), state: z.string(), context: z.string(), description: z.string() })),
    issues: z.array(z.object({ number: z.number(), title: z.string(), labels: z.array(z.string()), state: z.string(), state_reason: z.string().nullable(), comments: z.array(z.string()) })),
  }),
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
    const result = await run(['local', '--config', 'examples/shop/tdl.config.json', '--json', '--reports', '.tdl/e2e-reports', '--fake-github'], env);
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
    // The fake GitHub got one pending status per phase and one final status per verdict, on
    // each cycle's commit, and one issue: opened on await-fix, updated, closed on success.
    const [c1, c2, c3] = summary.cycles.map((c) => c.commit);
    // A pending status that reaches notify after its cycle's verdict is dropped (it would hide
    // the verdict), so on a loaded machine a cycle may show fewer than its three pending ones,
    // and one that raced the verdict is followed by the verdict's again; what GitHub shows last
    // for each commit is its verdict.
    [c1, c2, c3].forEach((sha, i) => {
      const mine = summary.github.statuses.filter((s) => s.sha === sha);
      const verdict = new RegExp(`^cycle ${i + 1}: ${i < 2 ? 'await-fix' : 'succeeded'}, pass rate`);
      expect(mine.at(-1)?.description, `cycle ${i + 1}`).toMatch(verdict);
      expect(mine.at(-1)?.state).toBe(i < 2 ? 'failure' : 'success');
      const pending = mine.filter((s) => s.state === 'pending');
      expect(mine.filter((s) => s.state !== 'pending').every((s) => verdict.test(s.description))).toBe(true);
      expect(pending.length).toBeGreaterThanOrEqual(1);
      expect(pending.every((s) => /^cycle \d: (end-to-end tests running|analyzing: \d+ of 20 tests passed|deciding, pass rate)/.test(s.description))).toBe(true);
      expect(new Set(pending.map((s) => s.description.split(':')[1])).size, 'one status per phase').toBe(pending.length);
    });
    expect(new Set(summary.github.statuses.map((s) => s.context))).toEqual(new Set(['test-deploy-loop/shop-main']));
    expect(summary.github.issues).toEqual([
      {
        number: 1,
        title: 'shop-main awaits a fix: cycle 2, pass rate 95.0 %: failures need a code change (test-defect 1)',
        labels: ['test-deploy-loop', 'await-fix'],
        state: 'closed',
        state_reason: 'completed',
        comments: ['Loop **shop-main** succeeded in cycle 3 (commit `' + c3!.slice(0, 8) + '`): every criterion met: 20 tests, pass rate 100.0 %. Pass rate 45.0 % → 95.0 % → 100.0 %. Closing.'],
      },
    ]);
    expect(result.stderr).toMatch(/github: issue #1 opened: shop-main awaits a fix: cycle 1, pass rate 45\.0 %/);
    expect(result.stderr).toMatch(/github: status success on [0-9a-f]{8} \(test-deploy-loop\/shop-main\): cycle 3: succeeded/);

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
