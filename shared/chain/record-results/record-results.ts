import type { TestsFinished } from '../messages.js';
import type { StreamedRun, TestCase } from '../../results/model.js';
import type { CycleDoc } from '../../domain/model.js';
import type { TxPlan, TxView } from '../../ports/loop-store.js';
import { outboxMessage } from '../lifecycle/outbox.js';
import { commitThenPublish, type ToPublish } from '../lifecycle/run-step.js';
import { redact } from '../../security/redact.js';
import { addSeconds } from '../../kernel/time.js';
import type { StepDeps, StepOutcome } from '../lifecycle/step-deps.js';

const MAX_MESSAGE_CHARS = 8 * 1024;
const MAX_OUTPUT_CHARS = 2 * 1024;

function clip(text: string | undefined, max: number): string | undefined {
  if (text === undefined) return undefined;
  return redact(text.length > max ? `${text.slice(0, max)}… [cut: ${text.length} characters in all]` : text);
}

interface Recorded extends ToPublish {
  /** The cycle moved to analyzing with this report's set; or not (it moved on), and the set is `ours` only if named. */
  recorded: boolean;
  ours: boolean;
}

export interface JobReport {
  loopId: string;
  cycle: number;
  jobId: string;
  /** Counted before `record` is called; its cases are read once, as they are stored. */
  run: StreamedRun;
  exitCode: number | null;
  crashed: boolean;
  commandStartedAt: string;
  commandFinishedAt: string;
}

/**
 * The test job's last act: stores the cases in chunks as they are read, then moves the cycle
 * from testing to analyzing, naming the result set it wrote, and publishes tests-finished,
 * all in one conditional transaction. A job whose cycle was superseded before it began stores
 * nothing; one whose cycle moved on while it wrote drops what it wrote, never read.
 */
export function createRecordResults(deps: StepDeps) {
  return async function recordResults(report: JobReport): Promise<StepOutcome> {
    const { loopId, cycle: n, jobId } = report;
    const before = await deps.store.getCycle(loopId, n);
    const set = resultSetOf(report);
    if (before?.resultSet === set) {
      // This very report was recorded: an earlier attempt committed and lost the answer (as
      // when Firestore went away mid-commit). Done; what that attempt did not publish, the
      // watchdog's sweep does (the job may publish only tests-finished and loop-events).
      return { kind: 'done', detail: `cycle ${n}: the results of ${jobId} were already recorded` };
    }
    if (!before || before.phase !== 'testing' || before.testJob?.jobId !== jobId) {
      return {
        kind: 'ignored',
        detail: `cycle ${n} is ${before?.phase ?? 'missing'} (job ${before?.testJob?.jobId ?? 'none'}): results of ${jobId} not recorded`,
      };
    }
    const chunks = await storeResults(deps, report, set);
    const now = deps.clock.now();
    const result = await commitThenPublish<Recorded>(deps, { loopId, cycle: n }, (view) => planRecord(view, report, set, chunks, now));
    if (!result.recorded) {
      if (!result.ours) await deps.store.dropResults(loopId, n, { set });
      return { kind: 'ignored', detail: `cycle ${n} moved on while ${jobId} stored its results` };
    }
    // Sets of earlier runs of the job are never read again: dropping them only saves storage.
    await deps.store.dropResults(loopId, n, { except: set }).catch((error: unknown) => {
      deps.log.warn(`cycle ${n}: earlier result sets not dropped: ${(error as Error).message}`, { loopId, cycle: n });
    });
    return { kind: 'done', detail: `cycle ${n}: ${report.run.totals.tests} results stored in ${chunks} chunks` };
  };
}

/** Stores the cases as result set `set`; a half-written set is dropped unless the cycle already names it. */
async function storeResults(deps: StepDeps, report: JobReport, set: string): Promise<number> {
  const { loopId, cycle: n } = report;
  try {
    return await deps.store.saveResults(loopId, n, set, sanitized(report.run.cases));
  } catch (error) {
    // Half written and never read unless the same report was recorded already: dropped so it does not linger.
    const named = await deps.store.getCycle(loopId, n).then((c) => c?.resultSet === set, () => true);
    if (!named) await deps.store.dropResults(loopId, n, { set }).catch(() => undefined);
    throw error;
  }
}

