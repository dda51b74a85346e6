import { EXIT, UsageError, type Command } from './command.js';
import { ConfigError } from '../shared/kernel/errors.js';

/**
 * Every command, with its one-line summary; its module (and the clients it needs) is loaded
 * only when it runs, so `tdl results` reads its first byte without loading the Google
 * clients, and `tdl job` without the local runtime.
 */
interface CommandEntry {
  name: string;
  summary: string;
  load: () => Promise<Command>;
}

const COMMANDS: CommandEntry[] = [
  { name: 'local', summary: 'run a whole loop locally on the emulators', load: async () => (await import('./commands/local.js')).localCommand },
  { name: 'status', summary: 'show the loops, their status, cycle, phase, pass rate and next action', load: async () => (await import('./commands/status.js')).statusCommand },
  { name: 'report', summary: 'print or write the loop report or a cycle report (Markdown)', load: async () => (await import('./commands/report.js')).reportCommand },
  { name: 'watch', summary: 'follow loop events live until the loop ends', load: async () => (await import('./commands/watch.js')).watchCommand },
  { name: 'rerun', summary: 're-run a loop by hand: deploy again (--redeploy) or test again (--retest)', load: async () => (await import('./commands/rerun.js')).rerunCommand },
  { name: 'cancel', summary: 'cancel a loop: its running cycle ends, nothing more is deployed', load: async () => (await import('./commands/rerun.js')).cancelCommand },
  { name: 'evaluate', summary: 're-judge the stored cycles of a loop under other criteria', load: async () => (await import('./commands/evaluate.js')).evaluateCommand },
  { name: 'register', summary: 'create or update a loop from its config (needed before the first push in the cloud)', load: async () => (await import('./commands/register.js')).registerCommand },
  { name: 'classify', summary: 'classify failures read as JSON lines on stdin (category, confidence, signature, evidence)', load: async () => (await import('./commands/classify.js')).classifyCommand },
  { name: 'results', summary: 'read result files (JUnit XML, pytest-json-report) and print their summary', load: async () => (await import('./commands/results.js')).resultsCommand },
  { name: 'job', summary: 'run the suite as the test job and report its results into the cycle', load: async () => (await import('./commands/job.js')).jobCommand },
  { name: 'emulators', summary: 'start the emulators around a command (npm test uses it), or until Ctrl-C', load: async () => (await import('./commands/emulators.js')).emulatorsCommand },
];

export function help(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'tdl: the test-deploy loop. Deploy, run the end-to-end suite, find out why it fails, report, redeploy.',
    '',
    'Usage: tdl <command> [options]   (tdl <command> --help for one command)',
    '',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Exit codes: 0 success; 1 the loop or check did not succeed; 2 usage or config error.',
  ].join('\n');
}

/** Runs one command and returns its exit code; never throws. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(`${help()}\n`);
    return name ? EXIT.ok : EXIT.usage;
  }
  const entry = COMMANDS.find((c) => c.name === name);
  if (!entry) {
    process.stderr.write(`tdl: unknown command "${name}"\n\n${help()}\n`);
    return EXIT.usage;
  }
  const command = await entry.load();
  if (rest[0] === '--help' || rest[0] === '-h') {
    process.stdout.write(`${command.usage}\n`);
    return EXIT.ok;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`tdl ${name}: ${error.message}\n\n${command.usage}\n`);
      return EXIT.usage;
    }
    if (error instanceof ConfigError) {
      process.stderr.write(`tdl ${name}: ${error.message}\n`);
      return EXIT.usage;
    }
    process.stderr.write(`tdl ${name}: ${(error as Error).stack ?? String(error)}\n`);
    return EXIT.notSucceeded;
  }
}
