import { parentPort, workerData } from 'node:worker_threads';
import { ConfigError } from '../../shared/kernel/errors.js';
import { runJobCommand, type JobArgs } from './job-run.js';

// The job's worker thread (cli/commands/job.ts starts it with a bounded heap).
try {
  parentPort!.postMessage({ exitCode: await runJobCommand(workerData as JobArgs) });
} catch (error) {
  // An error's class does not cross threads: a config error is told apart here.
  if (error instanceof ConfigError) parentPort!.postMessage({ configError: error.message });
  else throw error;
}
