// The shop API: products, orders and checkout over JSON, its tables in data/ (see migrate.mjs).
import { createServer } from 'node:http';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const dataDir = path.resolve(process.env.SHOP_DATA_DIR ?? 'data');
const port = Number(process.env.PORT ?? 8080);
// The loop names each revision it starts (TDL_REVISION); run by hand, the commit names it.
const revision = process.env.TDL_REVISION ?? `${process.env.TDL_SERVICE ?? 'shop-api'}-${(process.env.TDL_COMMIT ?? 'dev').slice(0, 7)}`;

class MissingRelation extends Error {}

function table(name) {
  const file = path.join(dataDir, `${name}.json`);
  if (!existsSync(file)) throw new MissingRelation(`relation "${name}" does not exist`);
  return { rows: JSON.parse(readFileSync(file, 'utf8')), save: (rows) => writeFileSync(file, JSON.stringify(rows)) };
}

async function body(req) {
  let text = '';
  for await (const chunk of req) text += chunk;
  try {
    return text ? JSON.parse(text) : {};
  } catch {
    return null;
  }
}

const routes = [
  ['GET', /^\/healthz$/, () => [200, { status: 'ok', revision }]],
  ['GET', /^\/products$/, (_m, url) => {
    const q = (url.searchParams.get('q') ?? '').toLowerCase();
    return [200, table('products').rows.filter((p) => p.name.toLowerCase().includes(q))];
  }],
  ['GET', /^\/products\/(\w+)$/, ([, id]) => {
    const p = table('products').rows.find((x) => x.id === id);
    return p ? [200, p] : [404, { error: `no product ${id}` }];
  }],
  ['POST', /^\/orders$/, async (_m, _u, req) => {
    // Read the body first: from here on the handler is synchronous, so concurrent orders
    // (the suite's files run in parallel) cannot read the same rows and overwrite each other.
    const input = await body(req);
    const orders = table('orders');
    if (!input || !Array.isArray(input.items) || input.items.length === 0) return [400, { error: 'items must be a non-empty array' }];
    const products = table('products').rows;
    const lines = [];
    for (const item of input.items) {
      const p = products.find((x) => x.id === item.productId);
      if (!p) return [400, { error: `unknown product ${item.productId}` }];
      if (!Number.isInteger(item.quantity) || item.quantity < 1) return [400, { error: 'quantity must be a positive integer' }];
      lines.push({ productId: p.id, quantity: item.quantity, priceCents: p.priceCents });
    }
    const order = { id: `o${orders.rows.length + 1}`, items: lines, status: 'open', totalCents: lines.reduce((s, l) => s + l.quantity * l.priceCents, 0) };
    orders.save([...orders.rows, order]);
    return [201, order];
  }],
  ['GET', /^\/orders$/, () => [200, table('orders').rows]],
  ['GET', /^\/orders\/(\w+)$/, ([, id]) => {
    const o = table('orders').rows.find((x) => x.id === id);
    return o ? [200, o] : [404, { error: `no order ${id}` }];
  }],
  ['POST', /^\/orders\/(\w+)\/cancel$/, ([, id]) => {
    const orders = table('orders');
    const o = orders.rows.find((x) => x.id === id);
    if (!o) return [404, { error: `no order ${id}` }];
    o.status = 'cancelled';
    orders.save(orders.rows);
    return [200, o];
  }],
  ['POST', /^\/checkout\/(\w+)$/, ([, id]) => {
    const o = table('orders').rows.find((x) => x.id === id);
    if (!o) return [404, { error: `no order ${id}` }];
    if (o.status !== 'open') return [409, { error: `order ${id} is ${o.status}` }];
    const taxCents = Math.round(o.totalCents * 0.2);
    return [200, { orderId: id, total: { netCents: o.totalCents, taxCents, grossCents: o.totalCents + taxCents } }];
  }],
];

createServer(async (req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  let status = 404;
  let payload = { error: `no route ${req.method} ${url.pathname}` };
  for (const [method, pattern, handle] of routes) {
    const m = pattern.exec(url.pathname);
    if (m && req.method === method) {
      try {
        [status, payload] = await handle(m, url, req);
      } catch (error) {
        status = error instanceof MissingRelation ? 503 : 500;
        payload = { error: error.message };
        console.error(`${req.method} ${url.pathname}: ${error.message}`);
      }
      break;
    }
  }
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(payload));
}).listen(port, '127.0.0.1', () => console.log(`shop-api ${revision} listening on ${port}`));
