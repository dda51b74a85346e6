import type { TestJobLauncher, TestJobRequest } from '../../ports/services.js';
import { z } from 'zod';
import { TransientError } from '../../kernel/errors.js';

const LaunchAnswer = z.object({ executionId: z.string().optional(), error: z.string().optional() });

/**
 * Launches the test job through the local runtime's job endpoint, which plays the part of
 * the Cloud Run Admin API: it runs `tdl job` with the loop config's test command.
 */
export class HttpJobLauncher implements TestJobLauncher {
  constructor(private readonly endpoint: string) {}

  async launch(request: TestJobRequest): Promise<{ executionId: string }> {
    let res: Response;
    try {
      res = await fetch(this.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(request),
        signal: AbortSignal.timeout(10_000),
      });
    } catch (cause) {
      throw new TransientError(`local job endpoint ${this.endpoint} unreachable: ${(cause as Error).message}`, { cause });
    }
    const body = LaunchAnswer.safeParse(await res.json().catch(() => null));
    const executionId = body.success ? body.data.executionId : undefined;
    if (!res.ok || !executionId) {
      const why = body.success ? (body.data.error ?? '') : 'unreadable answer';
      throw new TransientError(`local job endpoint refused ${request.jobId}: ${res.status} ${why}`);
    }
    return { executionId };
  }
}
