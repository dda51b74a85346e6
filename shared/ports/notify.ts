import type { SecretRef } from '../config/notify-config.js';
import { TdlError } from '../kernel/errors.js';

/**
 * Ports of the notify step: where it tells people. Adapters in shared/adapters/github/ (Octokit),
 * shared/adapters/webhook/ (Slack and generic webhooks over fetch) and shared/adapters/secrets/.
 */

/** GitHub's commit status states. */
export type CommitState = 'pending' | 'success' | 'failure' | 'error';

export interface GitHubTarget {
  /** REST API base, e.g. https://api.github.com. */
  apiUrl: string;
  /** owner/name. */
  repository: string;
  token: string;
}

export interface CommitStatus {
  sha: string;
  state: CommitState;
  context: string;
  /** At most 140 characters (GitHub's limit). */
  description: string;
  targetUrl?: string;
}

export interface LoopIssue {
  loopId: string;
  title: string;
  body: string;
  labels: string[];
}

export interface IssueRef {
  number: number;
  url: string;
}

export interface GitHubPort {
  setCommitStatus(target: GitHubTarget, status: CommitStatus): Promise<void>;
  /** Opens the loop's issue, or updates the one already open for it: at most one open per loop. */
  upsertLoopIssue(target: GitHubTarget, issue: LoopIssue): Promise<IssueRef & { action: 'opened' | 'updated' }>;
  /** Comments on and closes the loop's open issue; null when none is open. */
  closeLoopIssue(target: GitHubTarget, loopId: string, labels: string[], comment: string): Promise<IssueRef | null>;
}

export interface WebhookPort {
  /** POSTs a JSON body; `signingSecret` adds an HMAC-SHA256 signature header. */
  post(url: string, body: unknown, options?: { signingSecret?: string; kind: 'slack' | 'webhook' }): Promise<void>;
}

/** Reveals a secret named in the loop config: Secret Manager in the cloud, the environment locally. */
export interface SecretSource {
  reveal(ref: SecretRef, field: string): Promise<string>;
}

/**
 * A send that failed. `transient` ones (a 5xx, a 429, a reset connection) are tried again with
 * backoff; the others (bad credentials, an unknown repository) are recorded at once. The message
 * never holds a secret: no token, no webhook URL.
 */
export class NotifyError extends TdlError {
  readonly transient: boolean;
  readonly retryAfterMs?: number;
  constructor(message: string, options: { transient: boolean; retryAfterMs?: number; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.transient = options.transient;
    this.retryAfterMs = options.retryAfterMs;
  }
}
