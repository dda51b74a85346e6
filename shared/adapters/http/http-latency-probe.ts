import type { LatencyProbe } from '../../ports/services.js';

/** Sends `requests` GETs one after another and times each; a non-2xx answer or an error counts as an error. */
export class HttpLatencyProbe implements LatencyProbe {
  constructor(private readonly timeoutMs: number) {}

  async measure(url: string, requests: number): Promise<{ samples: number[]; errors: number }> {
    const samples: number[] = [];
    let errors = 0;
    for (let i = 0; i < requests; i++) {
      const started = performance.now();
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(this.timeoutMs), redirect: 'manual' });
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
