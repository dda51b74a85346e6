import type { Logger } from '../ports/services.js';
import { currentLogContext } from '../kernel/log-context.js';

/**
 * Structured logs: one JSON line per entry on stdout/stderr, which Cloud Logging parses
 * (severity, message) and which stays greppable locally. An `error` field holding an Error is
 * written as its name plus `stack_trace` (where Error Reporting reads the stack it groups by)
 * and `serviceContext`; inside a handled request with a trace context (withLogContext) each
 * line carries `logging.googleapis.com/trace` and `spanId`, so Cloud Logging ties it to the
 * request's trace.
 */
export function createJsonLogger(
  component: string,
  stream: { out: NodeJS.WritableStream; err: NodeJS.WritableStream } = { out: process.stdout, err: process.stderr },
  project?: string,
): Logger {
  const write = (severity: string, message: string, fields: Record<string, unknown> = {}) => {
    const { error, ...rest } = fields;
    const entry: Record<string, unknown> = { severity, component, message, ...rest, ...errorFields(error, component), ...traceFields(currentLogContext().traceparent, project) };
    entry.time = new Date().toISOString();
    (severity === 'ERROR' ? stream.err : stream.out).write(`${JSON.stringify(entry)}\n`);
  };
  return {
    info: (m, f) => write('INFO', m, f),
    warn: (m, f) => write('WARNING', m, f),
    error: (m, f) => write('ERROR', m, f),
  };
}

function errorFields(error: unknown, component: string): Record<string, unknown> {
  if (error === undefined) return {};
  if (!(error instanceof Error)) return { error };
  const cause = error.cause instanceof Error ? { cause: `${error.cause.name}: ${error.cause.message}` } : {};
  return { error: error.name, stack_trace: error.stack ?? `${error.name}: ${error.message}`, serviceContext: { service: component }, ...cause };
}

const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** Cloud Logging's trace fields from a W3C traceparent; none without a project or a valid one. */
export function traceFields(traceparent: string | undefined, project: string | undefined): Record<string, unknown> {
  const m = traceparent ? TRACEPARENT.exec(traceparent.trim()) : null;
  if (!m || !project || /^0+$/.test(m[1]!)) return {};
  return {
    'logging.googleapis.com/trace': `projects/${project}/traces/${m[1]}`,
    'logging.googleapis.com/spanId': m[2],
    'logging.googleapis.com/trace_sampled': (parseInt(m[3]!, 16) & 1) === 1,
  };
}

export const silentLogger: Logger = { info: () => {}, warn: () => {}, error: () => {} };
