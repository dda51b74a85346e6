import { UsageError, type Command } from '../command.js';
import { parse } from '../args.js';
import { runJob } from '../../shared/chain/test-job/run-job.js';
import { isTransientFault, jobServices } from '../../shared/composition-job.js';
import { retryTransient } from '../../shared/kernel/retry.js';
import { audienceOf } from '../../shared/adapters/http/authorization.js';
import type { IdTokenSource } from '../../shared/ports/services.js';

const usage = `Usage: tdl job [--results GLOB]... [--timeout SECONDS] -- COMMAND [ARGS...]

The test job's entry point (Cloud Run Job and local runtime alike). Runs the suite command,
streams its output with a running count, reads the result files matching the globs, stores
them in the cycle and publishes tests-finished.

Environment: TDL_LOOP_ID, TDL_CYCLE, TDL_JOB_ID (set by whoever launched the job),
TDL_RESULTS (comma-separated globs, when --results is not given), GOOGLE_CLOUD_PROJECT,
and the emulator hosts locally. TDL_URL_<SERVICE> and BASE_URL reach the suite unchanged.
TDL_SUITE_NODE_OPTIONS, when set, is the suite's NODE_OPTIONS (the job image sets the job's
own heap flags in NODE_OPTIONS, which the suite must not inherit). With TDL_ID_TOKENS=metadata
(the Cloud Run Job) the suite also gets TDL_ID_TOKEN_<SERVICE>, an ID token for each
TDL_URL_<SERVICE>, and TDL_ID_TOKEN for BASE_URL: send it as "Authorization: Bearer ..." to
call private services. A token lasts about an hour.

Exit: 0 all tests passed; 1 tests failed; 2 usage; 3 the suite crashed or wrote no
readable results; 4 the cycle had moved on, results not recorded.`;

export const jobCommand: Command = {
  name: 'job',
  usage,
  async run(argv) {
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
    const svc = jobServices();
    try {
      const { exitCode } = await runJob({
        loopId,
        cycle,
        jobId,
        command: argv.slice(dash + 1),
        cwd: process.cwd(),
        env: await suiteEnv(env, svc.idTokens),
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
  },
};

/**
 * What the suite's environment changes from the job's: its own NODE_OPTIONS, when one is given,
 * and with an ID token source an ID token per service URL it is given.
 */
export async function suiteEnv(env: NodeJS.ProcessEnv, tokens?: IdTokenSource): Promise<Record<string, string>> {
  const out: Record<string, string> = env.TDL_SUITE_NODE_OPTIONS === undefined ? {} : { NODE_OPTIONS: env.TDL_SUITE_NODE_OPTIONS };
  if (!tokens) return out;
  const urls = Object.entries(env).flatMap(([k, v]) => (/^TDL_URL_\w+$/.test(k) && v ? [[k.replace(/^TDL_URL_/, 'TDL_ID_TOKEN_'), v] as const] : []));
  if (env.BASE_URL) urls.push(['TDL_ID_TOKEN', env.BASE_URL]);
  for (const [name, url] of urls) out[name] = await tokens.token(audienceOf(url));
  return out;
}
