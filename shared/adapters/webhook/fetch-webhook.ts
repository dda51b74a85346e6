import { createHmac } from 'node:crypto';
import { NotifyError, type WebhookPort } from '../../ports/notify.js';

const TIMEOUT_MS = 10_000;

/** The signature header of a signed webhook body, as GitHub signs its own webhooks. */
export const SIGNATURE_HEADER = 'x-tdl-signature';

export function signBody(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * Slack incoming webhooks and generic webhooks: one JSON POST. Slack answers 200 "ok" or an
 * error word in the body (invalid_payload, no_service, channel_is_archived, ...). Errors never
 * repeat the URL: a Slack webhook's URL is its credential.
 */
export class FetchWebhook implements WebhookPort {
  async post(url: string, body: unknown, options: { signingSecret?: string; kind: 'slack' | 'webhook' } = { kind: 'webhook' }): Promise<void> {
    const text = JSON.stringify(body);
    const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'test-deploy-loop' };
    if (options.signingSecret) headers[SIGNATURE_HEADER] = signBody(text, options.signingSecret);
    const what = options.kind === 'slack' ? 'slack webhook' : `webhook ${safeHost(url)}`;
    let response: Response;
    try {
      response = await fetch(url, { method: 'POST', headers, body: text, signal: AbortSignal.timeout(TIMEOUT_MS), redirect: 'error' });
    } catch (error) {
      const e = error as Error & { cause?: { code?: string } };
      throw new NotifyError(`${what}: ${e.name === 'TimeoutError' ? `no answer within ${TIMEOUT_MS / 1000} s` : `request failed (${e.cause?.code ?? e.name})`}`, { transient: true });
    }
    const answer = (await response.text().catch(() => '')).slice(0, 200).replace(/\s+/g, ' ').trim();
    if (response.ok) return;
    const retryAfter = Number(response.headers.get('retry-after'));
    throw new NotifyError(`${what}: HTTP ${response.status}${answer ? `: ${answer}` : ''}`, {
      transient: response.status >= 500 || response.status === 429 || response.status === 408,
      retryAfterMs: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined,
    });
  }
}

/** The host only: a generic webhook's path or query may carry a token. */
function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(invalid URL)';
  }
}
