import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalEnvironment } from '../../shared/local/environment.js';
import type { FirestoreLoopStore } from '../../shared/adapters/firestore/loop-store.js';
import { createRecordResults } from '../../shared/chain/record-results/record-results.js';
import { runJob, JOB_EXIT } from '../../shared/chain/test-job/run-job.js';
import { readResultFiles } from '../../shared/results/ingest.js';
import { caseId, type TestCase } from '../../shared/results/model.js';
import { silentLogger } from '../../shared/adapters/json-logger.js';
import { systemClock, type Publisher } from '../../shared/ports/services.js';
import { loopDoc } from '../support/docs.js';
import { analyzeWithRules } from '../../shared/analysis/rule-based-analyzer.js';
import { readFile } from 'node:fs/promises';

/**
 * The test job from result files to Firestore on the emulator: what it stores is read back
 * the way the analyze step reads it.
 */
let environment: LocalEnvironment;
let store: FirestoreLoopStore;
let dir: string;
const published: Array<{ topic: string; message: unknown }> = [];
const publisher: Publisher = {
  publish: async (topic, message) => {
    published.push({ topic, message });
    return String(published.length);
  },
};
const record = () => createRecordResults({ store, publisher, clock: systemClock, log: silentLogger });

beforeAll(async () => {
  environment = await LocalEnvironment.start({ projectId: `demo-it-job-${randomUUID().slice(0, 8)}` });
  store = environment.store;
  dir = await mkdtemp(path.join(tmpdir(), 'tdl-job-it-'));
}, 90_000);

afterAll(async () => {
  await environment?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
}, 30_000);

/** A JUnit file of `n` cases over `suites` suites: every 7th fails, every 11th is skipped, every 13th errors. */
function junit(prefix: string, n: number, suites: number, options: { truncateAt?: number } = {}): string {
  const parts = ['<?xml version="1.0" encoding="utf-8"?>\n<testsuites>\n'];
  const perSuite = Math.ceil(n / suites);
  for (let s = 0; s < suites; s++) {
    parts.push(`<testsuite name="${prefix}-suite-${s}">\n`);
    for (let i = s * perSuite; i < Math.min(n, (s + 1) * perSuite); i++) {
      const attrs = `classname="${prefix}.Checkout" name="test_${i}" time="0.${String(i % 1000).padStart(3, '0')}"`;
      if (i % 13 === 0) parts.push(`<testcase ${attrs}><error message="boom ${i}">Traceback for ${i}</error></testcase>\n`);
      else if (i % 7 === 0) parts.push(`<testcase ${attrs}><failure message="assert ${i} == 0">expected 0, got ${i}</failure></testcase>\n`);
      else if (i % 11 === 0) parts.push(`<testcase ${attrs}><skipped message="later"/></testcase>\n`);
      else parts.push(`<testcase ${attrs}/>\n`);
    }
    parts.push('</testsuite>\n');
  }
  parts.push('</testsuites>\n');
  const text = parts.join('');
  return options.truncateAt === undefined ? text : text.slice(0, Math.floor(text.length * options.truncateAt));
}

async function testingCycle(loopId: string, jobId: string): Promise<void> {
  await store.putLoop(loopDoc({ loopId, currentCycle: 1 }), { reset: true });
  await store.transact({ loopId, cycle: 1 }, () => ({
    writes: { cycles: [{ n: 1, data: { loopId, n: 1, phase: 'testing', testJob: { jobId }, phaseAt: { testing: new Date().toISOString() } } }] },
    result: null,
  }));
}

/** `tdl job` with a suite that writes `files` (name -> content) into its own directory. */
async function job(loopId: string, jobId: string, files: Record<string, string>) {
  const cwd = await mkdtemp(path.join(dir, `${loopId}-`));
  const sources = path.join(cwd, 'sources');
  await writeFile(sources, JSON.stringify(files));
  const write = `const fs=require('fs');for(const [f,t] of Object.entries(JSON.parse(fs.readFileSync('sources','utf8'))))fs.writeFileSync(f,t)`;
  const lines: string[] = [];
  const result = await runJob({
    loopId,
    cycle: 1,
    jobId,
    command: [process.execPath, '-e', write],
    cwd,
    env: {},
    resultGlobs: ['*.xml'],
    timeoutSeconds: 60,
    say: (l) => lines.push(l),
    record: record(),
  });
  return { ...result, cwd, lines };
}

async function chunkDocs(loopId: string): Promise<string[]> {
  const snap = await environment.firestore.collection('loops').doc(loopId).collection('cycles').doc('1').collection('results').get();
  return snap.docs.map((d) => d.id);
}

const ids = (cases: TestCase[]) => cases.map((c) => c.id);

