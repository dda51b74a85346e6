// The bundled example's contract, without the emulators: on a private copy of examples/shop,
// the loop config's own commands (setup, deploy, start, tests, fix) run the way the local
// runtime runs them, and each commit of the history gives the failures the loop must find.
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLoopConfig, type LoopConfig } from '../../../shared/config/loop-config.js';
import { runCommand, serviceUrlEnv, spawnCommand } from '../../../shared/process/commands.js';
import { freePort, httpOk, waitFor } from '../../../shared/process/process-group.js';
import { findResultFiles, readResultFiles } from '../../../shared/results/ingest.js';
import { classifyFailure } from '../../../shared/analysis/classify.js';

const example = path.resolve(import.meta.dirname, '../../../examples/shop');

interface CommitRun {
  commit: string;
  deployLog: string;
  tests: number;
  passed: number;
  failed: number;
  categories: Record<string, number>;
  durationsMs: number[];
  messages: string[];
  details: string[];
}

let root: string;
let config: LoopConfig;
let workdir: string;

const exec = async (argv: string[], cwd: string, env: Record<string, string> = {}) => {
  const r = await runCommand(argv.join(' '), argv, { cwd, env, timeoutSeconds: 120 });
  return { code: r.exitCode, out: r.tail };
};

async function runCommit(): Promise<CommitRun> {
  const commit = (await exec(['git', 'rev-parse', 'HEAD'], workdir)).out.trim();
  const deploy = await exec(config.deploy!.command, workdir, { TDL_COMMIT: commit });
  expect(deploy.code, deploy.out).toBe(0);

  const svc = config.services[0]!;
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const service = spawnCommand(svc.name, svc.start!.command, {
    cwd: workdir,
    env: { PORT: String(port), TDL_SERVICE: svc.name, TDL_COMMIT: commit },
  });
  try {
    await waitFor(`${svc.name} health`, () => httpOk(`${url}${svc.healthPath}`), svc.readyTimeoutSeconds * 1000);
    const tests = await exec(config.tests.command, workdir, serviceUrlEnv({ [svc.name]: url }));
    const files = await findResultFiles(workdir, config.tests.results);
    expect(files, tests.out).toHaveLength(1);
    const run = await readResultFiles(files);
    const failures = run.cases.filter((c) => c.status === 'failed' || c.status === 'error');
    expect(tests.code, 'the suite exits non-zero exactly when a test fails').toBe(failures.length ? 1 : 0);
    const categories: Record<string, number> = {};
    for (const f of failures) {
      const { category } = classifyFailure({ runner: 'node', test: f.name, message: f.message, details: f.details, file: f.file });
      categories[category] = (categories[category] ?? 0) + 1;
    }
    return {
      commit,
      deployLog: deploy.out,
      tests: run.totals.tests,
      passed: run.totals.passed,
      failed: run.totals.failed + run.totals.errors,
      categories,
      durationsMs: run.cases.map((c) => c.durationMs ?? 0),
      messages: failures.map((f) => f.message ?? ''),
      details: failures.map((f) => f.details ?? ''),
    };
  } finally {
    await service.stop(2000);
  }
}

describe('the bundled example (examples/shop)', () => {
  beforeAll(() => {
    root = mkdtempSync(path.join(tmpdir(), 'tdl-shop-'));
    // A copy, so this test never touches a working copy a running loop may be using.
    cpSync(example, root, { recursive: true, filter: (src) => !path.relative(example, src).split(path.sep).includes('.work') });
    config = parseLoopConfig(JSON.parse(readFileSync(path.join(root, 'tdl.config.json'), 'utf8')), 'examples/shop/tdl.config.json');
    workdir = path.resolve(root, config.workdir);
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('has a config the loop accepts, with a working copy the repository ignores', () => {
    expect(config.loopId).toBe('shop-main');
    expect(config.services.map((s) => [s.name, s.critical, s.healthPath])).toEqual([['shop-api', true, '/healthz']]);
    expect(config.criteria.minPassRate).toBe(1);
    expect(config.guards.maxCycles).toBe(6);
    expect(config.fix).toBeDefined();
    const ignored = readFileSync(path.join(example, '.gitignore'), 'utf8').split('\n').map((l) => l.trim().replace(/\/$/, ''));
    expect(ignored).toContain(config.workdir.replace(/^\.\//, '').replace(/\/$/, ''));
  });

  it('builds the same three commits on every setup', async () => {
    const shas = async () => {
      const setup = await exec(config.setup!.command, root);
      expect(setup.code, setup.out).toBe(0);
      return (await exec(['git', 'rev-list', '--reverse', 'c3'], workdir)).out.trim().split('\n');
    };
    const first = await shas();
    expect(first).toHaveLength(3);
    expect(await shas()).toEqual(first);
    expect((await exec(['git', 'rev-parse', 'HEAD'], workdir)).out.trim()).toBe(first[0]);
  });

  it('converges in three commits: database and test-defect, then test-defect, then green', async () => {
    const setup = await exec(config.setup!.command, root);
    expect(setup.code, setup.out).toBe(0);
    const runs: CommitRun[] = [];
    const fixes: Array<{ code: number | null; out: string }> = [];
    for (let i = 0; i < 3; i++) {
      runs.push(await runCommit());
      fixes.push(await exec(config.fix!.command, workdir));
    }

    expect(runs.map((r) => [r.tests, r.passed, r.failed, r.categories])).toEqual([
      [20, 9, 11, { database: 10, 'test-defect': 1 }],
      [20, 19, 1, { 'test-defect': 1 }],
      [20, 20, 0, {}],
    ]);
    expect(new Set(runs.map((r) => r.commit)).size).toBe(3);
    // Real round trips: every case took measurable time.
    for (const r of runs) for (const ms of r.durationsMs) expect(ms).toBeGreaterThan(0);
    // What a person (and the analyzer) reads: the body of the 503 and the test's own TypeError.
    // (Node 20's junit reporter double-escapes quotes in the message attribute; the element text is clean.)
    expect(runs[0]!.messages.filter((m) => /^expected \d+ but got 503: .*relation .*orders.* does not exist/.test(m))).toHaveLength(10);
    expect(runs[0]!.details.filter((d) => d.includes('expected 201 but got 503: {"error":"relation \\"orders\\" does not exist"}'))).toHaveLength(5);
    expect(runs[1]!.messages).toEqual(["Cannot read properties of undefined (reading 'length')"]);
    expect(runs[0]!.deployLog).not.toContain('orders');
    expect(runs[1]!.deployLog).toContain('created table orders');

    expect(fixes.map((f) => f.code)).toEqual([0, 0, 1]);
    expect(fixes[0]!.out).toMatch(/^fix: pushed c2 [0-9a-f]+: orders migration$/);
    expect(fixes[1]!.out).toMatch(/^fix: pushed c3 [0-9a-f]+: fix products search test$/);
    expect(fixes[2]!.out).toContain('is the last commit');
  });
});
