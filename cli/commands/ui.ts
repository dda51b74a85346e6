import { EXIT, UsageError, type Command } from '../command.js';
import { parse } from '../args.js';
import { connect, connectionOptions, CONNECTION_HELP } from '../connect.js';
import { out } from '../format.js';
import { followLoopEvents } from '../loop-events.js';
import { startDashboard } from '../ui/server.js';
import { PUBLISHES } from '../../shared/chain/topology.js';
import { allowedTopics } from '../../shared/chain/lifecycle/allowed-topics.js';

const usage = `Usage: tdl ui [--port N] [--host H] [--allow-actions] [--subscription NAME] [--project PROJECT]

Serves the dashboard: every loop with its status and next action; a loop's cycles, pass-rate
chart, verdicts and guards; a cycle's failure clusters with their five whys and evidence, what
changed, performance and the deployment. Pages follow loop-events live. Until Ctrl-C.
  --port N          the port (default 7070; 0 picks a free one)
  --host H          the address to bind (default 127.0.0.1: only this machine)
  --allow-actions   show re-run and cancel buttons (they publish what tdl rerun and tdl
                    cancel publish); without it the dashboard only reads
  --subscription    read loop-events from this existing subscription instead of one of its
                    own (infra/ui.tf makes tdl-ui for the dashboard on Cloud Run)

${CONNECTION_HELP}
Exit: 0 stopped by Ctrl-C or SIGTERM; 2 usage, or the port is taken.`;

export const uiCommand: Command = {
  name: 'ui',
  usage,
  async run(argv) {
    const { values } = parse(argv, {
      ...connectionOptions,
      port: { type: 'string', default: process.env.PORT ?? '7070' },
      host: { type: 'string', default: '127.0.0.1' },
      'allow-actions': { type: 'boolean', default: false },
      subscription: { type: 'string' },
    });
    const port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new UsageError(`--port: "${values.port}" is not a port number`);
    const conn = await connect(values.project);
    try {
      const dashboard = await startDashboard(
        // The dashboard publishes only what its account is granted (PUBLISHES.dashboard, infra/ui.tf).
        { store: conn.store, publisher: allowedTopics(conn.publisher, 'the dashboard', PUBLISHES.dashboard), follow: (onEvent) => followLoopEvents(conn.pubsub, onEvent, values.subscription) },
        { where: conn.target, host: values.host!, port, allowActions: values['allow-actions'] },
      ).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'EADDRINUSE') throw new UsageError(`--port: ${values.host}:${port} is taken; pass another --port (0 picks a free one)`);
        throw error;
      });
      out(`dashboard at ${dashboard.url} (${values['allow-actions'] ? 're-run and cancel allowed' : 'read-only'}) on ${conn.target}; Ctrl-C stops`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await dashboard.close();
      return EXIT.ok;
    } finally {
      await conn.close();
    }
  },
};
