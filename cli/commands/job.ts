import { Worker } from 'node:worker_threads';
import { UsageError, type Command } from '../command.js';
import { parse } from '../args.js';
import { ConfigError } from '../../shared/kernel/errors.js';
import type { JobArgs } from './job-run.js';

const usage = `Usage: tdl job [--results GLOB]... [--timeout SECONDS] -- COMMAND [ARGS...]

The test job's entry point (Cloud Run Job and local runtime alike). Runs the suite command,
streams its output with a running count, reads the result files matching the globs, stores
them in the cycle and publishes tests-finished.

Environment: TDL_LOOP_ID, TDL_CYCLE, TDL_JOB_ID (set by whoever launched the job),
TDL_RESULTS (comma-separated globs, when --results is not given), GOOGLE_CLOUD_PROJECT,
and the emulator hosts locally. TDL_URL_<SERVICE> and BASE_URL reach the suite unchanged.

Memory: the job holds its JavaScript heap to what a 128 MB job can afford (old space 64 MB,
semi-space 2 MB, in a worker thread) unless NODE_OPTIONS or node's own flags set
--max-old-space-size, which are then respected.

Exit: 0 all tests passed; 1 tests failed; 2 usage; 3 the suite crashed or wrote no
readable results; 4 the cycle had moved on, results not recorded.`;

/** The heap a job with 128 MB affords: V8's defaults let the heap grow far past what is alive. */
export const JOB_HEAP = { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 6 } as const;

export const jobCommand: Command = {
  name: 'job',
  usage,
  async run(argv) {
    const args = jobArgs(argv);
    if (heapFlagsGiven()) return (await import('./job-run.js')).runJobCommand(args);
    return runInBoundedHeap(args);
  },
};

function jobArgs(argv: string[]): JobArgs {
  const dash = argv.indexOf('--');
  if (dash < 0 || dash === argv.length - 1) throw new UsageError('give the suite command after --');
  const { values } = parse(argv.slice(0, dash), {
    results: { type: 'string', multiple: true },
    timeout: { type: 'string', default: '1800' },
  });
  const env = process.env;
  const loopId = env.TDL_LOOP_ID;
  const cycle = Number(env.TDL_CYCLE);
  const jobId = env.TDL_JOB_ID;
  if (!loopId || !jobId || !Number.isInteger(cycle) || cycle < 1) {
    throw new UsageError('TDL_LOOP_ID, TDL_CYCLE (a positive integer) and TDL_JOB_ID must be set');
  }
  const globs = values.results ?? (env.TDL_RESULTS ? env.TDL_RESULTS.split(',').map((s) => s.trim()).filter(Boolean) : []);
  if (globs.length === 0) throw new UsageError('no result globs: pass --results GLOB or set TDL_RESULTS');
  const timeoutSeconds = Number(values.timeout);
  if (!(timeoutSeconds > 0)) throw new UsageError(`--timeout must be a positive number of seconds, got ${values.timeout}`);
  return { loopId, cycle, jobId, command: argv.slice(dash + 1), globs, timeoutSeconds };
}

function heapFlagsGiven(): boolean {
  return [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].some((a) => a.startsWith('--max-old-space-size'));
}

/**
 * The job in a worker thread whose heap is bounded (JOB_HEAP): the same process, so nothing
 * is added to the job's memory but the worker's small isolate, whoever starts `tdl job`.
 */
function runInBoundedHeap(args: JobArgs): Promise<number> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./job-worker.js', import.meta.url), { workerData: args, resourceLimits: JOB_HEAP });
    let answer: { exitCode?: number; configError?: string } = {};
    worker.on('message', (m: typeof answer) => (answer = m));
    worker.on('error', reject);
    worker.on('exit', () => {
      if (answer.configError !== undefined) reject(new ConfigError(answer.configError));
      else if (answer.exitCode !== undefined) resolve(answer.exitCode);
      else reject(new Error('the job\'s worker ended without an exit code'));
    });
  });
}
