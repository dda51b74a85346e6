import { createServer, type Server } from 'node:http';

export interface Received {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * A local server speaking Slack's incoming-webhook wire format: POST a JSON body with `text`
 * to /services/T.../B.../secret; 200 "ok", 400 "invalid_payload", 404 "no_service" for an
 * unknown hook. `answers` queues replies (a 500, a 429 with Retry-After) ahead of the real one.
 * Any other path answers as a generic webhook receiver: 200 with an empty body.
 */
export class WebhookReceiver {
  readonly received: Received[] = [];
  readonly answers: Array<{ status: number; body: string; headers?: Record<string, string> }> = [];
  private server?: Server;
  url = '';

  constructor(private readonly slackPath = '/services/T0FAKE/B0FAKE/xoxbsecretpart') {}

  get slackUrl(): string {
    return `${this.url}${this.slackPath}`;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        this.received.push({ path: req.url ?? '', headers: req.headers, body });
        const queued = this.answers.shift();
        if (queued) {
          res.writeHead(queued.status, { 'content-type': 'text/plain', ...queued.headers });
          return res.end(queued.body);
        }
        if (!req.url?.startsWith('/services/')) return res.writeHead(200).end();
        if (req.url !== this.slackPath) return res.writeHead(404, { 'content-type': 'text/plain' }).end('no_service');
        let text: unknown;
        try {
          text = (JSON.parse(body) as { text?: unknown }).text;
        } catch {
          text = undefined;
        }
        if (typeof text !== 'string' || !text) return res.writeHead(400, { 'content-type': 'text/plain' }).end('invalid_payload');
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    const address = this.server.address();
    this.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((r) => (this.server ? this.server.close(r) : r(undefined)));
  }
}
