import { ExecutionsClient, JobsClient } from '@google-cloud/run';
import type { TestJobLauncher, TestJobRequest } from '../../ports/services.js';
import { InvalidInputError, TransientError } from '../../kernel/errors.js';
import { serviceUrlEnv } from '../../process/commands.js';

/** gRPC codes: the request is wrong (never retry) or the service is busy (retry). */
const INVALID = new Set([3, 5, 7, 9]);
const TRANSIENT = new Set([4, 8, 10, 13, 14]);

/**
 * What the launcher does in Cloud Run, as IAM permissions: infra/ grants run-tests exactly
 * these on the test job (test/unit/infra checks the custom role against this list).
 */
export const CLOUD_RUN_JOB_LAUNCHER_PERMISSIONS = ['run.jobs.run', 'run.jobs.runWithOverrides', 'run.executions.list'] as const;

/** The environment variable that names the launch; an execution carrying it is that launch. */
const JOB_ID_ENV = 'TDL_JOB_ID';
/** Executions looked at for an earlier launch, newest first: a redelivery comes within minutes. */
export const EXECUTIONS_SCANNED = 200;

interface EnvVar {
  name?: string | null;
  value?: string | null;
}
/** The fields of a Cloud Run v2 Execution the launcher reads. */
export interface ExecutionView {
  name?: string | null;
  template?: { containers?: Array<{ env?: EnvVar[] | null }> | null } | null;
}

/**
 * The two calls the launcher makes, shaped like @google-cloud/run v2's JobsClient.runJob and
 * ExecutionsClient.listExecutionsAsync, so a test passes a fake and production the clients.
 */
export interface CloudRunJobClients {
  runJob(request: {
    name: string;
    overrides: { containerOverrides: Array<{ env: Array<{ name: string; value: string }> }> };
  }): Promise<{ name?: string | null; metadata?: unknown }>;
  listExecutions(request: { parent: string; pageSize: number }): AsyncIterable<ExecutionView>;
}

/** The real clients, each created on first use and kept for the instance's life. */
export function googleCloudRunJobClients(): CloudRunJobClients {
  let jobs: JobsClient | undefined;
  let executions: ExecutionsClient | undefined;
  return {
    async runJob(request) {
      jobs ??= new JobsClient();
      const [operation] = await jobs.runJob(request);
      return operation;
    },
    listExecutions(request) {
      executions ??= new ExecutionsClient();
      return executions.listExecutionsAsync(request);
    },
  };
}

/**
 * Starts the Cloud Run Job that runs `tdl job` for a cycle, passing the cycle's identity and
 * the service URLs as environment overrides.
 *
 * Idempotent per job id: Pub/Sub may deliver run-tests' message again after a launch (the
 * delivery died before acknowledging), so before running, the job's recent executions are
 * searched for one whose overrides carry the same TDL_JOB_ID, and that one is returned.
 * Two deliveries at the same instant are kept apart by the step's in-progress claim, not here.
 */
export class CloudRunJobLauncher implements TestJobLauncher {
  private readonly clients: CloudRunJobClients;

  constructor(
    private readonly options: { projectId: string; region: string; job: string },
    clients?: CloudRunJobClients,
  ) {
    this.clients = clients ?? googleCloudRunJobClients();
  }

  private get jobName(): string {
    return `projects/${this.options.projectId}/locations/${this.options.region}/jobs/${this.options.job}`;
  }

  async launch(request: TestJobRequest): Promise<{ executionId: string }> {
    const earlier = await this.call(`looking for an execution of ${request.jobId}`, () => this.findExecution(request.jobId));
    if (earlier) return { executionId: earlier };
    const env = {
      ...serviceUrlEnv(request.serviceUrls),
      TDL_LOOP_ID: request.loopId,
      TDL_CYCLE: String(request.cycle),
      [JOB_ID_ENV]: request.jobId,
    };
    const operation = await this.call(`starting ${request.jobId}`, () =>
      this.clients.runJob({
        name: this.jobName,
        overrides: { containerOverrides: [{ env: Object.entries(env).map(([name, value]) => ({ name, value })) }] },
      }),
    );
    const metadata = operation.metadata as { name?: string } | null | undefined;
    return { executionId: metadata?.name ?? operation.name ?? request.jobId };
  }

  /** The name of the newest execution whose overrides set TDL_JOB_ID to `jobId`, if any. */
  private async findExecution(jobId: string): Promise<string | undefined> {
    let scanned = 0;
    for await (const execution of this.clients.listExecutions({ parent: this.jobName, pageSize: 50 })) {
      const carries = (execution.template?.containers ?? []).some((c) => (c.env ?? []).some((e) => e.name === JOB_ID_ENV && e.value === jobId));
      if (carries && execution.name) return execution.name;
      if (++scanned >= EXECUTIONS_SCANNED) return undefined;
    }
    return undefined;
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      const code = (error as { code?: number }).code ?? -1;
      const message = `Cloud Run Job ${this.jobName}: ${what}: ${(error as Error).message}`;
      if (INVALID.has(code)) throw new InvalidInputError(message, { cause: error });
      if (TRANSIENT.has(code)) throw new TransientError(message, { cause: error });
      throw error;
    }
  }
}
