import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { z } from 'zod';
import type { LoadedLoopConfig } from '../config/loop-config.js';
import { ProcessGroup } from '../process/process-group.js';
import { forEachLine, serviceUrlEnv } from '../process/commands.js';
import { packageRoot } from './function-hosts.js';

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
  private server?: Server;
  private readonly jobs = new Map<string, ProcessGroup>();
  url = '';

  constructor(
    private readonly loaded: LoadedLoopConfig,
    private readonly env: Record<string, string>,
    private readonly onLine: (jobId: string, line: string) => void,
  ) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (body = (body + c).slice(0, 64 * 1024)));
      req.on('end', () => {
        const answer = (status: number, data: object) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(data));
        };
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
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    this.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`;
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
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
