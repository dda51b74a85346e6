import type { TestsFinished } from '../../messages.js';
import type { TestRun } from '../../results/model.js';
import { flushOutbox, outboxMessage } from '../outbox.js';
import { redact } from '../../security/redact.js';
import { addSeconds } from './run-tests.js';
import type { StepDeps, StepOutcome } from './deps.js';

const MAX_MESSAGE_CHARS = 8 * 1024;
const MAX_OUTPUT_CHARS = 2 * 1024;

function clip(text: string | undefined, max: number): string | undefined {
  if (text === undefined) return undefined;
  return redact(text.length > max ? `${text.slice(0, max)}… [cut: ${text.length} characters in all]` : text);
}

export interface JobReport {
  loopId: string;
  cycle: number;
  jobId: string;
  run: TestRun;
  exitCode: number | null;
  crashed: boolean;
  commandStartedAt: string;
  commandFinishedAt: string;
}

/**
 * The test job's last act: stores the cases in chunks, moves the cycle from testing to
 * analyzing and publishes tests-finished. A job whose cycle was superseded stores nothing.
 */
export function createRecordResults(deps: StepDeps) {
  return async function recordResults(report: JobReport): Promise<StepOutcome> {
    const { loopId, cycle: n, jobId } = report;
    const before = await deps.store.getCycle(loopId, n);
    if (before?.testJob?.jobId === jobId && before.testJob.commandFinishedAt !== undefined) {
      // This job's own earlier attempt committed (it lost the answer, as when Firestore went
      // away mid-commit): done. What that attempt did not publish, the watchdog's sweep does
      // (the job may publish only tests-finished and loop-events, not every outbox topic).
      return { kind: 'done', detail: `cycle ${n}: the results of ${jobId} were already recorded` };
    }
    if (!before || before.phase !== 'testing' || before.testJob?.jobId !== jobId) {
      return {
        kind: 'ignored',
        detail: `cycle ${n} is ${before?.phase ?? 'missing'} (job ${before?.testJob?.jobId ?? 'none'}): results of ${jobId} not recorded`,
      };
    }
    // Whatever produced the results: nothing that looks like a secret is stored, and no case
    // is so large that its chunk could reach Firestore's 1 MiB document limit.
    const cases = report.run.cases.map((c) => ({
      ...c,
      message: clip(c.message, MAX_MESSAGE_CHARS),
      details: clip(c.details, MAX_MESSAGE_CHARS),
      output: clip(c.output, MAX_OUTPUT_CHARS),
      detailsFullLength:
        c.detailsFullLength ?? ((c.message?.length ?? 0) + (c.details?.length ?? 0) > 2 * MAX_MESSAGE_CHARS ? (c.message?.length ?? 0) + (c.details?.length ?? 0) : undefined),
    }));
    const chunks = await deps.store.saveResults(loopId, n, cases);
    const now = deps.clock.now();
    const at = now.toISOString();
    const finished: TestsFinished = {
      loopId,
      cycle: n,
      jobId,
      exitCode: report.exitCode,
      crashed: report.crashed,
      totals: report.run.totals,
      rejected: report.run.rejected.slice(0, 100),
      resultChunks: chunks,
      startedAt: report.commandStartedAt,
      finishedAt: report.commandFinishedAt,
    };
    const t = report.run.totals;
    const result = await deps.store.transact({ loopId, cycle: n }, ({ cycle, loop }) => {
      if (!cycle || !loop || cycle.phase !== 'testing' || cycle.testJob?.jobId !== jobId) {
        return { result: null };
      }
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
      return {
        writes: {
          cycles: [
            {
              n,
              data: {
                phase: 'analyzing',
                totals: t,
                // The suites with the most failures first, so the console shows what matters.
                suites: [...report.run.suites].sort((a, b) => b.failed + b.errors - (a.failed + a.errors)).slice(0, 200),
                rejected: finished.rejected,
                resultChunks: chunks,
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
              },
            },
          ],
        },
        result: entries,
      };
    });
    if (!result) return { kind: 'ignored', detail: `cycle ${n} moved on while ${jobId} stored its results` };
    await flushOutbox(deps, loopId, n, result);
    return { kind: 'done', detail: `cycle ${n}: ${t.tests} results stored in ${chunks} chunks` };
  };
}
