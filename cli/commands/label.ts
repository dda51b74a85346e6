import { EXIT, UsageError, type Command } from '../command.js';
import { parse } from '../args.js';
import { connect, connectionOptions, CONNECTION_HELP } from '../connect.js';
import { out } from '../format.js';
import { CATEGORIES, isCategory } from '../../shared/config/categories.js';
import { labelFor } from '../../shared/analysis/labels.js';

const usage = `Usage: tdl label LOOP --cycle N --cluster K --category CATEGORY [--why TEXT] [--by NAME] [--json] [--project PROJECT]

Stores a person's verdict on cluster K of cycle N (clusters are numbered as the cycle report's
"Failures by cause" numbers them) in loops/LOOP/labels/. Later failures of the loop with the
same signature take CATEGORY (and TEXT as the reason), shown as "labelled by a person on
DATE" in reports and \`tdl status LOOP\`; \`tdl rules export LOOP\` prints the labels as
classification.rules for the loop config. Labelling the same signature again replaces it.
  CATEGORY  ${CATEGORIES.join(', ')}
  --by      who labelled it (default: $USER)
  --json    the last line is the stored label

${CONNECTION_HELP}
Exit: 0 stored; 1 no such loop, cycle or cluster; 2 usage.`;

export const labelCommand: Command = {
  name: 'label',
  usage,
  async run(argv) {
    const { values, positionals } = parse(
      argv,
      { ...connectionOptions, cycle: { type: 'string' }, cluster: { type: 'string' }, category: { type: 'string' }, why: { type: 'string' }, by: { type: 'string' }, json: { type: 'boolean', default: false } },
      true,
    );
    const loopId = positionals[0];
    if (!loopId) throw new UsageError('give the loop id');
    const n = positiveInt('--cycle', values.cycle);
    const k = positiveInt('--cluster', values.cluster);
    const category = values.category;
    if (!category || !isCategory(category)) throw new UsageError(`--category must be one of ${CATEGORIES.join(', ')}${category ? `, got "${category}"` : ''}`);
    const conn = await connect(values.project);
    try {
      const cycle = await conn.store.getCycle(loopId, n);
      if (!cycle) {
        process.stderr.write(`tdl label: loop ${loopId} has no cycle ${n} in ${conn.target}\n`);
        return EXIT.notSucceeded;
      }
      const by = values.by ?? process.env.USER;
      const label = labelFor(cycle, k, { category, why: values.why, by, at: new Date().toISOString() });
      if ('problem' in label) {
        process.stderr.write(`tdl label: ${label.problem}\n`);
        return EXIT.notSucceeded;
      }
      await conn.store.putLabel(loopId, label);
      if (values.json) out(JSON.stringify(label));
      else {
        out(`cluster ${k} of cycle ${n} (${label.signature}) labelled ${label.category} (the analysis said ${label.previousCategory}).`);
        out(`Later failures with this signature in ${loopId} take it; \`tdl rules export ${loopId}\` prints it as a classification rule.`);
      }
      return EXIT.ok;
    } finally {
      await conn.close();
    }
  },
};

function positiveInt(flag: string, value: string | undefined): number {
  const n = Number(value);
  if (value === undefined) throw new UsageError(`${flag} N is required`);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a positive integer, got "${value}"`);
  return n;
}
