import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
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
    let response: { status: number; text: string };
    try {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (this.token) headers.authorization = `Bearer ${await this.token()}`;
      response = await post(url, headers, body, this.timeoutMs);
    } catch (cause) {
      throw new TransientError(`publishing to ${topic} failed: ${(cause as Error).message}`, { cause, topic });
    }
    const { status, text } = response;
    if (status < 200 || status > 299) {
      throw new TransientError(`publishing to ${topic} failed: HTTP ${status} from ${this.base}: ${text.slice(0, 300)}`, { topic, status });
    }
    const id = (JSON.parse(text) as { messageIds?: string[] }).messageIds?.[0];
    if (!id) throw new TransientError(`publishing to ${topic}: the answer named no message id: ${text.slice(0, 300)}`, { topic });
    return id;
  }

  /** Nothing is batched or held open: every publish has finished when it resolved. */
  async close(): Promise<void> {}
}

/**
 * One POST with node:http(s). Not fetch: its first call loads undici, which took the job's RSS
 * from about 105 MB to 131 MB at the very end of a run, when it publishes (issue 18).
 */
function post(url: string, headers: Record<string, string>, body: string, timeoutMs: number): Promise<{ status: number; text: string }> {
  const request = url.startsWith('https:') ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, timeout: timeoutMs }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
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
