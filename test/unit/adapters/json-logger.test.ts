import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createJsonLogger, traceFields } from '../../../shared/adapters/json-logger.js';
import { pubsubHandler, type HandlerDeps } from '../../../shared/chain/delivery/handler.js';
import { TransientError } from '../../../shared/kernel/errors.js';

/** What Cloud Logging receives from a handled push: one JSON line per entry. */
function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const sink = () => {
    const s = new PassThrough();
    s.on('data', (chunk: Buffer) => lines.push(...chunk.toString('utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)));
    return s;
  };
  return { lines, stream: { out: sink(), err: sink() } };
}

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const push = (extra: Record<string, unknown> = {}) => ({
  id: 'evt-1',
  data: { message: { messageId: '1200', data: Buffer.from(JSON.stringify({ at: '2026-12-03T09:00:00.000Z' })).toString('base64') } },
  ...extra,
});

function handlerLogging(lines: ReturnType<typeof capture>, failWith?: Error) {
  const log = createJsonLogger('watchdog', lines.stream, 'shop-staging');
  const deps: HandlerDeps = { log, store: {} as HandlerDeps['store'], publisher: {} as HandlerDeps['publisher'] };
  return pubsubHandler('watchdog-tick', () => deps, async () => {
    log.info('sweeping overdue cycles');
    if (failWith) throw failWith;
    return { kind: 'done', detail: 'nothing overdue' };
  });
}

describe('logs Error Reporting can group and Cloud Trace can tie to the request', () => {
  it('a step that throws logs the error with its stack, and every line of the request carries its trace', async () => {
    const out = capture();
    const failure = new TransientError('Firestore unavailable: 14 UNAVAILABLE', { cause: new Error('connect ECONNREFUSED 10.0.0.7:443') });
    const handler = handlerLogging(out, failure);
    await expect(handler(push({ traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01` }))).rejects.toBe(failure);
    await new Promise((r) => setImmediate(r));
    const [info, error] = out.lines;
    expect(info).toMatchObject({ severity: 'INFO', message: 'sweeping overdue cycles', 'logging.googleapis.com/trace': `projects/shop-staging/traces/${TRACE_ID}` });
    expect(error).toMatchObject({
      severity: 'ERROR',
      message: 'watchdog-tick 1200: Firestore unavailable: 14 UNAVAILABLE; will be redelivered',
      error: 'TransientError',
      cause: 'Error: connect ECONNREFUSED 10.0.0.7:443',
      serviceContext: { service: 'watchdog' },
      'logging.googleapis.com/trace': `projects/shop-staging/traces/${TRACE_ID}`,
      'logging.googleapis.com/spanId': '00f067aa0ba902b7',
      'logging.googleapis.com/trace_sampled': true,
    });
    // The stack as Node prints it: what Error Reporting parses.
    expect(error!.stack_trace).toMatch(/^TransientError: Firestore unavailable: 14 UNAVAILABLE\n\s+at .*json-logger\.test\.ts:\d+:\d+/);
  });

  it('a push without a trace context logs without trace fields; one from an OpenTelemetry publisher uses its attribute', async () => {
    const out = capture();
    await handlerLogging(out)(push());
    expect(Object.keys(out.lines[0]!).filter((k) => k.startsWith('logging.googleapis.com/'))).toEqual([]);
    const viaAttribute = push();
    (viaAttribute.data.message as Record<string, unknown>).attributes = { googclient_traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-00` };
    await handlerLogging(out)(viaAttribute);
    expect(out.lines[1]).toMatchObject({ 'logging.googleapis.com/trace': `projects/shop-staging/traces/${TRACE_ID}`, 'logging.googleapis.com/trace_sampled': false });
  });

  it.each([
    ['not a traceparent', 'abc'],
    ['the all-zero trace id W3C forbids', `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`],
    ['an X-Cloud-Trace-Context value', `${TRACE_ID}/1;o=1`],
  ])('ignores %s', (_what, value) => {
    expect(traceFields(value, 'shop-staging')).toEqual({});
  });

  it('an error that is not an Error is written as it is', () => {
    const out = capture();
    createJsonLogger('tdl', out.stream).error('odd failure', { error: 'ETIMEDOUT' });
    return new Promise<void>((resolve) => setImmediate(() => {
      expect(out.lines[0]).toMatchObject({ error: 'ETIMEDOUT' });
      expect(out.lines[0]).not.toHaveProperty('stack_trace');
      resolve();
    }));
  });
});
