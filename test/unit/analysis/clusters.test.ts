import { describe, expect, it } from 'vitest';
import { clusterFailures } from '../../../shared/analysis/clusters.js';
import { tc } from './cases.js';

/** Seven WebSocket tests in two suites, each on its own port and room, refused at the handshake. */
const websocket = Array.from({ length: 7 }, (_, i) =>
  tc(`ws ${i}`, {
    status: 'failed',
    suite: i < 4 ? 'chat' : 'presence',
    message: 'Error: Unexpected server response: 403',
    details: `Error: Unexpected server response: 403\n    at ClientRequest.<anonymous> (node_modules/ws/lib/websocket.js:913:7)\n    connecting to ws://127.0.0.1:${9000 + i}/socket?room=${100 + i}`,
  }),
);

describe('clusterFailures', () => {
  it('makes one cluster of seven WebSocket tests failing on one refused handshake', () => {
    const clusters = clusterFailures([...websocket, tc('total', { status: 'failed', message: 'AssertionError: expected 1000 to be 900' }), tc('fine')]);
    expect(clusters.map((c) => [c.category, c.count, c.signature])).toEqual([
      ['auth', 7, 'auth: Unexpected server response: 403'],
      ['product-defect', 1, 'product-defect: AssertionError: expected <n> to be <n>'],
    ]);
    expect(clusters[0]).toMatchObject({ suites: ['chat', 'presence'], evidence: ['Error: Unexpected server response: 403'], example: { test: websocket[0]!.id } });
  });

  it.each([
    ['passed and skipped cases are not failures', [tc('a'), tc('b', { status: 'skipped' })], []],
    ['errors cluster with failures of the same cause', [tc('a', { status: 'error', message: 'Error: connect ECONNREFUSED 127.0.0.1:3000' }), tc('b', { status: 'failed', message: 'connect ECONNREFUSED 127.0.0.1:3001' })], [['deployment', 2]]],
    [
      'equal sizes: the more severe category first',
      [tc('a', { status: 'failed', message: 'AssertionError: expected 2 to be 3' }), tc('b', { status: 'failed', message: 'relation "orders" does not exist' })],
      [['database', 1], ['product-defect', 1]],
    ],
  ])('%s', (_name, cases, expected) => {
    expect(clusterFailures(cases).map((c) => [c.category, c.count])).toEqual(expected);
  });

  it('keeps at most 50 ids of a cluster of 10,000, with the full count', () => {
    const many = Array.from({ length: 10_000 }, (_, i) => tc(`t${i}`, { status: 'failed', suite: `s${i % 100}`, message: `expected 200 but got 503 (request ${i})` }));
    const [c] = clusterFailures(many);
    expect([c!.count, c!.tests.length, c!.suites.length]).toEqual([10_000, 50, 20]);
  });
});
