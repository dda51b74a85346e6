import type { Publisher } from '../../ports/services.js';
import { DeployRequested, SCHEMAS, deployRequestedAttributes, type MessageOf, type SchemaTopic } from '../../chain/messages.js';
import { TransientError } from '../../kernel/errors.js';

/** Gives a bearer token for Pub/Sub's API; none against the emulator. */
export type AccessToken = () => Promise<string>;

export interface RestPublisherOptions {
  projectId: string;
  /** The emulator's host:port (PUBSUB_EMULATOR_HOST): plain HTTP, no token. Otherwise pubsub.googleapis.com. */
  emulatorHost?: string;
  /** The real API's base URL (default https://pubsub.googleapis.com): a regional or private endpoint. */
  endpoint?: string;
  /** For the real API; the default asks Application Default Credentials (google-auth-library, loaded on first use). */
  token?: AccessToken;
  /** One request's limit. */
  timeoutMs?: number;
}

/**
 * Publishes through Pub/Sub's REST API (`projects.topics.publish`), which the emulator serves
 * too: the test job's publisher. The gRPC client costs the job, held to 128 MB, about 17 MB of
 * its memory for the two or three messages it sends (issue 18). Messages are validated on the
 * way out as PubSubPublisher does; a failure is a TransientError the callers retry.
 */
export class RestPublisher implements Publisher {
  private readonly base: string;
  private readonly token: AccessToken | undefined;
  private readonly timeoutMs: number;

  constructor(private readonly options: RestPublisherOptions) {
    this.base = options.emulatorHost ? `http://${options.emulatorHost}` : (options.endpoint ?? 'https://pubsub.googleapis.com').replace(/\/+$/, '');
    this.token = options.emulatorHost ? undefined : (options.token ?? adcToken());
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  async publish<T extends SchemaTopic>(topic: T, message: MessageOf<T>, attributes: Record<string, string> = {}): Promise<string> {
    const data = SCHEMAS[topic].parse(message);
    const routing = topic === 'deploy-requested' ? deployRequestedAttributes(DeployRequested.parse(data)) : {};
    const all = { ...routing, ...attributes };
    const body = JSON.stringify({
      messages: [{ data: Buffer.from(JSON.stringify(data)).toString('base64'), ...(Object.keys(all).length ? { attributes: all } : {}) }],
    });
    const url = `${this.base}/v1/projects/${encodeURIComponent(this.options.projectId)}/topics/${encodeURIComponent(topic)}:publish`;
    let response: Response;
    try {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (this.token) headers.authorization = `Bearer ${await this.token()}`;
      response = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (cause) {
      throw new TransientError(`publishing to ${topic} failed: ${(cause as Error).message}`, { cause, topic });
    }
    const text = await response.text();
    if (!response.ok) {
      throw new TransientError(`publishing to ${topic} failed: HTTP ${response.status} from ${this.base}: ${text.slice(0, 300)}`, { topic, status: response.status });
    }
    const id = (JSON.parse(text) as { messageIds?: string[] }).messageIds?.[0];
    if (!id) throw new TransientError(`publishing to ${topic}: the answer named no message id: ${text.slice(0, 300)}`, { topic });
    return id;
  }

  /** Nothing is batched or held open: every publish has finished when it resolved. */
  async close(): Promise<void> {}
}

/** Application Default Credentials (on Cloud Run: the job's service account), loaded on the first publish. */
function adcToken(): AccessToken {
  let auth: Promise<{ getAccessToken(): Promise<string | null | undefined> }> | undefined;
  return async () => {
    auth ??= import('google-auth-library').then(({ GoogleAuth }) => new GoogleAuth({ scopes: ['https://www.googleapis.com/auth/pubsub'] }));
    const token = await (await auth).getAccessToken();
    if (!token) throw new TransientError('no access token for Pub/Sub from Application Default Credentials');
    return token;
  };
}
