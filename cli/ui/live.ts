import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { LoopEvent } from '../../shared/chain/messages.js';
import type { LoopEventFeed } from '../loop-events.js';

export type FollowEvents = (onEvent: (event: LoopEvent) => void) => Promise<LoopEventFeed>;

/**
 * One loop-events subscription for the whole server, fanned out to every open page as
 * server-sent events: a hundred browser tabs cost one subscription, not a hundred.
 */
export class LiveHub {
  private readonly listeners = new Set<(event: LoopEvent) => void>();
  private feed: LoopEventFeed | undefined;

  constructor(private readonly follow: FollowEvents) {}

  async start(): Promise<void> {
    this.feed = await this.follow((event) => {
      for (const listener of this.listeners) listener(event);
    });
  }

  async close(): Promise<void> {
    this.listeners.clear();
    await this.feed?.close();
  }

  /** `GET /events?loop=ID` (no loop: every loop): each event as `event: loop-event`, JSON data. */
  stream(c: Context): Response {
    const loopId = c.req.query('loop');
    return streamSSE(c, async (stream) => {
      const queue: LoopEvent[] = [];
      let wake: (() => void) | undefined;
      const listener = (event: LoopEvent) => {
        if (loopId && event.loopId !== loopId) return;
        queue.push(event);
        wake?.();
      };
      this.listeners.add(listener);
      stream.onAbort(() => {
        this.listeners.delete(listener);
        wake?.();
      });
      await stream.writeSSE({ event: 'ready', data: JSON.stringify({ loopId: loopId ?? null }) });
      while (!stream.aborted && !stream.closed) {
        const event = queue.shift();
        if (event) {
          await stream.writeSSE({ event: 'loop-event', data: JSON.stringify(event) });
          continue;
        }
        // A comment every 15 s keeps proxies (and IAP) from closing a quiet stream.
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 15_000).unref();
        });
        wake = undefined;
        if (queue.length === 0 && !stream.aborted) await stream.write(': keep-alive\n\n');
      }
      this.listeners.delete(listener);
    });
  }
}
