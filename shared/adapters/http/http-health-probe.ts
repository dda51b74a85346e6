import type { HealthProbe, HealthProbeResult, IdTokenSource } from '../../ports/services.js';
import { authorizationFor } from './authorization.js';

/**
 * Probes a health URL with one bounded GET; a 2xx answer is healthy. With an ID token source
 * (in the cloud) the request carries a token for the service, so private services answer.
 */
export class HttpHealthProbe implements HealthProbe {
  constructor(
    private readonly timeoutMs: number,
    private readonly tokens?: IdTokenSource,
  ) {}

  async check(service: string, url: string): Promise<HealthProbeResult> {
    let headers: Record<string, string>;
    try {
      headers = await authorizationFor(url, this.tokens);
    } catch (error) {
      return { service, url, ok: false, error: (error as Error).message };
    }
    const started = performance.now();
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(this.timeoutMs), redirect: 'manual', headers });
      await res.arrayBuffer();
      const latencyMs = Math.round(performance.now() - started);
      return { service, url, ok: res.status >= 200 && res.status < 300, status: res.status, latencyMs };
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause;
      return { service, url, ok: false, error: cause?.code ?? (error as Error).message };
    }
  }
}
