import { describe, expect, it } from 'vitest';
import { clusterFailures } from '../../../shared/analysis/clusters.js';
import { fiveWhys, type FiveWhys, type WhyContext } from '../../../shared/analysis/five-whys.js';
import { explainClusters, type Analyzer } from '../../../shared/analysis/analyzer-port.js';
import { ruleBasedExplainer } from '../../../shared/analysis/rule-based-analyzer.js';
import { tc } from './cases.js';

const healthy: WhyContext['services'] = [{ name: 'api', ready: true, revision: 'api-00002', url: 'http://127.0.0.1:8080', health: { ok: true, status: 200 } }];

function clusterOf(message: string, n = 1) {
  const [c] = clusterFailures(Array.from({ length: n }, (_, i) => tc(`t${i}`, { status: 'failed', message })));
  return c!;
}

describe('fiveWhys', () => {
  it('walks from the symptom to the missing migration, with evidence at each step', () => {
    const chain = fiveWhys(clusterOf('expected 201 but got 503: {"error":"relation \\"orders\\" does not exist"}'), {
      commit: 'c2c2c2c2c2',
      previousCommit: 'c1c1c1c1c1',
      services: healthy,
      previousFailing: [],
      serviceLog: 'listening on 8080\nmigrate: 001_products.json: created table products (4 rows)',
    });
    expect(chain.whys.map((w) => [w.question, w.answer])).toEqual([
      ['Why did 1 test fail?', 'it failed with: relation "orders" does not exist'],
      ['Why is that a database failure?', 'the database lacks a table or column the code uses'],
      ['Was the deployment serving?', 'yes: api@api-00002 ready and answering its health check, so the service ran and answered'],
      ['What did the service print about it?', 'the service\'s output never mentions "orders": migrate: 001_products.json: created table products (4 rows); nothing created it'],
      ['Is it new?', 'yes: none of these tests failed in the previous cycle; the commit changed c1c1c1c1 → c2c2c2c2, which is where to look'],
    ]);
    expect(chain.whys[3]!.evidence).toEqual(['migrate: 001_products.json: created table products (4 rows)']);
    expect(chain).toMatchObject({
      rootCause: 'the database has no "orders" although the code uses it: its migration did not run, or was never written',
      fix: 'add or run the migration that creates "orders" before the service starts',
    });
  });

  it('names the service that was not ready as the root cause of a 503', () => {
    const chain = fiveWhys(clusterOf('AssertionError: expected 200 but got 503', 7), {
      commit: 'c1',
      services: [{ name: 'api', ready: false, revision: 'api-00003', error: 'container failed to start: exit code 1' }],
    });
    expect(chain.whys[0]!.answer).toBe('all 7 failed the same way: got 503');
    expect(chain.whys[2]).toEqual({ question: 'Was the deployment serving?', answer: 'no: api was not ready (container failed to start: exit code 1)', evidence: ['api@api-00003: container failed to start: exit code 1'] });
    expect(chain.rootCause).toBe('api was not serving: container failed to start: exit code 1');
  });

  it.each([
    ['no deployment facts, no log, no previous cycle: the chain stops after what the failure says', {}, 2],
    ['with the previous cycle only', { previousFailing: ['x'], previousCommit: 'c0' }, 3],
  ])('%s', (_name, extra, steps) => {
    expect(fiveWhys(clusterOf('Error: Unexpected server response: 403'), { commit: 'c1', services: [], ...extra }).whys).toHaveLength(steps);
  });

  it.each([
    ['dependency', "Error: Cannot find module 'undici'", '"undici" is not installed where the code runs'],
    ['configuration', 'Error: environment variable STRIPE_KEY is not set', 'STRIPE_KEY is missing or invalid in the environment the suite or service ran in'],
    ['network', 'request to https://rates.carrier.example/v1 failed, reason: getaddrinfo ENOTFOUND rates.carrier.example', 'connections to rates.carrier.example failed below HTTP (DNS, reset or TLS)'],
    ['product-defect', 'AssertionError: expected 1000 to be 900', 'the product answered, but wrongly'],
  ])('concludes a %s cluster with what its evidence names', (category, message, rootCause) => {
    const chain = fiveWhys(clusterOf(message), { commit: 'c1', services: healthy });
    expect([chain.whys[1]!.question, chain.rootCause]).toEqual([`Why is that a ${category} failure?`, rootCause]);
  });
});

