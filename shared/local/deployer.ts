import type { LoadedLoopConfig } from '../config/loop-config.js';
import type { DeployFinished, ServiceDeployment, Trigger } from '../chain/messages.js';
import type { Publisher } from '../ports/services.js';
import { ProcessGroup, freePort, httpOk, waitFor } from '../process/process-group.js';
import { forEachLine, runCommand, spawnCommand } from '../process/commands.js';
import { openServiceLog } from '../adapters/files/service-log-files.js';

/** Lines of a ready revision's start-up output kept in deploy-finished: what it said it serves. */
const STARTUP_LINES = 40;

interface RunningService {
  name: string;
  port: number;
  revision: string;
  process: ProcessGroup;
  output: string[];
  log?: Awaited<ReturnType<typeof openServiceLog>>;
}

export interface DeployRequest {
  trigger: Trigger;
  /** The cycle that asked for this deployment; absent for a push. */
  cycle?: number;
  reason?: string;
}

/**
 * The local stand-in for Cloud Build + Cloud Run: reads the commit, runs the config's deploy
 * command, starts a new "revision" of each service on a fresh port (stopping the old one),
 * waits for its health path and publishes deploy-finished with what it saw.
 */
export class LocalDeployer {
  private readonly running = new Map<string, RunningService>();
  private builds = 0;

  constructor(
    private readonly loaded: LoadedLoopConfig,
    private readonly publisher: Publisher,
    private readonly say: (line: string) => void,
    /** Where each revision's output is captured for the ServiceLogs port (service-log-files.ts); none when absent. */
    private readonly logDir?: string,
  ) {}

  async deploy(request: DeployRequest): Promise<DeployFinished> {
    const { config, workdir } = this.loaded;
    const commit = await this.currentCommit();
    const buildId = `local-${Date.now().toString(36)}-${++this.builds}`;
    this.say(`deploy: ${request.trigger} of ${commit.slice(0, 8)} (build ${buildId})`);
    const env = { TDL_COMMIT: commit, TDL_BUILD_ID: buildId };
    const logs: string[] = [];
    let deployError: string | undefined;
    if (config.deploy) {
      const result = await runCommand('deploy', config.deploy.command, {
        cwd: workdir,
        env: { ...config.deploy.env, ...env },
        timeoutSeconds: config.deploy.timeoutSeconds,
      });
      logs.push(result.tail);
      if (result.exitCode !== 0) {
        deployError = `deploy command ${result.timedOut ? 'timed out' : `exited ${result.exitCode ?? result.signal}`}`;
        this.say(`deploy: ${deployError}`);
      }
    }
    const services: ServiceDeployment[] = [];
    for (const svc of config.services) {
      if (deployError) {
        services.push({ name: svc.name, ready: false, error: deployError });
        continue;
      }
      services.push(await this.startRevision(svc.name, commit, env, logs));
    }
    const message: DeployFinished = {
      loopId: config.loopId,
      cycle: request.cycle,
      trigger: request.trigger,
      branch: config.branch,
      commit,
      buildId,
      services,
      finishedAt: new Date().toISOString(),
      logExcerpt: logs.join('\n').slice(-8000) || undefined,
      reason: request.reason?.slice(0, 500),
    };
    await this.publisher.publish('deploy-finished', message);
    return message;
  }

  private async startRevision(
    name: string,
    commit: string,
    env: Record<string, string>,
    logs: string[],
  ): Promise<ServiceDeployment> {
    const svc = this.loaded.config.services.find((s) => s.name === name)!;
    await this.stopService(name);
    if (!svc.start) return { name, ready: false, error: 'no start command for the local runtime' };
    const port = await freePort();
    const revision = `${name}-${commit.slice(0, 7)}-${this.builds}`;
    const log = this.logDir ? await openServiceLog(this.logDir, name, revision) : undefined;
    const proc = spawnCommand(`service ${name}`, svc.start.command, {
      cwd: this.loaded.workdir,
      env: { ...svc.start.env, ...env, PORT: String(port), TDL_SERVICE: name, TDL_REVISION: revision },
    });
    const output: string[] = [];
    forEachLine(proc, (line) => {
      log?.write(line);
      output.push(line);
      if (output.length > 200) output.shift();
    });
    this.running.set(name, { name, port, revision, process: proc, output, log });
    const url = `http://127.0.0.1:${port}`;
    try {
      await waitFor(`${name} health`, async () => {
        if (!proc.running) throw new Error('exited');
        return httpOk(`${url}${svc.healthPath}`);
      }, svc.readyTimeoutSeconds * 1000, 100);
      this.say(`deploy: ${revision} ready at ${url}`);
      logs.push(`${name} started:`, ...output.slice(0, STARTUP_LINES));
      return { name, url, revision, ready: true };
    } catch {
      const why = proc.running
        ? `no healthy answer on ${svc.healthPath} within ${svc.readyTimeoutSeconds} s`
        : `exited with ${proc.child.exitCode ?? proc.child.signalCode} before becoming healthy`;
      logs.push(output.slice(-40).join('\n'));
      this.say(`deploy: ${revision} not ready: ${why}`);
      return { name, url, revision, ready: false, error: why };
    }
  }

  private async currentCommit(): Promise<string> {
    const step = this.loaded.config.commit ?? { command: ['git', 'rev-parse', 'HEAD'], timeoutSeconds: 30, env: {} };
    const result = await runCommand('commit', step.command, { cwd: this.loaded.workdir, env: step.env, timeoutSeconds: step.timeoutSeconds });
    const commit = result.tail.trim().split('\n').at(-1)?.trim() ?? '';
    if (result.exitCode !== 0 || !commit) throw new Error(`cannot read the commit in ${this.loaded.workdir}: ${result.tail}`);
    return commit.slice(0, 64);
  }

  private async stopService(name: string): Promise<void> {
    const old = this.running.get(name);
    if (old) {
      this.running.delete(name);
      await old.process.stop(3000);
      await old.log?.close();
    }
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.running.keys()].map((n) => this.stopService(n)));
  }
}
