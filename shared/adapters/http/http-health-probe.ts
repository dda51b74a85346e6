import type { HealthProbe, HealthProbeResult } from '../../ports/services.js';

/** Probes a health URL with one bounded GET; a 2xx answer is healthy. */
export class HttpHealthProbe implements HealthProbe {
  constructor(private readonly timeoutMs: number) {}

  async check(service: string, url: string): Promise<HealthProbeResult> {
    const started = performance.now();
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(this.timeoutMs), redirect: 'manual' });
      await res.arrayBuffer();
      const latencyMs = Math.round(performance.now() - started);
      return { service, url, ok: res.status >= 200 && res.status < 300, status: res.status, latencyMs };
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause;
      return { service, url, ok: false, error: cause?.code ?? (error as Error).message };
    }
  }
}
