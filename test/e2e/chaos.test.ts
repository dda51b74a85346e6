import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const root = path.resolve(import.meta.dirname, '../..');
const Row = z.object({
  scenario: z.string(),
  loops: z.number(),
  completed: z.number(),
  lost: z.number(),
  doubled: z.number(),
  stuck: z.number(),
  badInputs: z.number(),
  rejected: z.number(),
});

describe('npm run chaos -- --quick', () => {
  // A scenario that cannot run shows as stuck with its error in stderr: the assertions below fail on it.
  it('loses, doubles and leaves stuck nothing, and rejects every bad input', async () => {
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      // Chaos starts emulators of its own (its scenarios restart them), so not these variables.
      const { PUBSUB_EMULATOR_HOST: _ps, FIRESTORE_EMULATOR_HOST: _fs, ...env } = process.env;
      const child = spawn(process.execPath, [path.join(root, 'dist/bench/chaos/main.js'), '--quick', '--json'], { cwd: root, env });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c) => (stdout += c));
      child.stderr.on('data', (c) => (stderr += c));
      child.on('exit', (c) => resolve({ code: c, stdout, stderr }));
    });
    const last = stdout.trim().split('\n').at(-1) ?? '';
    expect(last.startsWith('['), `no JSON table (exit ${code}):\n${stderr.slice(-3000)}`).toBe(true);
    const rows = z.array(Row).parse(JSON.parse(last));
    expect(rows.map((r) => r.scenario)).toEqual([
      'baseline',
      'delivered-3x',
      'late-and-stale',
      'superseding-push',
      'function-crashes',
      'test-job-dies',
      'pubsub-restart',
      'firestore-restart',
      'secrets-and-markup',
      'bad-input',
    ]);
    for (const r of rows) {
      expect({ scenario: r.scenario, lost: r.lost, doubled: r.doubled, stuck: r.stuck, unrejected: r.badInputs - r.rejected }, stderr).toEqual({
        scenario: r.scenario,
        lost: 0,
        doubled: 0,
        stuck: 0,
        unrejected: 0,
      });
    }
    const byName = Object.fromEntries(rows.map((r) => [r.scenario, r]));
    // Red then green: two cycles per loop; a superseding push adds one superseded cycle.
    expect(byName.baseline!.completed).toBe(2 * byName.baseline!.loops);
    // A kill can cost a cycle its test job (the watchdog then blocks the loop): each loop still
    // ends with a verdict, nothing doubled, nothing lost.
    expect(byName['function-crashes']!.completed).toBeGreaterThanOrEqual(byName['function-crashes']!.loops);
    expect(byName['test-job-dies']!.completed).toBe(byName['test-job-dies']!.loops);
    expect(byName['bad-input']!.badInputs).toBeGreaterThanOrEqual(30);
    // After the outage every loop still ended with a verdict: the outbox and the watchdog recovered
    // (usually red then green; a loop whose phase deadline passed during the outage is blocked).
    expect(byName['pubsub-restart']!.completed).toBeGreaterThanOrEqual(byName['pubsub-restart']!.loops);
    // Firestore restarted with what was committed: nothing to recover but the connections, so
    // every loop goes red then green as without the outage.
    expect(byName['firestore-restart']!.completed).toBe(2 * byName['firestore-restart']!.loops);
    expect(code).toBe(0);
  }, 600_000);
});