/** The pure part of recording: the cycle moves from testing to analyzing, naming `set`, if it still waits for this job. */
export function planRecord(view: TxView, report: JobReport, set: string, chunks: number, now: Date): TxPlan<Recorded> {
  const { cycle, loop } = view;
  const { loopId, cycle: n, jobId } = report;
  if (!cycle || !loop || cycle.phase !== 'testing' || cycle.testJob?.jobId !== jobId) {
    // The same report recorded before names this very set: it is the cycle's, keep it.
    return { result: { recorded: false, pending: [], ours: cycle?.resultSet === set } };
  }
  const at = now.toISOString();
  const finished = testsFinished(report, chunks);
  const t = report.run.totals;
  const entries = [
    outboxMessage(`tests-finished-${n}`, 'tests-finished', finished, at),
    outboxMessage(
      `analyzing-${n}`,
      'loop-events',
      {
        loopId,
        cycle: n,
        type: 'phase-changed',
        phase: 'analyzing',
        detail: `${t.tests} tests: ${t.passed} passed, ${t.failed} failed, ${t.errors} errors, ${t.skipped} skipped${report.crashed ? ' (suite crashed)' : ''}`,
        facts: { tests: t.tests, passed: t.passed, failed: t.failed, errors: t.errors, skipped: t.skipped },
        at,
      },
      at,
    ),
  ];
  const data: Partial<CycleDoc> = {
    phase: 'analyzing',
    totals: t,
    // The suites with the most failures first, so the console shows what matters.
    suites: [...report.run.suites].sort((a, b) => b.failed + b.errors - (a.failed + a.errors)).slice(0, 200),
    rejected: finished.rejected,
    resultChunks: chunks,
    resultSet: set,
    testJob: {
      ...cycle.testJob,
      jobId,
      exitCode: report.exitCode,
      crashed: report.crashed,
      commandStartedAt: report.commandStartedAt,
      commandFinishedAt: report.commandFinishedAt,
    },
    deadline: addSeconds(now, loop.config.deadlines.analysisSeconds),
    phaseAt: { analyzing: at },
    outbox: Object.fromEntries(entries),
  };
  return { writes: { cycles: [{ n, data }] }, result: { recorded: true, n, pending: entries, ours: true } };
}

function testsFinished(report: JobReport, chunks: number): TestsFinished {
  return {
    loopId: report.loopId,
    cycle: report.cycle,
    jobId: report.jobId,
    exitCode: report.exitCode,
    crashed: report.crashed,
    totals: report.run.totals,
    rejected: report.run.rejected.slice(0, 100),
    resultChunks: chunks,
    startedAt: report.commandStartedAt,
    finishedAt: report.commandFinishedAt,
  };
}

/**
 * The result set of one run of the job: the same report always names the same set (so a
 * repeated `record` writes the same chunks), another run of the job a set of its own.
 */
export function resultSetOf(report: Pick<JobReport, 'jobId' | 'commandStartedAt'>): string {
  return `${report.jobId}@${report.commandStartedAt}`.replace(/[^A-Za-z0-9_.:@-]/g, '_');
}

/**
 * Whatever produced the results: nothing that looks like a secret is stored, and no case is
 * so large that its chunk could reach Firestore's 1 MiB document limit.
 */
async function* sanitized(cases: Iterable<TestCase> | AsyncIterable<TestCase>): AsyncGenerator<TestCase> {
  for await (const c of cases) {
    yield {
      ...c,
      message: clip(c.message, MAX_MESSAGE_CHARS),
      details: clip(c.details, MAX_MESSAGE_CHARS),
      output: clip(c.output, MAX_OUTPUT_CHARS),
      detailsFullLength:
        c.detailsFullLength ?? ((c.message?.length ?? 0) + (c.details?.length ?? 0) > 2 * MAX_MESSAGE_CHARS ? (c.message?.length ?? 0) + (c.details?.length ?? 0) : undefined),
    };
  }
}
