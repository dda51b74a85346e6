import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudLoggingServiceLogs, filterOf } from '../../../shared/adapters/cloud-logging/cloud-logging-service-logs.js';
import { ServiceLogFiles, openServiceLog } from '../../../shared/adapters/files/service-log-files.js';

/** A local server speaking the Logging API's entries:list wire format, two pages of a Cloud Run revision's entries. */
const requests: Array<{ auth?: string; body: Record<string, unknown> }> = [];
let server: Server;
let baseUrl = '';

async function body(req: IncomingMessage): Promise<Record<string, unknown>> {
  let text = '';
  for await (const chunk of req) text += chunk;
  return JSON.parse(text) as Record<string, unknown>;
}

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const b = await body(req);
    requests.push({ auth: req.headers.authorization, body: b });
    if (req.url !== '/v2/entries:list' || req.method !== 'POST') return void res.writeHead(404).end('{}');
    if (String(b.filter).includes('"broken"')) return void res.writeHead(403, { 'content-type': 'application/json' }).end('{"error":{"code":403,"status":"PERMISSION_DENIED"}}');
    const first = {
      entries: [
        { textPayload: '  Resources\n', timestamp: '2026-12-03T09:00:00Z' },
        { textPayload: '  https://blog-api-abc-uc.a.run.app/posts' },
        { jsonPayload: { message: 'listening on 8080', severity: 'INFO' } },
      ],
      nextPageToken: 'p2',
    };
    const second = { entries: [{ httpRequest: { requestMethod: 'GET', requestUrl: 'https://blog-api-abc-uc.a.run.app/comments?postId=1', status: 404 } }, { jsonPayload: { level: 'warn', err: 'x' } }] };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(b.pageToken === 'p2' ? second : first));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('CloudLoggingServiceLogs (Cloud Run, entries:list)', () => {
  const logs = () => new CloudLoggingServiceLogs({ projectId: 'acme-staging', token: async () => 'tok-1', baseUrl });

  it("reads a revision's window across pages, request logs as access-log lines", async () => {
    requests.length = 0;
    const lines = await logs().read({ service: 'blog-api', revision: 'blog-api-00007-xyz', since: '2026-12-03T09:00:00Z', until: '2026-12-03T09:05:00Z', maxLines: 100 });
    expect(lines).toEqual(['  Resources', '  https://blog-api-abc-uc.a.run.app/posts', 'listening on 8080', 'GET /comments?postId=1 404', '{"level":"warn","err":"x"}']);
    expect(requests).toHaveLength(2);
    expect(requests[0]).toEqual({
      auth: 'Bearer tok-1',
      body: {
        resourceNames: ['projects/acme-staging'],
        filter: 'resource.type="cloud_run_revision" AND resource.labels.service_name="blog-api" AND resource.labels.revision_name="blog-api-00007-xyz" AND timestamp>="2026-12-03T09:00:00Z" AND timestamp<="2026-12-03T09:05:00Z"',
        orderBy: 'timestamp asc',
        pageSize: 100,
      },
    });
    expect(requests[1]!.body.pageToken).toBe('p2');
  });

  it('stops at maxLines without asking for the next page', async () => {
    requests.length = 0;
    expect(await logs().read({ service: 'blog-api', since: '2026-12-03T09:00:00Z', maxLines: 2 })).toHaveLength(2);
    expect(requests).toHaveLength(1);
  });

  it('says what the API answered when it refuses', async () => {
    await expect(logs().read({ service: 'broken', since: '2026-12-03T09:00:00Z', maxLines: 5 })).rejects.toThrow('Cloud Logging entries:list answered 403: {"error":{"code":403,"status":"PERMISSION_DENIED"}}');
  });

  it('quotes names, so a service name cannot widen the filter', () => {
    expect(filterOf({ service: 'a" OR resource.type="gce_instance', since: 't', maxLines: 1 })).toBe('resource.type="cloud_run_revision" AND resource.labels.service_name="a\\" OR resource.type=\\"gce_instance" AND timestamp>="t"');
  });
});

describe('ServiceLogFiles (the local deployer captures what a revision prints)', () => {
  it("reads back a revision's lines in the window, oldest first", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'tdl-logs-'));
    try {
      const log = await openServiceLog(dir, 'blog-api', 'blog-api-75000fb-1');
      log.write('  Resources');
      log.write('  http://127.0.0.1:3999/posts');
      await log.close();
      const files = new ServiceLogFiles(dir);
      const since = new Date(Date.now() - 60_000).toISOString();
      expect(await files.read({ service: 'blog-api', revision: 'blog-api-75000fb-1', since, maxLines: 10 })).toEqual(['  Resources', '  http://127.0.0.1:3999/posts']);
      expect(await files.read({ service: 'blog-api', revision: 'blog-api-75000fb-1', since, maxLines: 1 })).toEqual(['  Resources']);
      expect(await files.read({ service: 'blog-api', revision: 'blog-api-75000fb-1', since: new Date(Date.now() + 60_000).toISOString(), maxLines: 10 })).toEqual([]);
      expect(await files.read({ service: 'blog-api', revision: 'other', since, maxLines: 10 })).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
