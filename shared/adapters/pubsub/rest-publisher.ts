import type { Publisher } from '../../ports/services.js';
import { SCHEMAS, type MessageOf, type SchemaTopic } from '../../chain/messages.js';
import { TransientError } from '../../kernel/errors.js';

/** Where a Cloud Run Job's service account token comes from (no client library needed). */
const METADATA_TOKEN_URL = 'http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token';

/**
 * Publishes through Pub/Sub's REST API with `fetch`: for the test job, which publishes a
 * handful of messages in its life and whose memory is its budget. The gRPC client
 * (@google-cloud/pubsub) costs about 17 MB of RSS to load; this costs nothing. On the
 * emulator no credentials are sent; in the cloud the token is the job's service account's,
 * from the metadata server, refreshed before it expires.
 */
export class RestPublisher implements Publisher {
  private token?: { value: string; expiresAt: number };

  constructor(
    private readonly projectId: string,
    private readonly emulatorHost: string | undefined = process.env.PUBSUB_EMULATOR_HOST,
  ) {}

  async publish<T extends SchemaTopic>(topic: T, message: MessageOf<T>, attributes: Record<string, string> = {}): Promise<string> {
    // Validate on the way out too: a bad message is our bug and must not reach a consumer.
    const data = SCHEMAS[topic].parse(message);
    const base = this.emulatorHost ? `http://${this.emulatorHost}` : 'https://pubsub.googleapis.com';
    const url = `${base}/v1/projects/${encodeURIComponent(this.projectId)}/topics/${encodeURIComponent(topic)}:publish`;
    let answer: Response;
    try {
      answer = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(await this.authorization()) },
        body: JSON.stringify({ messages: [{ data: Buffer.from(JSON.stringify(data)).toString('base64'), attributes }] }),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (cause) {
      throw new TransientError(`publishing to ${topic} failed: ${(cause as Error).message}`, { cause, topic });
    }
    const text = await answer.text();
    if (!answer.ok) throw new TransientError(`publishing to ${topic} failed: HTTP ${answer.status} ${text.slice(0, 300)}`, { topic });
    const id = (JSON.parse(text) as { messageIds?: unknown }).messageIds;
    if (!Array.isArray(id) || typeof id[0] !== 'string') throw new TransientError(`publishing to ${topic}: no message id in the answer ${text.slice(0, 300)}`, { topic });
    return id[0];
  }

  private async authorization(): Promise<Record<string, string>> {
    if (this.emulatorHost) return {};
    if (!this.token || this.token.expiresAt < Date.now() + 60_000) {
      const answer = await fetch(METADATA_TOKEN_URL, { headers: { 'Metadata-Flavor': 'Google' }, signal: AbortSignal.timeout(10_000) });
      if (!answer.ok) throw new TransientError(`no access token from the metadata server: HTTP ${answer.status}`);
      const body = (await answer.json()) as { access_token?: string; expires_in?: number };
      if (!body.access_token) throw new TransientError('no access token from the metadata server: the answer has none');
      this.token = { value: body.access_token, expiresAt: Date.now() + (body.expires_in ?? 300) * 1000 };
    }
    return { authorization: `Bearer ${this.token.value}` };
  }

  async close(): Promise<void> {}
}