describe('the analyzer port', () => {
  const cluster = clusterOf('Error: Unexpected server response: 403', 3);
  const ctx: WhyContext = { commit: 'c1', services: healthy };
  const model = (answer: () => Promise<FiveWhys>): Analyzer => ({ name: 'fake-model', explain: answer });

  it('the rule-based analyzer implements it', async () => {
    expect(await ruleBasedExplainer.explain(cluster, ctx)).toEqual(fiveWhys(cluster, ctx));
  });

  it.each([
    ['answers', model(async () => ({ whys: [{ question: 'q', answer: 'a', evidence: [] }], rootCause: 'r', fix: 'f' })), 'fake-model'],
    ['throws', model(async () => Promise.reject(new Error('quota exceeded'))), 'rules'],
    ['answers with no steps', model(async () => ({ whys: [], rootCause: '', fix: '' })), 'rules'],
  ])('a model that %s: the cluster is explained by %s', async (_name, analyzer, by) => {
    const [explained] = await explainClusters(analyzer, [cluster], ctx, ruleBasedExplainer);
    expect(explained!.analyzer).toBe(by);
    expect(explained!.whys.length).toBeGreaterThan(0);
    expect(explained!.count).toBe(3);
  });
});

describe('fiveWhys past the symptom, on a third-party server', () => {
  /** json-server 0.17.4 as it printed at start and during the run, with the four comments tests failing. */
  const log = [
    '  \\{^_^}/ hi!',
    '  Loading served-db.json',
    '  Done',
    '  Resources',
    '  http://127.0.0.1:3999/posts',
    '  http://127.0.0.1:3999/profile',
    '  Home',
    '  http://127.0.0.1:3999',
    '\x1b[0mGET /comments \x1b[33m404\x1b[0m 5.901 ms - 2\x1b[0m',
    '\x1b[0mPOST /comments \x1b[33m404\x1b[0m 29.659 ms - 2\x1b[0m',
    '\x1b[0mGET /posts \x1b[32m200\x1b[0m 8.052 ms - 219\x1b[0m',
    '\x1b[0mGET /profile \x1b[32m200\x1b[0m 3.031 ms - 42\x1b[0m',
  ].join('\n');
  const cases = [
    tc('test_list_comments', { status: 'failed', message: 'assert 404 == 200\n +  where 404 = <Response [404]>.status_code', details: '        r = api.get(f"{base_url}/comments")\n>       assert r.status_code == 200\nE       assert 404 == 200\n\ntests/test_comments.py:3: AssertionError' }),
    tc('test_create_comment', { status: 'failed', message: 'assert 404 == 201', details: '        r = api.post(f"{base_url}/comments", json={"postId": 2})\n>       assert r.status_code == 201\nE       assert 404 == 201\n\ntests/test_comments.py:18: AssertionError' }),
  ];

  it('says which requests failed while others passed, and what the server said it serves', () => {
    const [cluster] = clusterFailures(cases);
    const chain = fiveWhys(cluster!, { commit: 'c1', services: healthy, serviceLog: log, previousFailing: [] });
    expect(chain.whys.map((w) => w.question)).toEqual(['Why did 2 tests fail?', 'Why is that a product-defect failure?', 'Which requests failed, and did similar ones pass?', 'Does the service serve /comments?', 'Is it new?']);
    expect(chain.whys[2]!.answer).toBe('GET /comments, POST /comments answered 404, while the same service answered /posts, /profile with 200: the service ran, only /comments failed');
    expect(chain.whys[3]).toEqual({ question: 'Does the service serve /comments?', answer: 'no: at start it listed the resources it serves, /posts, /profile, and /comments is not among them', evidence: ['http://127.0.0.1:3999/posts', 'http://127.0.0.1:3999/profile'] });
    expect(chain.rootCause).toBe('the service does not serve /comments: GET /comments, POST /comments answered 404, and what it listed at start (/posts, /profile) lacks it');
  });

  it('says "unknown" rather than invent a step when the service printed nothing', () => {
    const [cluster] = clusterFailures(cases);
    const chain = fiveWhys(cluster!, { commit: 'c1', services: [] });
    expect(chain.whys.map((w) => w.question)).toEqual(['Why did 2 tests fail?', 'Why is that a product-defect failure?', 'Which requests failed, and did similar ones pass?']);
    expect(chain.whys[2]!.answer).toContain("whether the service's other endpoints answered is unknown");
    expect(chain.rootCause).toBe('/comments answered 404 (GET /comments, POST /comments); why the service does not serve it is unknown: its output does not list what it serves');
  });
});
