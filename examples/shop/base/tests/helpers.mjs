// Talks to the deployed service named by BASE_URL (set by the loop for the revision under test).
export const baseUrl = process.env.BASE_URL ?? 'http://127.0.0.1:8080';

export async function call(method, path, json) {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: json ? { 'content-type': 'application/json' } : {},
    body: json ? JSON.stringify(json) : undefined,
  });
  const text = await res.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: res.status, body };
}

export async function newOrder(items = [{ productId: 'p1', quantity: 2 }]) {
  return call('POST', '/orders', { items });
}
