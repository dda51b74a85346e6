import { JobsClient } from '@google-cloud/run';
import type { TestJobLauncher, TestJobRequest } from '../../ports.js';
import { InvalidInputError, TransientError } from '../../errors.js';
import { serviceUrlEnv } from '../../local/commands.js';

/** gRPC codes: the request is wrong (never retry) or the service is busy (retry). */
const INVALID = new Set([3, 5, 7, 9]);
const TRANSIENT = new Set([4, 8, 10, 13, 14]);

/**
 * Starts the Cloud Run Job that runs `tdl job` for a cycle, passing the cycle's identity and
 * the service URLs as environment overrides. The client is created on first use.
 * Idempotency: run-tests launches only from the delivery that opened the cycle (or took over
 * an expired one), so a second execution needs two failures in a row.
 */
export class CloudRunJobLauncher implements TestJobLauncher {
  private client?: JobsClient;

  constructor(private readonly options: { projectId: string; region: string; job: string }) {}

  async launch(request: TestJobRequest): Promise<{ executionId: string }> {
    this.client ??= new JobsClient();
    const name = this.client.jobPath(this.options.projectId, this.options.region, this.options.job);
    const env = {
      ...serviceUrlEnv(request.serviceUrls),
      TDL_LOOP_ID: request.loopId,
      TDL_CYCLE: String(request.cycle),
      TDL_JOB_ID: request.jobId,
    };
    try {
      const [operation] = await this.client.runJob({
        name,
        overrides: { containerOverrides: [{ env: Object.entries(env).map(([k, v]) => ({ name: k, value: v })) }] },
      });
      const metadata = operation.metadata as { name?: string } | null;
      return { executionId: metadata?.name ?? operation.name ?? request.jobId };
    } catch (error) {
      const code = (error as { code?: number }).code ?? -1;
      const message = `starting Cloud Run Job ${name} for ${request.jobId}: ${(error as Error).message}`;
      if (INVALID.has(code)) throw new InvalidInputError(message, { cause: error });
      if (TRANSIENT.has(code)) throw new TransientError(message, { cause: error });
      throw error;
    }
  }
}
