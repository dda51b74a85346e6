import { readFile } from 'node:fs/promises';
import { EXIT, UsageError, type Command } from '../command.js';
import { parse } from '../args.js';
import { connect, connectionOptions, CONNECTION_HELP } from '../connect.js';
import { out, percent, table } from '../format.js';
import { Criteria, describeIssues } from '../../shared/config/loop-config.js';
import { ConfigError } from '../../shared/kernel/errors.js';
import { reevaluate } from '../../shared/domain/evaluate.js';
import { defaultAnalyzer } from '../../shared/analysis/default-analyzer.js';

const usage = `Usage: tdl evaluate LOOP --criteria FILE [--json] [--project PROJECT]

Judges the loop's stored cycles again under the criteria in FILE (JSON, the "criteria" part
of a loop config, e.g. {"minPassRate": 0.9}) without deploying anything, and prints what each
verdict would have been beside the one given.
  --json   the last line is a JSON array of {"n","commit","storedVerdict","passRate","verdict","reason","changed"}

${CONNECTION_HELP}
Exit: 0 the last cycle would have succeeded; 1 it would not, or no such loop; 2 usage or a bad criteria file.`;

export const evaluateCommand: Command = {
  name: 'evaluate',
  usage,
  async run(argv) {
    const { values, positionals } = parse(argv, { ...connectionOptions, criteria: { type: 'string' }, json: { type: 'boolean', default: false } }, true);
    const loopId = positionals[0];
    if (!loopId) throw new UsageError('give the loop id');
    if (!values.criteria) throw new UsageError('--criteria FILE is required');
    const criteria = await readCriteria(values.criteria);
    const conn = await connect(values.project);
    try {
      const loop = await conn.store.getLoop(loopId);
      if (!loop) {
        process.stderr.write(`tdl evaluate: no loop "${loopId}" in ${conn.target}\n`);
        return EXIT.notSucceeded;
      }
      const cycles = await conn.store.listCycles(loopId);
      const withCases = await Promise.all(cycles.map(async (cycle) => ({ cycle, cases: await conn.store.readResults(loopId, cycle.n) })));
      const results = await reevaluate(loop, withCases, criteria, defaultAnalyzer, await conn.store.listLabels(loopId));
      if (values.json) out(JSON.stringify(results));
      else {
        out(table(['CYCLE', 'COMMIT', 'PASS RATE', 'GIVEN', 'WOULD BE', 'BECAUSE'], results.map((r) => [r.n, r.commit.slice(0, 8), percent(r.passRate), r.storedVerdict ?? '-', `${r.verdict}${r.changed ? ' *' : ''}`, r.reason])));
        out(`\n${results.filter((r) => r.changed).length} of ${results.length} verdicts would change (* marks them).`);
      }
      return results.at(-1)?.verdict === 'succeeded' ? EXIT.ok : EXIT.notSucceeded;
    } finally {
      await conn.close();
    }
  },
};

async function readCriteria(file: string) {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(`cannot read criteria ${file}: ${(error as Error).message}`);
  }
  const parsed = Criteria.safeParse(raw);
  if (!parsed.success) throw new ConfigError(`${file}: ${describeIssues(parsed.error)}`);
  return parsed.data;
}
