import path from 'node:path';
import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import type { LoadedLoopConfig } from '../config/loop-config.js';
import { ProcessGroup } from '../process/process-group.js';
import { forEachLine, serviceUrlEnv } from '../process/commands.js';
import type { TestJobRequest } from '../ports/services.js';
import { packageRoot } from './function-hosts.js';
import { startHttpEndpoint, type HttpEndpoint } from './http-endpoint.js';

const LaunchRequest = z.object({
  loopId: z.string(),
  cycle: z.number().int().positive(),
  jobId: z.string().min(1).max(128),
  serviceUrls: z.record(z.string(), z.string().url()),
});

/**
 * Plays the Cloud Run Admin API for the local runtime: `POST /` with a TestJobRequest runs
 * `tdl job -- <the config's test command>` once per job id. The command comes from the loop
 * config this runtime loaded, never from the request.
 */
export class LocalJobServer {
  private endpoint?: HttpEndpoint;
  private readonly jobs = new Map<string, ProcessGroup>();
  url = '';

  constructor(
    private readonly loaded: LoadedLoopConfig,
    private readonly env: Record<string, string>,
    private readonly onLine: (jobId: string, line: string) => void,
  ) {}

  async start(): Promise<string> {
    this.endpoint = await startHttpEndpoint(
      (body, res, req) => {
        const answer = (status: number, data: object) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(data));
        };
        const asked = askedJobId(req);
        if (asked !== undefined) {
          return this.jobs.has(asked) ? answer(200, { executionId: `${asked}-exec` }) : answer(404, { error: `no execution of ${asked}` });
        }
        let json: unknown;
        try {
          json = JSON.parse(body);
        } catch {
          return answer(400, { error: 'body is not JSON' });
        }
        const parsed = LaunchRequest.safeParse(json);
        if (!parsed.success) return answer(400, { error: parsed.error.message });
        if (parsed.data.loopId !== this.loaded.config.loopId) return answer(404, { error: `no loop ${parsed.data.loopId} here` });
        answer(200, { executionId: this.launch(parsed.data) });
      },
      { maxBodyBytes: 64 * 1024 },
    );
    this.url = this.endpoint.url;
    return this.url;
  }

  private launch(request: z.infer<typeof LaunchRequest>): string {
    const executionId = `${request.jobId}-exec`;
    if (this.jobs.has(request.jobId)) return executionId;
    const { config, workdir } = this.loaded;
    const tests = config.tests;
    const args = [
      path.join(packageRoot(), 'bin', 'tdl.js'),
      'job',
      ...tests.results.flatMap((g) => ['--results', g]),
      '--timeout',
      String(tests.timeoutSeconds),
      '--',
      ...tests.command,
    ];
    const group = new ProcessGroup(`job ${request.jobId}`, process.execPath, args, {
      cwd: workdir,
      env: {
        ...process.env,
        ...this.env,
        ...tests.env,
        ...serviceUrlEnv(request.serviceUrls),
        TDL_LOOP_ID: request.loopId,
        TDL_CYCLE: String(request.cycle),
        TDL_JOB_ID: request.jobId,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    forEachLine(group, (line) => this.onLine(request.jobId, line));
    this.jobs.set(request.jobId, group);
    return executionId;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.jobs.values()].map((j) => j.stop(2000)));
    await this.endpoint?.close();
  }
}

/**
 * Plays the Cloud Run Admin API for tests and chaos, where the caller plays the test job:
 * every launch request is kept and told, and nothing runs.
 */
export class JobLaunchRecorder {
  readonly launches: TestJobRequest[] = [];
  private endpoint?: HttpEndpoint;

  constructor(private readonly onLaunch: (request: TestJobRequest) => void = () => {}) {}

  async start(): Promise<string> {
    this.endpoint = await startHttpEndpoint((body, res, req) => {
      const asked = askedJobId(req);
      if (asked !== undefined) {
        // As the Admin API lists executions: the first run of that job id, or none.
        const index = this.launches.findIndex((l) => l.jobId === asked);
        res.writeHead(index < 0 ? 404 : 200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(index < 0 ? { error: `no execution of ${asked}` } : { executionId: `${asked}-exec-${index + 1}` }));
        return;
      }
      const parsed = LaunchRequest.safeParse(safeJson(body));
      if (!parsed.success) {
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: parsed.error.message }));
        return;
      }
      const request: TestJobRequest = parsed.data;
      this.launches.push(request);
      res.end(JSON.stringify({ executionId: `${request.jobId}-exec-${this.launches.length}` }));
      this.onLaunch(request);
    });
    return this.endpoint.url;
  }

  async stop(): Promise<void> {
    await this.endpoint?.close();
  }
}

/** `GET /?jobId=X` asks for the execution of job X; any other request is a launch. */
function askedJobId(req: IncomingMessage): string | undefined {
  if (req.method !== 'GET') return undefined;
  return new URL(req.url ?? '/', 'http://local').searchParams.get('jobId') ?? '';
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
