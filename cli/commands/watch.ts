import { EXIT, type Command } from '../command.js';
import { parse } from '../args.js';
import { connect, connectionOptions, CONNECTION_HELP } from '../connect.js';
import { out } from '../format.js';
import type { LoopEvent } from '../../shared/chain/messages.js';
import { followLoopEvents } from '../loop-events.js';
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
    // Subscribed before the loop is read, so an end between the two is not missed.
    const early: LoopEvent[] = [];
    let onEvent: (e: LoopEvent) => void = (e) => early.push(e);
    const feed = await followLoopEvents(conn.pubsub, (e) => onEvent(e));
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
      const verdictsSeen = new Set<number>();
      let ending: NodeJS.Timeout | undefined;
      const ended = await new Promise<string | null>((resolve) => {
        const timeout = values.timeout ? setTimeout(() => resolve(null), Number(values.timeout) * 1000) : undefined;
        process.once('SIGINT', () => resolve(null));
        onEvent = (event) => {
          if (loopId && event.loopId !== loopId) return;
          const e = { data: event };
          const print = (x: LoopEvent) => out(values.json ? JSON.stringify(x) : describe(x));
          if (!(loopId && e.data.type === 'loop-ended')) print(e.data);
          if (e.data.type === 'verdict' && e.data.cycle !== undefined) verdictsSeen.add(e.data.cycle);
          if (loopId && e.data.type === 'loop-ended' && !ending) {
            // Pub/Sub does not keep order: the cycle's verdict, published just before, may come
            // after this. Wait a moment for it; if it still has not come, say it from this event,
            // then that the loop ended.
            const end = e.data;
            ending = setTimeout(() => {
              if (end.cycle !== undefined && end.verdict && !verdictsSeen.has(end.cycle)) {
                print({ ...end, type: 'verdict' });
              }
              print(end);
              clearTimeout(timeout);
              resolve(end.status ?? 'ended');
            }, ORDER_GRACE_MS);
          }
        };
        early.splice(0).forEach(onEvent);
      });
      if (ended === null) return EXIT.notSucceeded;
      return ended === 'succeeded' ? EXIT.ok : EXIT.notSucceeded;
    } finally {
      await feed.close();
      await conn.close();
    }
  },
};

/** How long watch listens after a loop ended, for the events Pub/Sub delivers out of order. */
const ORDER_GRACE_MS = 1500;

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
