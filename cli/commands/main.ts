import { EXIT, UsageError, type Command } from '../command.js';
import { ConfigError } from '../../shared/kernel/errors.js';
import { COMMANDS } from './registry.js';

export function help(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'tdl: the test-deploy loop. Deploy, run the end-to-end suite, find out why it fails, report, redeploy.',
    '',
    'Usage: tdl <command> [options]   (tdl <command> --help for one command; tdl --version)',
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
  if (name === '--version' || name === '-v') {
    // Loaded only here: every other command starts without it.
    const { packageVersion } = await import('../version.js');
    process.stdout.write(`${packageVersion()}\n`);
    return EXIT.ok;
  }
  const entry = COMMANDS.find((c) => c.name === name);
  if (!entry) {
    process.stderr.write(`tdl: unknown command "${name}"\n\n${help()}\n`);
    return EXIT.usage;
  }
  // Only the command that runs is loaded: see registry.ts.
  let command: Command;
  try {
    command = await entry.load();
  } catch (error) {
    process.stderr.write(`tdl ${name}: could not load the command: ${(error as Error).stack ?? String(error)}\n`);
    return EXIT.notSucceeded;
  }
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
