import { describe, expect, it } from 'vitest';
import { failureSignature, normalize } from '../../../shared/analysis/signature.js';

describe('normalize', () => {
  it.each([
    ['ids, addresses and temp paths go', 'order 8c1f9a0e-1234-4abc-8def-0123456789ab at 10.0.0.7:5432 wrote /tmp/run-42/out.json', 'order <uuid> at <addr> wrote <tmp>'],
    ['HTTP statuses stay, other numbers go', 'expected 201 but got 503 after 1234 ms', 'expected 201 but got 503 after <n> ms'],
    ['hosts of URLs go, paths stay', 'GET https://shop-api-x7-uc.a.run.app/orders/17 failed', 'GET https://<host>/orders/<n> failed'],
    ['WebSocket URLs and IPv6 loopback', 'connect ws://127.0.0.1:9001/socket refused by ::1:9001', 'connect ws://<host>/socket refused by <addr>'],
    ['timestamps and hex ids', 'at 2024-05-01T10:22:33.123Z object 0x7f3b2c1d9e50 commit 3f9a2b1c4d', 'at <time> object <hex> commit <hex>'],
    ['long quoted values and quoted numbers', `user "u-12345" token 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9' table "orders"`, `user "<value>" token '<value>' table "orders"`],
  ])('%s', (_name, input, expected) => {
    expect(normalize(input)).toBe(expected);
  });
});

describe('failureSignature', () => {
  it.each([
    ['the first meaningful line of the message', 'Error: Unexpected server response: 403\n    at ClientRequest (ws.js:1:1)', undefined, 'Error: Unexpected server response: 403'],
    ['a traceback read for its exception', 'Traceback (most recent call last):\n  File "x.py", line 3, in <module>\n    os.environ["API_URL"]\nKeyError: \'API_URL\'', undefined, "KeyError: 'API_URL'"],
    ['details when the message is empty', '', '=== RUN   TestX\n    x_test.go:12: got 503, want 200\n--- FAIL: TestX (0.01s)', 'x_test.go:<n>: got 503, want 200'],
    ['nothing at all', undefined, undefined, '(no message)'],
  ])('%s', (_name, message, details, expected) => {
    expect(failureSignature(message, details)).toBe(expected);
  });

  it('is the same for the same failure on other ports, ids and times', () => {
    const a = failureSignature('WebSocket to ws://127.0.0.1:9001/chat?room=17 rejected at 2024-05-01T10:00:00Z: Unexpected server response: 403');
    const b = failureSignature('WebSocket to ws://127.0.0.1:9444/chat?room=99 rejected at 2024-05-02T11:30:00Z: Unexpected server response: 403');
    expect(a).toBe(b);
  });

  it('stays short, keeps a readable prefix and tells long lines apart by a hash', () => {
    const long = (tail: string) => `AssertionError: expected the response body to contain every product of the catalogue page ${'x'.repeat(60)} ${tail}`;
    const a = failureSignature(long('apples'));
    const b = failureSignature(long('pears'));
    expect(a).toMatch(/^AssertionError: expected the response body .*… #[0-9a-f]{8}$/);
    expect(a.length).toBeLessThanOrEqual(132);
    expect(a).not.toBe(b);
    expect(failureSignature(long('apples'))).toBe(a);
  });
});
