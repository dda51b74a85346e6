import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MetadataIdTokens } from '../../../shared/adapters/http/metadata-id-tokens.js';
import { HttpHealthProbe } from '../../../shared/adapters/http/http-health-probe.js';
import { HttpLatencyProbe } from '../../../shared/adapters/http/http-latency-probe.js';
import { suiteEnv } from '../../../cli/commands/job.js';

/**
 * A local HTTP server speaking the metadata server's identity endpoint
 * (GET /computeMetadata/v1/instance/service-accounts/default/identity?audience=A&format=full,
 * header Metadata-Flavor: Google; the answer is a JWT and carries the same header), and a
 * private service that, like Cloud Run, answers only a bearer token whose audience is its URL.
 */

const ACCOUNT = 'tdl-fn-run-tests@shop-staging.iam.gserviceaccount.com';
const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const payloadOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8')) as { aud: string; exp: number; email: string };

let metadata: Server;
let service: Server;
let metadataHost = '';
let serviceUrl = '';
const minted = new Set<string>();
let identityRequests: string[] = [];
let metadataAnswer: 'token' | 'refuse' = 'token';

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function identity(req: IncomingMessage): { status: number; body: string } {
  const url = new URL(req.url ?? '/', 'http://metadata');
  if (req.headers['metadata-flavor'] !== 'Google') return { status: 403, body: 'Missing Metadata-Flavor:Google header.' };
  if (url.pathname !== '/computeMetadata/v1/instance/service-accounts/default/identity') return { status: 404, body: 'not found' };
  const audience = url.searchParams.get('audience');
  if (!audience || url.searchParams.get('format') !== 'full') return { status: 400, body: 'non-empty audience parameter required' };
  identityRequests.push(audience);
  if (metadataAnswer === 'refuse') return { status: 403, body: 'the service account has no identity' };
  const now = Math.floor(Date.now() / 1000);
  const jwt = `${b64url({ alg: 'RS256', typ: 'JWT' })}.${b64url({ aud: audience, azp: ACCOUNT, email: ACCOUNT, exp: now + 3600, iat: now, iss: 'https://accounts.google.com' })}.c2lnbmF0dXJl`;
  minted.add(jwt);
  return { status: 200, body: jwt };
}

beforeAll(async () => {
  metadata = createServer((req, res) => {
    const { status, body } = identity(req);
    res.writeHead(status, { 'Metadata-Flavor': 'Google', 'Content-Type': 'application/text' }).end(body);
  });
  service = createServer((req, res) => {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!token) return void res.writeHead(403).end('Forbidden: no token');
    if (!minted.has(token) || payloadOf(token).aud !== serviceUrl) return void res.writeHead(401).end('Unauthorized: wrong audience');
    res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"status":"ok"}');
  });
  metadataHost = await listen(metadata);
  serviceUrl = `http://${await listen(service)}`;
  process.env.GCE_METADATA_HOST = metadataHost;
});

afterAll(async () => {
  delete process.env.GCE_METADATA_HOST;
  await Promise.all([metadata, service].map((s) => new Promise((r) => s.close(r))));
});

beforeEach(() => {
  identityRequests = [];
  metadataAnswer = 'token';
});

describe('ID tokens from the metadata server, for private services', () => {
  it('the health probe of a private service is refused without a token and passes with one', async () => {
    expect(await new HttpHealthProbe(2000).check('shop-api', `${serviceUrl}/health`)).toMatchObject({ ok: false, status: 403 });
    expect(await new HttpHealthProbe(2000, new MetadataIdTokens()).check('shop-api', `${serviceUrl}/health`)).toMatchObject({ ok: true, status: 200 });
    // The audience is the service's origin, not the health path.
    expect(identityRequests).toEqual([serviceUrl]);
  });

  it('keeps a token until it is about to expire: one identity request for many probes of a service', async () => {
    const tokens = new MetadataIdTokens();
    const health = new HttpHealthProbe(2000, tokens);
    const results = [await health.check('shop-api', `${serviceUrl}/health`), await health.check('shop-api', `${serviceUrl}/ready`)];
    const latency = await new HttpLatencyProbe(2000, tokens).measure(`${serviceUrl}/products`, 3);
    expect(results.map((r) => r.ok)).toEqual([true, true]);
    expect(latency).toMatchObject({ errors: 0, samples: [expect.any(Number), expect.any(Number), expect.any(Number)] });
    expect(identityRequests).toEqual([serviceUrl]);
  });

  it('a metadata server that refuses: the probe says why, the latency probe counts every request an error', async () => {
    metadataAnswer = 'refuse';
    const tokens = new MetadataIdTokens();
    const result = await new HttpHealthProbe(2000, tokens).check('shop-api', `${serviceUrl}/health`);
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(new RegExp(`^no ID token for ${serviceUrl.replace(/\./g, '\\.')} from the metadata server: .*`));
    expect(await new HttpLatencyProbe(2000, tokens).measure(`${serviceUrl}/products`, 4)).toEqual({ samples: [], errors: 4 });
  });

  it('the suite gets a token per service URL, and one for BASE_URL, each for its own audience', async () => {
    const other = 'https://orders-x7-uc.a.run.app';
    const env = await suiteEnv({ TDL_URL_SHOP_API: `${serviceUrl}/`, TDL_URL_ORDERS: `${other}/v1`, BASE_URL: `${serviceUrl}/`, TDL_SUITE_NODE_OPTIONS: '' }, new MetadataIdTokens());
    expect(Object.keys(env).sort()).toEqual(['NODE_OPTIONS', 'TDL_ID_TOKEN', 'TDL_ID_TOKEN_ORDERS', 'TDL_ID_TOKEN_SHOP_API']);
    expect(payloadOf(env.TDL_ID_TOKEN_SHOP_API!).aud).toBe(serviceUrl);
    expect(payloadOf(env.TDL_ID_TOKEN_ORDERS!).aud).toBe(other);
    expect(payloadOf(env.TDL_ID_TOKEN!).email).toBe(ACCOUNT);
    // The token the suite gets opens the private service.
    const res = await fetch(`${serviceUrl}/health`, { headers: { authorization: `Bearer ${env.TDL_ID_TOKEN_SHOP_API}` } });
    expect(res.status).toBe(200);
  });
});
