import type { Logger } from '../ports/services.js';

/**
 * Structured logs: one JSON line per entry on stdout/stderr, which Cloud Logging parses
 * (severity, message) and which stays greppable locally.
 */
export function createJsonLogger(component: string, stream: { out: NodeJS.WritableStream; err: NodeJS.WritableStream } = { out: process.stdout, err: process.stderr }): Logger {
  const write = (severity: string, message: string, fields?: Record<string, unknown>) => {
    const line = JSON.stringify({ severity, component, message, ...fields, time: new Date().toISOString() });
    (severity === 'ERROR' ? stream.err : stream.out).write(`${line}\n`);
  };
  return {
    info: (m, f) => write('INFO', m, f),
    warn: (m, f) => write('WARNING', m, f),
    error: (m, f) => write('ERROR', m, f),
  };
}

export const silentLogger: Logger = { info: () => {}, warn: () => {}, error: () => {} };
