import { EXIT, UsageError, type Command } from '../command.js';
import { parse } from '../args.js';
import { connect, connectionOptions, CONNECTION_HELP } from '../connect.js';
import { out } from '../format.js';
import { loadLoopConfig, storedConfig } from '../../shared/config/loop-config.js';
import { newLoop, type LoopDoc } from '../../shared/domain/model.js';

const usage = `Usage: tdl register --config FILE [--json] [--project PROJECT]

Creates the loop document (loops/<loopId>) from a loop config: its criteria, guards,
deadlines, classification rules and allowed hosts, which the functions read. Run it once
before the first push in the cloud, and again after changing the config: an existing loop
keeps its cycles and history and gets the new config.
  --json   the last line is {"loopId","created"}

${CONNECTION_HELP}
Exit: 0 registered; 2 usage or a bad config.`;

export const registerCommand: Command = {
  name: 'register',
  usage,
  async run(argv) {
    const { values } = parse(argv, { ...connectionOptions, config: { type: 'string' }, json: { type: 'boolean', default: false } });
    if (!values.config) throw new UsageError('--config FILE is required');
    const { config } = await loadLoopConfig(values.config);
    const conn = await connect(values.project);
    try {
      const now = new Date().toISOString();
      const stored = { branch: config.branch, ...storedConfig(config) };
      const created = await conn.store.transact({ loopId: config.loopId }, ({ loop }) => {
        if (loop) return { writes: { loop: { config: stored, updatedAt: now } as Partial<LoopDoc>, replaceLoopFields: true }, result: false };
        return { writes: { loop: newLoop(config.loopId, stored, now) }, result: true };
      });
      if (values.json) out(JSON.stringify({ loopId: config.loopId, created }));
      else out(`${created ? 'registered' : 'updated the config of'} loop ${config.loopId} in ${conn.target}`);
      return EXIT.ok;
    } finally {
      await conn.close();
    }
  },
};
