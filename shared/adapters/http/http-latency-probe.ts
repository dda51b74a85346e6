import type { IdTokenSource, LatencyProbe } from '../../ports/services.js';
import { authorizationFor } from './authorization.js';

/**
 * Sends `requests` GETs one after another and times each; a non-2xx answer or an error counts
 * as an error. The ID token (in the cloud) is had once, before the first timed request.
 */
export class HttpLatencyProbe implements LatencyProbe {
  constructor(
    private readonly timeoutMs: number,
    private readonly tokens?: IdTokenSource,
  ) {}

  async measure(url: string, requests: number): Promise<{ samples: number[]; errors: number }> {
    let headers: Record<string, string>;
    try {
      headers = await authorizationFor(url, this.tokens);
    } catch {
      return { samples: [], errors: requests };
    }
    const samples: number[] = [];
    let errors = 0;
    for (let i = 0; i < requests; i++) {
      const started = performance.now();
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(this.timeoutMs), redirect: 'manual', headers });
        await res.arrayBuffer();
        if (res.ok) samples.push(performance.now() - started);
        else errors++;
      } catch {
        errors++;
      }
    }
    return { samples, errors };
  }
}
