import { stat } from 'node:fs/promises';
import { findResultFiles, openResultFiles } from '../../results/ingest.js';
import type { RunSummary, TestCase } from '../../results/model.js';
import { createRedactor } from '../../security/redact.js';
import { runCommand } from '../../process/commands.js';
import type { JobReport } from '../record-results/record-results.js';
import type { StepOutcome } from '../lifecycle/step-deps.js';

export interface JobOptions {
  loopId: string;
  cycle: number;
  jobId: string;
  command: string[];
  cwd: string;
  env: Record<string, string>;
  resultGlobs: string[];
  timeoutSeconds: number;
  say: (line: string) => void;
  /** Environment whose secret-looking values are removed from stored output (default: this process's). */
  secretsFrom?: Record<string, string | undefined>;
  /** Told every few seconds while the suite runs: seconds so far and outcomes seen. */
  progress?: (seconds: number, outcomes: number) => Promise<void>;
  /** Stores the results and publishes tests-finished (the record-results step). */
  record: (report: JobReport) => Promise<StepOutcome>;
}

/** Exit codes of `tdl job`: a crashed suite is told apart from a failing one. */
export const JOB_EXIT = { passed: 0, testsFailed: 1, usage: 2, crashed: 3, notRecorded: 4 } as const;

/** Lines that report one test's outcome in common runners' console output. */
const OUTCOME_LINE = /^\s*(✔|✓|✖|✗|×|ok \d|not ok \d|PASS(ED)?\b|FAIL(ED)?\b|.+ (PASSED|FAILED|ERROR)( |$))/;

/**
 * The test job: runs the suite, streams its output with a running count, counts the result
 * files and hands them to `record`, which reads their cases as it stores them (memory stays
 * flat whatever their size). Used by the Cloud Run Job and the local runtime alike.
 */
export async function runJob(options: JobOptions): Promise<{ exitCode: number; run: RunSummary; crashed: boolean }> {
  const { say } = options;
  say(`job ${options.jobId}: running ${options.command.join(' ')} in ${options.cwd}`);
  let outcomes = 0;
  let lines = 0;
  const started = Date.now();
  const ticker = setInterval(() => {
    const seconds = Math.round((Date.now() - started) / 1000);
    say(`job ${options.jobId}: ${seconds} s, ${outcomes} tests reported so far`);
    void options.progress?.(seconds, outcomes).catch(() => undefined);
  }, 5000);
  const result = await runCommand('tests', options.command, {
    cwd: options.cwd,
    env: options.env,
    timeoutSeconds: options.timeoutSeconds,
    onLine: (line) => {
      lines++;
      if (OUTCOME_LINE.test(line)) outcomes++;
      say(`  | ${line}`);
    },
  }).finally(() => clearInterval(ticker));
  say(
    `job ${options.jobId}: suite ${result.timedOut ? 'timed out' : `exited ${result.exitCode ?? result.signal}`} after ${((Date.now() - started) / 1000).toFixed(1)} s (${lines} lines, ${outcomes} outcomes seen)`,
  );

  const found = await findResultFiles(options.cwd, options.resultGlobs);
  // A file older than this run is a previous run's: reading it would report tests that did not run.
  const since = Date.parse(result.startedAt) - 1000;
  const fresh: string[] = [];
  const stale: string[] = [];
  for (const f of found) ((await stat(f)).mtimeMs >= since ? fresh : stale).push(f);
  const files = fresh;
  const run = await openResultFiles(files);
  for (const f of stale) run.rejected.push({ path: f, reason: 'older than this run: left by an earlier run, not read' });
  if (files.length === 0) {
    run.rejected.push({ path: options.resultGlobs.join(', '), reason: 'the suite wrote no result file matching these globs' });
  }
  for (const r of run.rejected) say(`job ${options.jobId}: result file ${r.path} rejected: ${r.reason}`);
  // The job's own secrets (its environment's values) are known only here; the record step
  // removes the shapes of secrets in any case.
  const clean = createRedactor(options.secretsFrom ?? process.env);
  const read = run.cases;
  // Re-iterable like what it wraps: a retried `record` reads every case again.
  run.cases = {
    async *[Symbol.asyncIterator](): AsyncGenerator<TestCase> {
      for await (const c of read) {
        if (c.message) c.message = clean(c.message);
        if (c.details) c.details = clean(c.details);
        if (c.output) c.output = clean(c.output);
        yield c;
      }
    },
  };
  const crashed = result.exitCode === null || result.timedOut || run.totals.tests === 0;
  const t = run.totals;
  say(`job ${options.jobId}: ${t.tests} tests read from ${files.length} file(s): ${t.passed} passed, ${t.failed} failed, ${t.errors} errors, ${t.skipped} skipped`);

  const outcome = await options.record({
    loopId: options.loopId,
    cycle: options.cycle,
    jobId: options.jobId,
    run,
    exitCode: result.exitCode,
    crashed,
    commandStartedAt: result.startedAt,
    commandFinishedAt: result.finishedAt,
  });
  say(`job ${options.jobId}: ${outcome.detail}`);
  const summary: RunSummary = { totals: run.totals, suites: run.suites, files: run.files, rejected: run.rejected };
  if (outcome.kind !== 'done') return { exitCode: JOB_EXIT.notRecorded, run: summary, crashed };
  if (crashed) return { exitCode: JOB_EXIT.crashed, run: summary, crashed };
  // A file whose suites declare tests they do not list is missing results: not a pass.
  const missing = summary.rejected.some((r) => r.declared);
  return { exitCode: t.failed + t.errors > 0 || missing ? JOB_EXIT.testsFailed : JOB_EXIT.passed, run: summary, crashed };
}
