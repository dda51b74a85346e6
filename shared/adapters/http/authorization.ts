import type { IdTokenSource } from '../../ports/services.js';

/** The audience Cloud Run accepts for a service URL: its origin (scheme, host, port). */
export function audienceOf(url: string): string {
  return new URL(url).origin;
}

/** The Authorization header for `url`, or none when there is no token source (locally). */
export async function authorizationFor(url: string, tokens: IdTokenSource | undefined): Promise<Record<string, string>> {
  if (!tokens) return {};
  return { authorization: `Bearer ${await tokens.token(audienceOf(url))}` };
}
