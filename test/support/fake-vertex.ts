import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OAuth2Client } from 'google-auth-library';

/** A generateContent request as the fake received it. */
export interface VertexRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  body: {
    contents: Array<{ role: string; parts: Array<{ text: string }> }>;
    systemInstruction?: { parts: Array<{ text: string }> };
    generationConfig?: { responseMimeType?: string; responseJsonSchema?: unknown; temperature?: number };
  };
}

/** What the fake does with a request: answer this text as the model's, an HTTP error, or never answer. */
export type VertexBehaviour = { text: string } | { status: number; message: string } | { hang: true };

/**
 * A local server speaking Vertex AI's generateContent wire format
 * (POST /v1beta1/projects/P/locations/L/publishers/google/models/M:generateContent, answers
 * {candidates:[{content:{parts:[{text}]}}]} or {error:{code,message,status}}).
 */
export class FakeVertex {
  readonly requests: VertexRequest[] = [];
  behave: (request: VertexRequest) => VertexBehaviour = () => ({ status: 500, message: 'no behaviour set' });
  private readonly server: Server;
  private readonly hanging = new Set<ServerResponse>();

  constructor() {
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const request: VertexRequest = {
      method: req.method ?? '',
      path: req.url ?? '',
      authorization: req.headers.authorization,
      body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as VertexRequest['body'],
    };
    this.requests.push(request);
    if (!/^\/v1(?:beta1)?\/projects\/[^/]+\/locations\/[^/]+\/publishers\/google\/models\/[^/:]+:generateContent$/.test(request.path) || request.method !== 'POST') {
      return send(res, 404, { error: { code: 404, message: `no route ${request.method} ${request.path}`, status: 'NOT_FOUND' } });
    }
    const b = this.behave(request);
    if ('hang' in b) {
      this.hanging.add(res);
      return;
    }
    if ('status' in b) return send(res, b.status, { error: { code: b.status, message: b.message, status: b.status === 429 ? 'RESOURCE_EXHAUSTED' : 'INTERNAL' } });
    send(res, 200, {
      candidates: [{ content: { role: 'model', parts: [{ text: b.text }] }, finishReason: 'STOP', avgLogprobs: -0.12 }],
      usageMetadata: { promptTokenCount: 812, candidatesTokenCount: 140, totalTokenCount: 952 },
      modelVersion: 'gemini-2.5-flash',
      createTime: new Date().toISOString(),
      responseId: `resp-${this.requests.length}`,
    });
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' });
  res.end(JSON.stringify(body));
}

/** A real google-auth-library client holding a token that is still valid: no token endpoint is called. */
export function presetTokenAuth(token = 'ya29.test-token-for-the-local-fake'): { authClient: OAuth2Client } {
  const authClient = new OAuth2Client();
  authClient.setCredentials({ access_token: token, expiry_date: Date.now() + 3_600_000, token_type: 'Bearer' });
  return { authClient };
}

/** The evidence id the prompt gave the first line containing `needle`. */
export function evidenceIdOf(request: VertexRequest, needle: string): string | undefined {
  const prompt = request.body.contents[0]?.parts[0]?.text ?? '';
  return /^(E\d+): /.exec(prompt.split('\n').find((l) => l.includes(needle)) ?? '')?.[1];
}
