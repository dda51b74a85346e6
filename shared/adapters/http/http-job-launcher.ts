import type { TestJobLauncher, TestJobRequest } from '../../ports/services.js';
import { z } from 'zod';
import { TransientError } from '../../kernel/errors.js';

const LaunchAnswer = z.object({ executionId: z.string().optional(), error: z.string().optional() });

/**
 * Launches the test job through the local runtime's job endpoint, which plays the part of
 * the Cloud Run Admin API: it runs `tdl job` with the loop config's test command.
 *
 * Idempotent per job id, as the Cloud Run launcher is: before asking for a run it asks the
 * endpoint (`GET ?jobId=`) for an execution already started for that job id, so a delivery
 * that takes over from one that launched and then stalled or died does not run the job again.
 */
export class HttpJobLauncher implements TestJobLauncher {
  constructor(private readonly endpoint: string) {}

  async launch(request: TestJobRequest): Promise<{ executionId: string }> {
    const earlier = await this.findExecution(request.jobId);
    if (earlier) return { executionId: earlier };
    const res = await this.call(request.jobId, this.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(request),
    });
    const body = LaunchAnswer.safeParse(await res.json().catch(() => null));
    const executionId = body.success ? body.data.executionId : undefined;
    if (!res.ok || !executionId) {
      const why = body.success ? (body.data.error ?? '') : 'unreadable answer';
      throw new TransientError(`local job endpoint refused ${request.jobId}: ${res.status} ${why}`);
    }
    return { executionId };
  }

  /** The execution already started for `jobId`, if the endpoint knows one (404: none). */
  private async findExecution(jobId: string): Promise<string | undefined> {
    const url = new URL(this.endpoint);
    url.searchParams.set('jobId', jobId);
    const res = await this.call(jobId, url.toString(), { method: 'GET' });
    if (res.status === 404) {
      await res.body?.cancel();
      return undefined;
    }
    const body = LaunchAnswer.safeParse(await res.json().catch(() => null));
    if (!res.ok || !body.success || !body.data.executionId) {
      throw new TransientError(`local job endpoint could not say whether ${jobId} runs: ${res.status}`);
    }
    return body.data.executionId;
  }

  private async call(jobId: string, url: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
    } catch (cause) {
      throw new TransientError(`local job endpoint ${this.endpoint} unreachable (${jobId}): ${(cause as Error).message}`, { cause });
    }
  }
}
