import { EXIT, UsageError, type Command } from '../command.js';
import { parse } from '../args.js';
import { out, table } from '../format.js';
import { summarizeResultFiles } from '../../shared/results/ingest.js';

const usage = `Usage: tdl results FILE... [--json]

Reads test result files (JUnit XML from any runner, or pytest-json-report) and prints what
they hold: per file its format and test count or why it could not be read, then the totals.
  --json   the last line is {"tests","passed","failed","errors","skipped","flaky","durationMs",
           "files":[{"path","tests","error","declared"}]}; "declared" holds the counts of
           suites that declare tests but list no <testcase> (such a file is a problem, not 0 tests)

Exit: 0 every file was read (whatever the tests' outcome); 1 a file is not a readable test
report; 2 usage.`;

export const resultsCommand: Command = {
  name: 'results',
  usage,
  async run(argv) {
    const { values, positionals } = parse(argv, { json: { type: 'boolean', default: false } }, true);
    if (positionals.length === 0) throw new UsageError('give at least one result file');
    const say = values.json ? (l: string) => process.stderr.write(`${l}\n`) : out;
    // Counts only: no case is held, so memory stays flat whatever the files' size.
    const run = await summarizeResultFiles(positionals, undefined, (n) => say(`… ${n} cases read`));
    const t = run.totals;
    if (!values.json) {
      out(table(['FILE', 'FORMAT', 'TESTS', 'PROBLEM'], run.files.map((f) => [f.path, f.format ?? '-', f.tests, f.error ?? ''])));
      out('');
      out(`${t.tests} tests: ${t.passed} passed, ${t.failed} failed, ${t.errors} errors, ${t.skipped} skipped, ${t.flaky} flaky; ${(t.durationMs / 1000).toFixed(2)} s of test time`);
    } else {
      out(
        JSON.stringify({
          tests: t.tests,
          passed: t.passed,
          failed: t.failed,
          errors: t.errors,
          skipped: t.skipped,
          flaky: t.flaky,
          durationMs: t.durationMs,
          files: run.files.map((f) => ({ path: f.path, tests: f.tests, error: f.error ?? null, declared: f.declared ?? null })),
        }),
      );
    }
    return run.rejected.length > 0 ? EXIT.notSucceeded : EXIT.ok;
  },
};
