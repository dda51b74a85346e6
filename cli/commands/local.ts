import path from 'node:path';
import { EXIT, UsageError, type Command } from '../command.js';
import { parse } from '../args.js';
import { loadLoopConfig } from '../../shared/config/loop-config.js';
import { runLocalLoop, type LocalRunResult, type LocalWorld } from '../../shared/local/runtime.js';
import { killAllGroups } from '../../shared/process/process-group.js';
import { pct, shortCommit } from '../../shared/report/markdown.js';
import { followLoopEvents } from '../loop-events.js';
import { startDashboard } from '../ui/server.js';

const usage = `Usage: tdl local --config FILE [--json] [--verbose] [--reports DIR] [--keep] [--ui-port N] [--no-ui]

Runs one loop to its end on this machine: starts (or reuses) the Pub/Sub and Firestore
emulators, the functions on functions-framework, the topology, the local deployer, test job
and fix hook; prints each phase as it happens, then the loop report and a one-line summary.
Stops every process it started.

  --config FILE   the loop config (JSON), e.g. examples/shop/tdl.config.json
  --json          the last line on stdout is one JSON object:
                  {"loopId","status","cycles":[{"n","commit","total","passed","failed",
                  "skipped","passRate","verdict","overheadMs"}],"report"}
  --verbose       show every line the test suite prints
  --reports DIR   where reports are written (default .tdl/reports)
  --ui-port N     the dashboard's port on 127.0.0.1 (default 7070, or a free one if taken);
                  its URL is printed at the start and it serves until the loop ends
  --keep          after the loop ends, keep the emulators and the dashboard until Ctrl-C
  --no-ui         no dashboard
  --fake-github   start a local fake GitHub API and point notify at it (TDL_GITHUB_API_URL,
                  and a token of its own in the variable notify.github.token.env names): the
                  commit statuses and the await-fix issue are printed as they are posted

Reuses emulators when PUBSUB_EMULATOR_HOST and FIRESTORE_EMULATOR_HOST both answer.
Exit: 0 the loop succeeded; 1 it ended otherwise; 2 bad usage or config.`;

export const localCommand: Command = {
  name: 'local',
  usage,
  async run(argv) {
    const { values } = parse(argv, {
      config: { type: 'string' },
      json: { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
      reports: { type: 'string', default: '.tdl/reports' },
      keep: { type: 'boolean', default: false },
      'ui-port': { type: 'string', default: '7070' },
      'no-ui': { type: 'boolean', default: false },
      'fake-github': { type: 'boolean', default: false },
    });
    const uiPort = Number(values['ui-port']);
    if (!Number.isInteger(uiPort) || uiPort < 0 || uiPort > 65_535) throw new UsageError(`--ui-port: "${values['ui-port']}" is not a port number`);
    if (!values.config) throw new UsageError('--config FILE is required');
    const loaded = await loadLoopConfig(values.config);
    const started = Date.now();
    // With --json, stdout carries only the final object; progress goes to stderr.
    const out = values.json ? process.stderr : process.stdout;
    const say = (line: string) => out.write(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${line}\n`);
    const onSignal = () => {
      killAllGroups();
      process.exit(130);
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    const tell = (result: LocalRunResult) => {
      out.write(`\n${result.reportText}\n\n`);
      const last = result.cycles.at(-1);
      const progression = result.cycles.map((c) => pct(c.passRate)).join(' -> ');
      out.write(
        `loop ${result.loopId} ${result.status} after ${result.cycles.length} cycle(s) in ${((Date.now() - started) / 1000).toFixed(1)} s; pass rate ${progression || 'n/a'}; last commit ${shortCommit(last?.commit)}; report ${path.relative(process.cwd(), result.report)}\n`,
      );
    };
    let told = false;
    let url = '';
    try {
      const result = await runLocalLoop({
        loaded,
        reportDir: values.reports!,
        say,
        verbose: values.verbose,
        fakeGitHub: values['fake-github'],
        serve: values['no-ui'] ? undefined : async (world) => {
          const served = await serveDashboard(world, uiPort);
          url = served.url;
          return served;
        },
        onEnded: async (r) => {
          if (!values.keep) return;
          tell(r);
          told = true;
          say(`the emulators${url ? ` and the dashboard at ${url}` : ''} stay up until Ctrl-C (--keep)`);
          // Ctrl-C now ends the wait, and everything is stopped in order, instead of killed.
          process.off('SIGINT', onSignal);
          await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
          process.once('SIGINT', onSignal);
        },
      });
      if (!told) tell(result);
      if (values.json) {
        const { reportText: _omit, ...summary } = result;
        process.stdout.write(`${JSON.stringify(summary)}\n`);
      }
      return result.status === 'succeeded' ? EXIT.ok : EXIT.notSucceeded;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  },
};

/** The dashboard on the loop's own clients: read-only, on 127.0.0.1, on `port` or a free one if it is taken. */
async function serveDashboard(world: LocalWorld, port: number) {
  const deps = { store: world.store, publisher: world.publisher, follow: (onEvent: Parameters<typeof followLoopEvents>[1]) => followLoopEvents(world.pubsub, onEvent) };
  const options = { where: `the local emulators (project ${world.projectId})`, host: '127.0.0.1' };
  return startDashboard(deps, { ...options, port }).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EADDRINUSE' || port === 0) throw error;
    return startDashboard(deps, { ...options, port: 0 });
  });
}
