import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { call } from './helpers.mjs';

describe('products', () => {
  test('lists the catalogue', async () => {
    const res = await call('GET', '/products');
    assert.equal(res.status, 200);
    assert.equal(res.body.length, 4);
  });
  test('finds products by name', async () => {
    const res = await call('GET', '/products?q=espresso');
    assert.deepEqual(res.body.map((p) => p.id), ['p1']);
  });
  test('search without a match is empty, not an error', async () => {
    const res = await call('GET', '/products?q=teapot');
    assert.equal(res.status, 200);
    assert.equal(res.body.items.length, 0);
  });
  test('reads one product with its price', async () => {
    const res = await call('GET', '/products/p3');
    assert.equal(res.status, 200);
    assert.equal(res.body.priceCents, 1990);
  });
  test('prices are whole cents', async () => {
    const res = await call('GET', '/products');
    assert.ok(res.body.every((p) => Number.isInteger(p.priceCents) && p.priceCents > 0));
  });
  test('an unknown product is 404', async () => {
    const res = await call('GET', '/products/p99');
    assert.equal(res.status, 404);
  });
});
