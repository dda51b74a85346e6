import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { call } from './helpers.mjs';

describe('health', () => {
  test('answers ok on /healthz', async () => {
    const res = await call('GET', '/healthz');
    assert.equal(res.status, 200);
    assert.equal(res.body.status, 'ok');
  });
  test('names the revision it runs', async () => {
    const res = await call('GET', '/healthz');
    assert.match(res.body.revision, /^shop-api-/);
  });
  test('answers JSON', async () => {
    const res = await fetch(`${process.env.BASE_URL ?? 'http://127.0.0.1:8080'}/healthz`);
    assert.match(res.headers.get('content-type') ?? '', /application\/json/);
    await res.text();
  });
  test('unknown routes answer 404 with a reason', async () => {
    const res = await call('GET', '/nope');
    assert.equal(res.status, 404);
    assert.match(res.body.error, /no route GET \/nope/);
  });
});
