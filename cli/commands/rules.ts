import { EXIT, UsageError, type Command } from '../command.js';
import { parse } from '../args.js';
import { connect, connectionOptions, CONNECTION_HELP } from '../connect.js';
import { out } from '../format.js';
import { rulesFromLabels } from '../../shared/analysis/labels.js';
import { ClassificationRule } from '../../shared/config/loop-config.js';

const usage = `Usage: tdl rules export LOOP [--project PROJECT]

Prints the labels people gave the loop's clusters (\`tdl label\`) as loop config JSON,
{"classification": {"rules": [...]}}: one rule per labelled signature (the latest label),
its pattern matching the failures that signature stands for. Put the rules in the loop
config's classification.rules, where they are tried before the built-in ones, so they hold
for every loop that uses the config, not only this one.

${CONNECTION_HELP}
Exit: 0 printed (an empty list when nothing was labelled); 1 no such loop; 2 usage.`;

export const rulesCommand: Command = {
  name: 'rules',
  usage,
  async run(argv) {
    const { values, positionals } = parse(argv, { ...connectionOptions }, true);
    const [action, loopId] = positionals;
    if (action !== 'export') throw new UsageError(action ? `unknown action "${action}": the action is export` : 'give the action: export');
    if (!loopId) throw new UsageError('give the loop id');
    const conn = await connect(values.project);
    try {
      if (!(await conn.store.getLoop(loopId))) {
        process.stderr.write(`tdl rules: no loop "${loopId}" in ${conn.target}\n`);
        return EXIT.notSucceeded;
      }
      // Each rule is checked as the config will check it, so what is printed loads.
      const rules = rulesFromLabels(await conn.store.listLabels(loopId)).map((r) => ClassificationRule.parse(r));
      out(JSON.stringify({ classification: { rules } }, null, 2));
      return EXIT.ok;
    } finally {
      await conn.close();
    }
  },
};
