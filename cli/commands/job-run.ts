import { runJob } from '../../shared/chain/test-job/run-job.js';
import { isTransientFault, jobServices } from '../../shared/composition-job.js';
import { retryTransient } from '../../shared/kernel/retry.js';

/** What `tdl job` was asked to do, checked (cli/commands/job.ts). */
export interface JobArgs {
  loopId: string;
  cycle: number;
  jobId: string;
  command: string[];
  globs: string[];
  timeoutSeconds: number;
}

/** The test job's work: run the suite, store its results, say so. Returns the exit code. */
export async function runJobCommand({ loopId, cycle, jobId, command, globs, timeoutSeconds }: JobArgs): Promise<number> {
  const svc = jobServices();
  try {
    const { exitCode } = await runJob({
      loopId,
      cycle,
      jobId,
      command,
      cwd: process.cwd(),
      env: {},
      resultGlobs: globs,
      timeoutSeconds,
      say: (line) => process.stdout.write(`${line}\n`),
      progress: async (seconds, outcomes) => {
        await svc.publisher.publish('loop-events', {
          loopId,
          cycle,
          type: 'progress',
          phase: 'testing',
          detail: `test job ${jobId}: ${seconds} s, ${outcomes} tests reported so far`,
          facts: { seconds, outcomes },
          at: new Date().toISOString(),
        });
      },
      // The suite is not run again because Firestore blinked: recording waits out an outage.
      record: (report) => retryTransient('recording the results', () => svc.recordResults(report), { isTransient: isTransientFault, say: (line) => process.stdout.write(`job ${jobId}: ${line}\n`) }),
    });
    return exitCode;
  } finally {
    await svc.close();
  }
}
