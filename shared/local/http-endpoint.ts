import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

/** A local HTTP server on a free loopback port. */
export interface HttpEndpoint {
  /** `http://127.0.0.1:PORT/`, with the trailing slash. */
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Listens on a free port of 127.0.0.1 and hands `handle` each request with its whole body
 * (at most `maxBodyBytes`, the rest dropped): what stands in locally for the Cloud Run Admin
 * API, a deployed service's health endpoint, a push endpoint.
 */
export async function startHttpEndpoint(
  handle: (body: string, res: ServerResponse, req: IncomingMessage) => void,
  options: { maxBodyBytes?: number } = {},
): Promise<HttpEndpoint> {
  const max = options.maxBodyBytes ?? 1024 * 1024;
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body = (body + c).slice(0, max)));
    req.on('end', () => handle(body, res, req));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
