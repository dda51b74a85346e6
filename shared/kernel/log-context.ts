import { AsyncLocalStorage } from 'node:async_hooks';

/** What every log line written while a message is handled carries: the request's trace context. */
export interface LogContext {
  /** W3C trace context of the request (`00-<trace id>-<span id>-<flags>`). */
  traceparent?: string;
}

const storage = new AsyncLocalStorage<LogContext>();

/** Runs `fn` with `context` attached to every log line it (and what it awaits) writes. */
export function withLogContext<T>(context: LogContext, fn: () => Promise<T>): Promise<T> {
  return storage.run(context, fn);
}

export function currentLogContext(): LogContext {
  return storage.getStore() ?? {};
}
