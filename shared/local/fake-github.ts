import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';

/**
 * A local stand-in for the part of GitHub's REST API that notify uses, speaking its wire format
 * (paths, JSON bodies, status codes, token auth): commit statuses, and issues with their labels,
 * comments and state. `tdl local --fake-github` runs one, so the loop's statuses and issue can
 * be seen without a repository; the integration tests record and assert what reached it.
 */

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

export interface FakeIssue {
  number: number;
  title: string;
  body: string;
  labels: string[];
  state: 'open' | 'closed';
  state_reason: string | null;
  comments: string[];
}

export interface FakeStatus {
  sha: string;
  state: string;
  context: string;
  description: string;
  target_url: string | null;
}

export class FakeGitHub {
  readonly token = `ghp_fake${randomBytes(12).toString('hex')}`;
  readonly requests: RecordedRequest[] = [];
  readonly statuses: FakeStatus[] = [];
  readonly issues: FakeIssue[] = [];
  private failures: Array<{ status: number; body: unknown }> = [];
  private server?: Server;
  url = '';

  /** Called with each request that changed something, in words: what `tdl local` prints. */
  constructor(private readonly onChange: (line: string) => void = () => {}) {}

  /** The next `count` requests answer `status` (a 502, a 403 rate limit...) before anything is done. */
  failNext(count: number, status: number, body: unknown = { message: 'Server Error' }): void {
    for (let i = 0; i < count; i++) this.failures.push({ status, body });
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.receive(req, res));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    const address = this.server.address();
    this.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    return this.url;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise((r) => this.server!.close(r));
  }

  private async receive(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let text = '';
    for await (const chunk of req) text += chunk;
    const url = new URL(req.url ?? '/', 'http://fake');
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      return send(res, 400, { message: 'Problems parsing JSON' });
    }
    const request: RecordedRequest = { method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), headers: req.headers, body };
    this.requests.push(request);
    const auth = req.headers.authorization ?? '';
    if (auth !== `token ${this.token}` && auth !== `Bearer ${this.token}`) return send(res, 401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' });
    const failure = this.failures.shift();
    if (failure) return send(res, failure.status, failure.body);
    const answer = this.route(request);
    send(res, answer.status, answer.body);
  }

  private route(r: RecordedRequest): { status: number; body: unknown } {
    const b = (r.body ?? {}) as Record<string, unknown>;
    const repo = /^\/repos\/([^/]+)\/([^/]+)(\/.*)$/.exec(r.path);
    if (!repo) return notFound();
    const [, owner, name, rest] = repo;
    const base = `${this.url}/repos/${owner}/${name}`;
    const status = /^\/statuses\/([0-9a-f]{40})$/.exec(rest!);
    if (status && r.method === 'POST') {
      if (!['pending', 'success', 'failure', 'error'].includes(String(b.state))) return invalid('state');
      const s: FakeStatus = { sha: status[1]!, state: String(b.state), context: String(b.context ?? 'default'), description: String(b.description ?? ''), target_url: (b.target_url as string) ?? null };
      this.statuses.push(s);
      this.onChange(`github: status ${s.state} on ${s.sha.slice(0, 8)} (${s.context}): ${s.description}`);
      return { status: 201, body: { id: this.statuses.length, url: `${base}/statuses/${s.sha}`, ...s, created_at: new Date().toISOString() } };
    }
    if (rest === '/issues' && r.method === 'GET') {
      const labels = (r.query.labels ?? '').split(',').filter(Boolean);
      const open = this.issues.filter((i) => (r.query.state ?? 'open') === 'all' || i.state === (r.query.state ?? 'open')).filter((i) => labels.every((l) => i.labels.includes(l)));
      return { status: 200, body: open.map((i) => this.issueJson(base, i)) };
    }
    if (rest === '/issues' && r.method === 'POST') {
      if (typeof b.title !== 'string' || !b.title) return invalid('title');
      const issue: FakeIssue = { number: this.issues.length + 1, title: b.title, body: String(b.body ?? ''), labels: (b.labels as string[]) ?? [], state: 'open', state_reason: null, comments: [] };
      this.issues.push(issue);
      this.onChange(`github: issue #${issue.number} opened: ${issue.title} [${issue.labels.join(', ')}]`);
      return { status: 201, body: this.issueJson(base, issue) };
    }
    const one = /^\/issues\/(\d+)(\/comments)?$/.exec(rest!);
    const issue = one ? this.issues.find((i) => i.number === Number(one[1])) : undefined;
    if (!one || !issue) return notFound();
    if (one[2] && r.method === 'POST') {
      issue.comments.push(String(b.body ?? ''));
      this.onChange(`github: issue #${issue.number} comment: ${String(b.body ?? '').slice(0, 160)}`);
      return { status: 201, body: { id: issue.comments.length, body: b.body, html_url: `${this.url}/${owner}/${name}/issues/${issue.number}#comment-${issue.comments.length}` } };
    }
    if (!one[2] && r.method === 'PATCH') {
      if (typeof b.title === 'string') issue.title = b.title;
      if (typeof b.body === 'string') issue.body = b.body;
      if (Array.isArray(b.labels)) issue.labels = b.labels as string[];
      if (b.state === 'closed' || b.state === 'open') issue.state = b.state;
      if (typeof b.state_reason === 'string') issue.state_reason = b.state_reason;
      this.onChange(`github: issue #${issue.number} ${b.state === 'closed' ? 'closed' : 'updated'}: ${issue.title}`);
      return { status: 200, body: this.issueJson(base, issue) };
    }
    return notFound();
  }

  private issueJson(base: string, i: FakeIssue) {
    const html = base.replace('/repos/', '/');
    return {
      id: i.number * 1000,
      number: i.number,
      url: `${base}/issues/${i.number}`,
      html_url: `${html}/issues/${i.number}`,
      title: i.title,
      body: i.body,
      state: i.state,
      state_reason: i.state_reason,
      labels: i.labels.map((name) => ({ name })),
      comments: i.comments.length,
    };
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

function notFound() {
  return { status: 404, body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' } };
}

function invalid(field: string) {
  return { status: 422, body: { message: 'Validation Failed', errors: [{ resource: 'Issue', field, code: 'missing_field' }] } };
}