describe('the test job stores what the result files hold, streamed into chunks', () => {
  it('stores exactly the cases of the good files, with their totals and suites, and nothing of a truncated one', async () => {
    await testingCycle('job-files', 'job-files-c1');
    const files = {
      'a.xml': junit('a', 4000, 3),
      'b.xml': junit('b', 2500, 2),
      'c.xml': junit('c', 3000, 2, { truncateAt: 0.6 }),
    };
    const { exitCode, run, cwd } = await job('job-files', 'job-files-c1', files);

    // What the same files hold, read into memory the way `tdl results` reads them.
    const expected = await readResultFiles([path.join(cwd, 'a.xml'), path.join(cwd, 'b.xml')]);
    expect(expected.cases).toHaveLength(6500);
    expect(exitCode).toBe(JOB_EXIT.testsFailed);
    expect(run.totals).toEqual(expected.totals);
    expect(run.rejected).toEqual([{ path: path.join(cwd, 'c.xml'), reason: expect.stringMatching(/c\.xml: ends inside <.*>: truncated/) }]);

    const stored = await store.readResults('job-files', 1);
    expect(ids(stored)).toEqual(ids(expected.cases));
    expect(stored.some((c) => c.suite.startsWith('c-'))).toBe(false);
    expect(stored.find((c) => c.id === caseId({ suite: 'a-suite-0', className: 'a.Checkout', name: 'test_7' }))).toMatchObject({
      status: 'failed',
      message: 'assert 7 == 0',
      durationMs: 7,
    });

    const cycle = await store.getCycle('job-files', 1);
    expect(cycle?.phase).toBe('analyzing');
    expect(cycle?.totals).toEqual({ tests: 6500, passed: expected.totals.passed, failed: expected.totals.failed, errors: expected.totals.errors, skipped: expected.totals.skipped, flaky: 0, durationMs: expected.totals.durationMs });
    expect(cycle?.totals?.errors).toBe(Math.ceil(4000 / 13) + Math.ceil(2500 / 13));
    expect(cycle?.suites.map((s) => [s.name, s.tests]).sort()).toEqual([
      ['a-suite-0', 1334],
      ['a-suite-1', 1334],
      ['a-suite-2', 1332],
      ['b-suite-0', 1250],
      ['b-suite-1', 1250],
    ]);
    expect(cycle?.rejected.map((r) => r.path)).toEqual([path.join(cwd, 'c.xml')]);
    expect(cycle?.resultChunks).toBeGreaterThan(4);
    expect(await chunkDocs('job-files')).toHaveLength(cycle!.resultChunks);
    const finished = published.find((p) => p.topic === 'tests-finished' && (p.message as { loopId: string }).loopId === 'job-files');
    expect(finished?.message).toMatchObject({ totals: { tests: 6500 }, resultChunks: cycle!.resultChunks });
  });

  it('a file whose suite declares tests but lists none is a problem with its counts, and the cycle cannot pass on it', async () => {
    await testingCycle('job-declared', 'job-declared-c1');
    const cutShort = await readFile(path.join(import.meta.dirname, '../fixtures/results/pytest-cut-short.xml'), 'utf8');
    const passing = '<testsuite name="smoke" tests="2"><testcase name="home" time="0.2"/><testcase name="health" time="0.1"/></testsuite>';
    const { exitCode, run, cwd } = await job('job-declared', 'job-declared-c1', { 'pytest.xml': cutShort, 'smoke.xml': passing });
    const declared = { tests: 14, failures: 4, errors: 0, skipped: 1 };
    expect(exitCode).toBe(JOB_EXIT.testsFailed);
    expect(run.totals).toMatchObject({ tests: 2, passed: 2 });
    expect(run.rejected).toEqual([{ path: path.join(cwd, 'pytest.xml'), reason: expect.stringContaining('suite "pytest" declares 14 tests (4 failures, 0 errors, 1 skipped) but lists no <testcase>'), declared }]);

    const [loop, cycle] = [await store.getLoop('job-declared'), await store.getCycle('job-declared', 1)];
    expect(cycle?.rejected).toEqual(run.rejected);
    const { facts } = analyzeWithRules({ loop: loop!, cycle: cycle!, cases: await store.readResults('job-declared', 1), previous: null, labels: [] });
    expect(facts.passRate).toBe(1);
    expect(facts.criteriaMet).toBe(false);
    expect(facts.unmet).toEqual([`${path.join(cwd, 'pytest.xml')}: its suites declare 14 tests but list none`]);
  });

  it('a run of the job after one that stored more chunks leaves only its own', async () => {
    await testingCycle('job-rerun', 'job-rerun-c1');
    // An earlier run stored 6,000 cases and died before moving the cycle on.
    const earlier = await readResultFiles([await fileWith('earlier.xml', junit('old', 6000, 2))]);
    const earlierChunks = await store.saveResults('job-rerun', 1, 'job-rerun-c1@2026-12-01T10:00:00.000Z', earlier.cases);
    expect(earlierChunks).toBeGreaterThan(4);

    const { exitCode, run } = await job('job-rerun', 'job-rerun-c1', { 'r.xml': junit('r', 1200, 1) });
    expect(exitCode).toBe(JOB_EXIT.testsFailed);
    expect(run.totals.tests).toBe(1200);
    const stored = await store.readResults('job-rerun', 1);
    expect(stored).toHaveLength(1200);
    expect(stored.every((c) => c.suite === 'r-suite-0')).toBe(true);
    const cycle = await store.getCycle('job-rerun', 1);
    expect(await chunkDocs('job-rerun')).toHaveLength(cycle!.resultChunks);
    expect(cycle!.resultChunks).toBeLessThan(earlierChunks);
  });

  it('a job whose cycle moved on exits 4 and leaves the stored results as they were', async () => {
    await testingCycle('job-late', 'job-late-c1');
    const first = await job('job-late', 'job-late-c1', { 'a.xml': junit('a', 3000, 2) });
    expect(first.exitCode).toBe(JOB_EXIT.testsFailed);
    const before = await store.readResults('job-late', 1);
    const docs = await chunkDocs('job-late');

    // Relaunched for the same cycle, with other results: the cycle is analyzing now.
    const again = await job('job-late', 'job-late-c1', { 'a.xml': junit('z', 500, 1) });
    expect(again.exitCode).toBe(JOB_EXIT.notRecorded);
    expect(await store.readResults('job-late', 1)).toEqual(before);
    expect(await chunkDocs('job-late')).toEqual(docs);
  });
});

async function fileWith(name: string, text: string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, text);
  return file;
}
