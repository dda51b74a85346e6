import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { runTdlProcess } from '../support/run-tdl.js';

const root = path.resolve(import.meta.dirname, '../..');

const Summary = z.object({
  status: z.string(),
  cycles: z.array(z.object({ n: z.number(), total: z.number(), passed: z.number(), failed: z.number(), verdict: z.string() })),
  report: z.string(),
});

const run = runTdlProcess;

const listening = (port: string) =>
  fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1000) })
    .then(() => true)
    .catch(() => false);

/**
 * A loop on a server nobody here wrote: json-server from npm serving a blog's db.json, tested by a
 * pytest suite (14 tests in 3 files). The first deploy's data lacks the `comments` collection;
 * the example's fix adds it (examples/json-server/history/02-comments).
 */
describe('tdl local on a third-party server (json-server, pytest)', () => {
  it('names the missing /comments resource as one cause, from what the server printed, and converges', async () => {
    const pytest = spawnSync('python3', ['-c', 'import pytest, requests'], { encoding: 'utf8' });
    expect(pytest.status, `python3 with pytest and requests is needed (Debian: apt-get install -y python3-pytest python3-requests): ${pytest.stderr}`).toBe(0);
    const env = { ...process.env };
    delete env.PUBSUB_EMULATOR_HOST;
    delete env.FIRESTORE_EMULATOR_HOST;
    // vitest sets NODE_ENV=test, which the services inherit, and json-server logs no requests under it.
    delete env.NODE_ENV;
    const result = await run(['local', '--config', 'examples/json-server/tdl.config.json', '--json', '--reports', '.tdl/e2e-third-party'], env);
    expect(result.code, result.stderr).toBe(0);

    const summary = Summary.parse(JSON.parse(result.stdout.trim().split('\n').at(-1)!));
    expect(summary.status).toBe('succeeded');
    expect(summary.cycles.map((c) => [c.n, c.total, c.passed, c.failed, c.verdict])).toEqual([
      [1, 14, 10, 4, 'await-fix'],
      [2, 14, 14, 0, 'succeeded'],
    ]);

    const cycle1 = await readFile(path.join(path.dirname(summary.report), 'cycle-1.md'), 'utf8');
    const failures = cycle1.slice(cycle1.indexOf('## Failures by cause'), cycle1.indexOf('## Suites'));
    // One cluster for the four tests on the missing collection, however their assertions read.
    expect(failures.match(/^### .*$/gm)).toEqual(['### product-defect: 4 tests (confidence 0.60) · cluster 1']);
    expect(failures).toContain('Signature `product-defect: /comments answered 404`');
    for (const t of ['test_list_comments', 'test_get_comment', 'test_comments_of_post', 'test_create_comment']) expect(failures).toContain(t);
    // Past the symptom: the other resources answered, and the server's start-up said what it serves.
    expect(failures).toContain('while the same service answered /posts, /profile');
    expect(failures).toMatch(/\*\*Does the service serve \/comments\?\*\* no: at start it listed the resources it serves, \/posts, \/profile, and \/comments is not among them \(evidence: `http:\/\/127\.0\.0\.1:\d+\/posts`; `http:\/\/127\.0\.0\.1:\d+\/profile`\)/);
    expect(failures).toMatch(/\*\*Most probable root cause:\*\* the service does not serve \/comments: GET \/comments, [^\n]*answered 404, and what it listed at start \(\/posts, \/profile\) lacks it/);

    const cycle2 = await readFile(path.join(path.dirname(summary.report), 'cycle-2.md'), 'utf8');
    expect(cycle2).toMatch(/Fixed: [^\n]*test_list_comments/);

    const ports = [...result.stderr.matchAll(/(?:on|at) (?:http:\/\/)?127\.0\.0\.1:(\d+)/g)].map((m) => m[1]!);
    expect(ports.length).toBeGreaterThanOrEqual(3);
    for (const port of new Set(ports)) expect(await listening(port), `port ${port} still answers`).toBe(false);
  }, 240_000);
});
