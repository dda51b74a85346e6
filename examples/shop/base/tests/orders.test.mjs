import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { call, newOrder } from './helpers.mjs';

describe('orders', () => {
  test('creates an order and prices it', async () => {
    const res = await newOrder([{ productId: 'p1', quantity: 2 }, { productId: 'p2', quantity: 1 }]);
    assert.equal(res.status, 201, `expected 201 but got ${res.status}: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.totalCents, 2 * 2490 + 390);
  });
  test('reads an order back', async () => {
    const created = await newOrder();
    assert.equal(created.status, 201, `expected 201 but got ${created.status}: ${JSON.stringify(created.body)}`);
    const res = await call('GET', `/orders/${created.body.id}`);
    assert.equal(res.status, 200);
    assert.equal(res.body.items[0].productId, 'p1');
  });
  test('lists orders', async () => {
    const res = await call('GET', '/orders');
    assert.equal(res.status, 200, `expected 200 but got ${res.status}: ${JSON.stringify(res.body)}`);
    assert.ok(Array.isArray(res.body));
  });
  test('refuses an empty order', async () => {
    const res = await call('POST', '/orders', { items: [] });
    assert.equal(res.status, 400, `expected 400 but got ${res.status}: ${JSON.stringify(res.body)}`);
  });
  test('refuses an unknown product', async () => {
    const res = await newOrder([{ productId: 'p99', quantity: 1 }]);
    assert.equal(res.status, 400, `expected 400 but got ${res.status}: ${JSON.stringify(res.body)}`);
  });
  test('refuses a zero quantity', async () => {
    const res = await newOrder([{ productId: 'p2', quantity: 0 }]);
    assert.equal(res.status, 400, `expected 400 but got ${res.status}: ${JSON.stringify(res.body)}`);
  });
  test('cancels an order', async () => {
    const created = await newOrder();
    assert.equal(created.status, 201, `expected 201 but got ${created.status}: ${JSON.stringify(created.body)}`);
    const res = await call('POST', `/orders/${created.body.id}/cancel`);
    assert.equal(res.body.status, 'cancelled');
  });
});
