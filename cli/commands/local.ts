import path from 'node:path';
import { EXIT, UsageError, type Command } from '../command.js';
import { parse } from '../args.js';
import { loadLoopConfig } from '../../shared/config/loop-config.js';
import { runLocalLoop } from '../../shared/local/runtime.js';
import { killAllGroups } from '../../shared/process/process-group.js';
import { pct, shortCommit } from '../../shared/report/markdown.js';

const usage = `Usage: tdl local --config FILE [--json] [--verbose] [--reports DIR]

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
    });
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
    try {
      const result = await runLocalLoop({ loaded, reportDir: values.reports!, say, verbose: values.verbose });
      out.write(`\n${result.reportText}\n\n`);
      const last = result.cycles.at(-1);
      const progression = result.cycles.map((c) => pct(c.passRate)).join(' -> ');
      out.write(
        `loop ${result.loopId} ${result.status} after ${result.cycles.length} cycle(s) in ${((Date.now() - started) / 1000).toFixed(1)} s; pass rate ${progression || 'n/a'}; last commit ${shortCommit(last?.commit)}; report ${path.relative(process.cwd(), result.report)}\n`,
      );
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
