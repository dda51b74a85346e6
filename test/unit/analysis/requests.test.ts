import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loggedRequests, pathOf, requestOf, resourceOf } from '../../../shared/analysis/requests.js';
import { clusterFailures } from '../../../shared/analysis/clusters.js';
import { tc } from './cases.js';

/** What pytest wrote to junit.xml for the four comments tests against json-server 0.17.4 without a `comments` collection. */
const jsonServer: Array<{ name: string; classname: string; message: string; details: string }> = JSON.parse(
  readFileSync(path.join(import.meta.dirname, '../../fixtures/failures/json-server-pytest-failures.json'), 'utf8'),
);

describe('requestOf: method, path and status as runners print them', () => {
  it.each([
    ['pytest with requests', 'def t(api, base_url):\n        r = api.get(f"{base_url}/comments/1")\n>       assert r.status_code == 200\nE       assert 404 == 200\nE        +  where 404 = <Response [404]>.status_code', { method: 'GET', path: '/comments/{id}', status: 404 }],
    ['requests raise_for_status', 'requests.exceptions.HTTPError: 404 Client Error: Not Found for url: http://127.0.0.1:3000/comments?postId=1', { path: '/comments', status: 404 }],
    ['httpx', "httpx.HTTPStatusError: Client error '403 Forbidden' for url 'https://api.example/v2/me'", { path: '/v2/me', status: 403 }],
    ['jest and supertest', "expect(received).toBe(expected)\n\nExpected: 201\nReceived: 404\n\n  11 |     const res = await request(app).post('/api/comments').send(body);\n> 12 |     expect(res.status).toBe(201);", { method: 'POST', path: '/api/comments', status: 404 }],
    ['Playwright request fixture', "Error: expect(received).toBe(expected)\n\nExpected: 200\nReceived: 404\n\n  12 |     const res = await request.get(`${baseURL}/api/orders/${id}`);", { method: 'GET', path: '/api/orders/{id}', status: 404 }],
    ['Go', 'orders_test.go:27: GET http://127.0.0.1:8080/orders/42: got status 404 Not Found, want 200', { method: 'GET', path: '/orders/{id}', status: 404 }],
    ['a value without a request', 'AssertionError: expected 1000 to be 900', {}],
    ['rspec', 'expected the response to have status code :ok (200) but it was :not_found (404)', { status: 404 }],
    ['PHPUnit', 'Failed asserting that 404 is identical to 200.', { status: 404 }],
    ['chai', 'AssertionError: expected 404 to equal 200', { status: 404 }],
    ['Gomega', 'Expected\n    <int>: 404\nto equal\n    <int>: 200', { status: 404 }],
    ['TestNG', 'java.lang.AssertionError: expected [200] but found [404]', { status: 404 }],
    ['ExUnit and Rust', 'Assertion with == failed\ncode:  assert conn.status == 200\nleft:  404\nright: 200', { status: 404 }],
    ['Guzzle', 'GuzzleHttp\\Exception\\ClientException: Client error: `GET https://h.example/api/x` resulted in a `404 Not Found` response', { method: 'GET', path: '/api/x', status: 404 }],
  ])('%s', (_name, text, expected) => {
    expect(requestOf(text)).toEqual(expected);
  });

  it('names resources the way a person does', () => {
    expect([pathOf('http://h:1/posts/1/comments?x=1'), resourceOf('/posts/{id}/comments'), resourceOf('/comments/{id}')]).toEqual(['/posts/{id}/comments', 'comments', 'comments']);
  });

  it("reads an access log, colours and all (json-server's morgan 'dev' format, combined log format)", () => {
    const log = '\x1b[0mGET /comments \x1b[33m404\x1b[0m 5.901 ms - 2\x1b[0m\n\x1b[0mPOST /posts \x1b[32m201\x1b[0m 8.7 ms - 52\x1b[0m\n10.0.0.1 - - [03/Dec/2026:09:00:00 +0000] "GET /profile HTTP/1.1" 200 42\n  Loading db.json';
    expect(loggedRequests(log)).toEqual([
      { method: 'GET', path: '/comments', status: 404 },
      { method: 'POST', path: '/posts', status: 201 },
      { method: 'GET', path: '/profile', status: 200 },
    ]);
  });
});

describe('clusters by cause, not wording', () => {
  it("makes one cluster of json-server's four failures on the missing comments collection", () => {
    const cases = jsonServer.map((f) => tc(f.name, { suite: f.classname, status: 'failed', message: f.message, details: f.details }));
    const clusters = clusterFailures([...cases, tc('test_list_posts', { suite: 'tests.test_posts' })]);
    expect(clusters).toHaveLength(1);
    expect(clusters[0]).toMatchObject({ signature: 'product-defect: /comments answered 404', count: 4, http: { resource: 'comments', status: 404 } });
    expect(new Set(clusters[0]!.http!.requests)).toEqual(new Set(['GET /comments', 'GET /comments/{id}', 'POST /comments']));
  });

  it('keeps two resources, or two statuses of one resource, apart', () => {
    const cases = [
      tc('a', { status: 'failed', message: 'GET http://h/comments: got status 404, want 200' }),
      tc('b', { status: 'failed', message: 'GET http://h/tags: got status 404, want 200' }),
      tc('c', { status: 'failed', message: 'POST http://h/comments: got status 400, want 201' }),
    ];
    expect(clusterFailures(cases).map((c) => c.signature).sort()).toEqual(['product-defect: /comments answered 400', 'product-defect: /comments answered 404', 'product-defect: /tags answered 404']);
  });
});
