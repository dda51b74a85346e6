import type { Octokit } from '@octokit/rest';
import { NotifyError, type CommitStatus, type GitHubPort, type GitHubTarget, type IssueRef, type LoopIssue } from '../../ports/notify.js';
import type { Logger } from '../../ports/services.js';

/** Marks the issue of a loop in its body, so it is found again whatever its title became. */
export function loopIssueMarker(loopId: string): string {
  return `<!-- test-deploy-loop:loop=${loopId} -->`;
}

const REQUEST_TIMEOUT_MS = 10_000;
/** Open issues looked through for the loop's marker: 10 pages of 100, far more than a label yields. */
const MAX_PAGES = 10;

/**
 * GitHub through Octokit (@octokit/rest): the official client's typed REST methods, its
 * pagination and its error type, which already redacts the token from what it carries.
 * Octokit is loaded on first use: every function instance loads the functions module, and
 * only notify talks to GitHub.
 */
export class OctokitGitHub implements GitHubPort {
  private readonly clients = new Map<string, Promise<Octokit>>();

  constructor(private readonly log: Logger) {}

  private client(target: GitHubTarget): Promise<Octokit> {
    const key = `${target.apiUrl}\n${target.token}`;
    let client = this.clients.get(key);
    if (!client) {
      client = import('@octokit/rest').then(
        ({ Octokit }) =>
          new Octokit({
            auth: target.token,
            baseUrl: target.apiUrl.replace(/\/$/, ''),
            userAgent: 'test-deploy-loop',
            log: { debug: () => {}, info: () => {}, warn: (m: string) => this.log.warn(`github: ${m}`), error: (m: string) => this.log.error(`github: ${m}`) },
          }),
      );
      this.clients.set(key, client);
    }
    return client;
  }

  async setCommitStatus(target: GitHubTarget, status: CommitStatus): Promise<void> {
    const gh = await this.client(target);
    const { owner, repo } = split(target.repository);
    await call(`commit status on ${status.sha.slice(0, 8)}`, () =>
      gh.rest.repos.createCommitStatus({
        owner,
        repo,
        sha: status.sha,
        state: status.state,
        context: status.context,
        description: status.description.slice(0, 140),
        ...(status.targetUrl ? { target_url: status.targetUrl } : {}),
        request: { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) },
      }),
    );
  }

  async upsertLoopIssue(target: GitHubTarget, issue: LoopIssue): Promise<IssueRef & { action: 'opened' | 'updated' }> {
    const gh = await this.client(target);
    const { owner, repo } = split(target.repository);
    const body = `${loopIssueMarker(issue.loopId)}\n${issue.body}`;
    const open = await this.findOpen(gh, target, issue.loopId, issue.labels);
    if (open) {
      await call(`update of issue #${open.number}`, () =>
        gh.rest.issues.update({ owner, repo, issue_number: open.number, title: issue.title, body, labels: issue.labels, request: { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) } }),
      );
      return { ...open, action: 'updated' };
    }
    const created = await call('new issue', () =>
      gh.rest.issues.create({ owner, repo, title: issue.title, body, labels: issue.labels, request: { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) } }),
    );
    return { number: created.data.number, url: created.data.html_url, action: 'opened' };
  }

  async closeLoopIssue(target: GitHubTarget, loopId: string, labels: string[], comment: string): Promise<IssueRef | null> {
    const gh = await this.client(target);
    const { owner, repo } = split(target.repository);
    const open = await this.findOpen(gh, target, loopId, labels);
    if (!open) return null;
    await call(`comment on issue #${open.number}`, () =>
      gh.rest.issues.createComment({ owner, repo, issue_number: open.number, body: comment, request: { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) } }),
    );
    await call(`closing issue #${open.number}`, () =>
      gh.rest.issues.update({ owner, repo, issue_number: open.number, state: 'closed', state_reason: 'completed', request: { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) } }),
    );
    return open;
  }

  /**
   * The loop's open issue, found by its marker among open issues with its labels, then among
   * all open issues (GitHub drops the labels of a token that may not set them); never by
   * search, which lags behind.
   */
  private async findOpen(gh: Octokit, target: GitHubTarget, loopId: string, labels: string[]): Promise<IssueRef | null> {
    const labelled = await this.findAmong(gh, target, loopId, labels);
    return labelled ?? (labels.length ? this.findAmong(gh, target, loopId, []) : null);
  }

  private async findAmong(gh: Octokit, target: GitHubTarget, loopId: string, labels: string[]): Promise<IssueRef | null> {
    const { owner, repo } = split(target.repository);
    const marker = loopIssueMarker(loopId);
    let pages = 0;
    return call('list of open issues', async () => {
      for await (const page of gh.paginate.iterator(gh.rest.issues.listForRepo, {
        owner,
        repo,
        state: 'open',
        per_page: 100,
        ...(labels.length ? { labels: labels.join(',') } : {}),
        request: { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) },
      })) {
        const found = page.data.find((i) => !i.pull_request && (i.body ?? '').includes(marker));
        if (found) return { number: found.number, url: found.html_url };
        if (++pages >= MAX_PAGES) break;
      }
      return null;
    });
  }
}

function split(repository: string): { owner: string; repo: string } {
  const [owner = '', repo = ''] = repository.split('/');
  return { owner, repo };
}

/** Runs one request; turns Octokit's error into a NotifyError that says what failed and whether to try again. */
async function call<T>(what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toNotifyError(what, error);
  }
}

export function toNotifyError(what: string, error: unknown): NotifyError {
  if (error instanceof NotifyError) return error;
  const e = error as { status?: number; message?: string; name?: string; response?: { headers?: Record<string, string | number | undefined> } };
  const status = typeof e.status === 'number' ? e.status : 0;
  const headers = e.response?.headers ?? {};
  const retryAfter = Number(headers['retry-after']);
  const rateLimited = status === 429 || (status === 403 && (String(headers['x-ratelimit-remaining']) === '0' || /rate limit/i.test(e.message ?? '')));
  const transient = status === 0 || status >= 500 || rateLimited || e.name === 'TimeoutError' || e.name === 'AbortError';
  // GitHub's message ("Bad credentials", "Not Found", "Validation Failed") names no secret; the first line is enough.
  const message = (e.message ?? String(error)).split('\n')[0]!.slice(0, 300);
  return new NotifyError(`github ${what}: ${status ? `HTTP ${status}: ` : ''}${message}`, {
    transient,
    retryAfterMs: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined,
  });
}
