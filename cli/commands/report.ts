import { writeFile } from 'node:fs/promises';
import { EXIT, UsageError, type Command } from '../command.js';
import { parse } from '../args.js';
import { connect, connectionOptions, CONNECTION_HELP } from '../connect.js';
import { out } from '../format.js';
import { renderCycleReport, renderLoopReport } from '../../shared/report/markdown.js';

const usage = `Usage: tdl report LOOP [--cycle N] [--out FILE] [--json] [--project PROJECT]

Prints (or writes to FILE) the loop report in Markdown, or the report of cycle N. The
stored report is used; a cycle still running gets one rendered from what is stored so far.
  --json   the last line is {"loopId","cycle","markdown"} (and "file" with --out)

${CONNECTION_HELP}
Exit: 0 printed; 1 no such loop or cycle; 2 usage.`;

export const reportCommand: Command = {
  name: 'report',
  usage,
  async run(argv) {
    const { values, positionals } = parse(
      argv,
      { ...connectionOptions, cycle: { type: 'string' }, out: { type: 'string' }, json: { type: 'boolean', default: false } },
      true,
    );
    const loopId = positionals[0];
    if (!loopId) throw new UsageError('give the loop id');
    const n = values.cycle === undefined ? undefined : Number(values.cycle);
    if (n !== undefined && !(Number.isInteger(n) && n > 0)) throw new UsageError(`--cycle must be a positive integer, got "${values.cycle}"`);
    const conn = await connect(values.project);
    try {
      const loop = await conn.store.getLoop(loopId);
      if (!loop) {
        process.stderr.write(`tdl report: no loop "${loopId}" in ${conn.target}\n`);
        return EXIT.notSucceeded;
      }
      let markdown: string;
      if (n !== undefined) {
        const cycle = await conn.store.getCycle(loopId, n);
        if (!cycle) {
          process.stderr.write(`tdl report: loop ${loopId} has no cycle ${n} (it has ${loop.currentCycle})\n`);
          return EXIT.notSucceeded;
        }
        markdown = cycle.report ?? renderCycleReport(loop, cycle);
      } else {
        markdown = loop.report ?? renderLoopReport(loop, await conn.store.listCycles(loopId));
      }
      if (values.out) {
        await writeFile(values.out, `${markdown}\n`);
        if (!values.json) out(`wrote ${values.out}`);
      } else if (!values.json) {
        out(markdown);
      }
      if (values.json) out(JSON.stringify({ loopId, cycle: n ?? null, markdown, ...(values.out ? { file: values.out } : {}) }));
      return EXIT.ok;
    } finally {
      await conn.close();
    }
  },
};
