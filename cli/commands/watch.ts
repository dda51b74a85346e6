import { randomUUID } from 'node:crypto';
import type { Message } from '@google-cloud/pubsub';
import { EXIT, type Command } from '../command.js';
import { parse } from '../args.js';
import { connect, connectionOptions, CONNECTION_HELP } from '../connect.js';
import { out } from '../format.js';
import { LoopEvent } from '../../shared/chain/messages.js';
import { TOPICS } from '../../shared/chain/topology.js';
import { isLoopEnded } from '../../shared/domain/model.js';

const usage = `Usage: tdl watch [LOOP] [--json] [--timeout SECONDS] [--project PROJECT]

Follows loop-events live and shows each phase as it happens, with the test job's progress.
With LOOP, only that loop, and it ends when the loop ends (at once if it already has).
Without LOOP it follows every loop until Ctrl-C.
  --json      one JSON object per event, as published
  --timeout   stop after this many seconds (exit 1)

${CONNECTION_HELP}
Exit: 0 the loop succeeded; 1 it ended otherwise, or the timeout passed; 2 usage.`;

export const watchCommand: Command = {
  name: 'watch',
  usage,
  async run(argv) {
    const { values, positionals } = parse(
      argv,
      { ...connectionOptions, json: { type: 'boolean', default: false }, timeout: { type: 'string' } },
      true,
    );
    const loopId = positionals[0];
    const conn = await connect(values.project);
    // A subscription of our own: every watcher sees every event; it is deleted on the way out.
    const [sub] = await conn.pubsub.topic(TOPICS.loopEvents).createSubscription(`tdl-watch-${randomUUID().slice(0, 8)}`, {
      ackDeadlineSeconds: 10,
      expirationPolicy: { ttl: { seconds: 86_400 } },
    });
    try {
      if (loopId) {
        const loop = await conn.store.getLoop(loopId);
        if (!loop) {
          process.stderr.write(`tdl watch: no loop "${loopId}" in ${conn.target}\n`);
          return EXIT.notSucceeded;
        }
        if (!values.json) out(`watching ${loopId} (${loop.status}, cycle ${loop.currentCycle}) on ${conn.target}`);
        if (isLoopEnded(loop.status)) {
          if (!values.json) out(`loop ${loopId} has already ended ${loop.status}: ${loop.statusReason ?? ''}`);
          return loop.status === 'succeeded' ? EXIT.ok : EXIT.notSucceeded;
        }
      } else if (!values.json) {
        out(`watching every loop on ${conn.target}; Ctrl-C stops`);
      }
      const ended = await new Promise<string | null>((resolve) => {
        const timeout = values.timeout ? setTimeout(() => resolve(null), Number(values.timeout) * 1000) : undefined;
        process.once('SIGINT', () => resolve(null));
        sub.on('message', (m: Message) => {
          m.ack();
          let json: unknown;
          try {
            json = JSON.parse(m.data.toString('utf8'));
          } catch {
            return;
          }
          const e = LoopEvent.safeParse(json);
          if (!e.success || (loopId && e.data.loopId !== loopId)) return;
          out(values.json ? JSON.stringify(e.data) : describe(e.data));
          if (loopId && e.data.type === 'loop-ended') {
            clearTimeout(timeout);
            resolve(e.data.status ?? 'ended');
          }
        });
      });
      if (ended === null) return EXIT.notSucceeded;
      return ended === 'succeeded' ? EXIT.ok : EXIT.notSucceeded;
    } finally {
      sub.removeAllListeners('message');
      await sub.close().catch(() => undefined);
      await sub.delete().catch(() => undefined);
      await conn.close();
    }
  },
};

function describe(e: LoopEvent): string {
  const time = e.at.slice(11, 19);
  const where = `${e.loopId}${e.cycle !== undefined ? ` #${e.cycle}` : ''}`;
  const what =
    e.type === 'phase-changed'
      ? `${e.phase}`
      : e.type === 'verdict'
        ? `verdict ${e.verdict}`
        : e.type === 'loop-ended'
          ? `loop ended ${e.status}`
          : e.type;
  return `${time} ${where.padEnd(20)} ${what.padEnd(18)} ${e.detail ?? ''}`;
}
