/**
 * The HTTP request a failed test made and the status it got, as runners and clients print
 * them: a method beside a URL or path (Go's `GET http://host/x: ...`, access logs), a client
 * call in the test's source line (pytest and jest code frames: `session.get(f"{BASE}/x")`,
 * `request(app).post('/x')`), a client's error (`404 Client Error: Not Found for url: ...`,
 * httpx's `Client error '404 Not Found' for url '...'`), and the status in an assertion
 * (`<Response [404]>`, `Received: 404`, `got status 404`, `assert 404 == 200`).
 */
export interface HttpRequest {
  method?: string;
  /** The path without host or query, ids as `{id}`: `/posts/{id}/comments`. */
  path?: string;
  status?: number;
}

const METHODS = 'GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS';
/** `GET http://h/x`, `"GET /x HTTP/1.1"`, `POST /x:`. */
const METHOD_AND_TARGET = new RegExp(String.raw`\b(${METHODS})\s+["'\x60]?((?:https?://[^\s/"'\x60]+)?/[^\s"'\x60:,)]*)`);
/** `.get("...")`, `.post(f"{BASE}/x"`, `request.get(\`${base}/x\`)`. */
const CLIENT_CALL = /\.(get|post|put|patch|delete|head)\(\s*f?(["'`])([^"'`\n]*)\2/i;
/** A URL a client's error names: `for url: http://h/x`, `for url 'http://h/x'`. */
const ERROR_URL = /\bfor url:?\s*["']?(https?:\/\/[^\s"']+)/i;

/** Statuses as runners print them, the answer's status in group 1. */
const STATUS_PATTERNS: readonly RegExp[] = [
  /<Response \[(\d{3})\]>/,
  // rspec-rails names the status before its number: `but it was :not_found (404)`.
  /\bbut it was :\w+ \((\d{3})\)/,
  // After a marker of the actual value (see ACTUAL_VALUE in vocabulary.ts): jest, testify, xUnit,
  // NUnit, rspec, minitest, Hamcrest, TestNG, FluentAssertions, axios, Faraday, reqwest.
  /\b(?:status(?: code)?|got(?: status)?|received|answered|but (?:it )?was|was|returned|actual|found|left|responded with status)\W{0,3}<?\[?(\d{3})\b/i,
  /\b(\d{3}) (?:Client|Server) Error\b/,
  /(?:Client|Server) error '(\d{3})\b/,
  /\bassert (\d{3}) [!=]= \d{3}\b/,
  /\b(\d{3}) !==? \d{3}\b/,
  // PHPUnit, chai/Jasmine, Gomega: the actual value first.
  /Failed asserting that (\d{3}) (?:is|matches)\b/,
  /\bexpected\s*(?:<[^>\n]{1,20}>:\s*)?(\d{3})\s+to\b/i,
  // Guzzle's `resulted in a \`503 Service Unavailable\` response`.
  /resulted in an? `(\d{3})\b/,
];

/** The request and status one failure's text shows; fields it does not show are absent. */
export function requestOf(text: string): HttpRequest {
  const out: HttpRequest = {};
  const m = METHOD_AND_TARGET.exec(text);
  const call = m ? null : CLIENT_CALL.exec(text);
  const url = m?.[2] ?? call?.[3] ?? ERROR_URL.exec(text)?.[1];
  const method = m?.[1] ?? call?.[1];
  if (method) out.method = method.toUpperCase();
  const path = url ? pathOf(url) : undefined;
  if (path) out.path = path;
  for (const p of STATUS_PATTERNS) {
    const s = p.exec(text)?.[1];
    if (s && Number(s) >= 200 && Number(s) < 600) {
      out.status = Number(s);
      break;
    }
  }
  return out;
}

/** `/x/{id}` from a URL, a path or a template (`{BASE}/x/1?q=2`, `${base}/x/abc-123`). */
export function pathOf(url: string): string | undefined {
  const noTemplate = url.replace(/^(?:https?:\/\/[^/]+|\$?\{[^}]*\}|[\w.]+\s*\+\s*)+/i, '');
  const slash = noTemplate.indexOf('/');
  if (slash < 0) return undefined;
  const bare = noTemplate.slice(slash).split(/[?#]/)[0]!;
  const segments = bare.split('/').filter(Boolean).map((s) => (/^\d+$|^[0-9a-f-]{8,}$|^\$?\{[^}]*\}$|\d{3,}/i.test(s) ? '{id}' : s));
  return `/${segments.join('/')}`;
}

/** The resource a path names: its last segment that is not an id (`/posts/{id}/comments` → `comments`). */
export function resourceOf(path: string): string {
  return path.split('/').filter((s) => s && s !== '{id}').at(-1) ?? '/';
}

/** One line of a service's access log: method, path and status. */
const ACCESS_LINE = new RegExp(String.raw`\b(${METHODS})\s+(/\S*?)(?:\s+HTTP/[\d.]+"?)?\s+(\d{3})\b`);

/** The requests a service's output logged, in order, as `{ method, path, status }`. */
export function loggedRequests(log: string): Array<Required<HttpRequest>> {
  const out: Array<Required<HttpRequest>> = [];
  // Loggers colour the status even when nobody reads a terminal (morgan's 'dev' format does).
  for (const line of log.replace(/\x1b\[[0-9;]*m/g, '').split(/\r?\n/)) {
    const m = ACCESS_LINE.exec(line);
    const path = m ? pathOf(m[2]!) : undefined;
    if (m && path) out.push({ method: m[1]!, path, status: Number(m[3]) });
  }
  return out;
}
