import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { call, newOrder } from './helpers.mjs';

describe('checkout', () => {
  test('adds 20 % tax to the order total', async () => {
    const created = await newOrder([{ productId: 'p3', quantity: 1 }]);
    assert.equal(created.status, 201, `expected 201 but got ${created.status}: ${JSON.stringify(created.body)}`);
    const res = await call('POST', `/checkout/${created.body.id}`);
    assert.equal(res.status, 200);
    assert.equal(res.body.total.grossCents, 2388);
  });
  test('refuses to check out a cancelled order', async () => {
    const created = await newOrder();
    assert.equal(created.status, 201, `expected 201 but got ${created.status}: ${JSON.stringify(created.body)}`);
    await call('POST', `/orders/${created.body.id}/cancel`);
    const res = await call('POST', `/checkout/${created.body.id}`);
    assert.equal(res.status, 409);
  });
  test('an unknown order cannot be checked out', async () => {
    const res = await call('POST', '/checkout/o999');
    assert.equal(res.status, 404, `expected 404 but got ${res.status}: ${JSON.stringify(res.body)}`);
  });
});
