import { spawn } from 'node:child_process';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { PlayedChain } from '../../shared/local/played-chain.js';
import { packageRoot } from '../../shared/local/function-hosts.js';
import { startHttpEndpoint } from '../../shared/local/http-endpoint.js';
import { StoredConfig, type LoopDoc } from '../../shared/domain/model.js';
import { Criteria, Deadlines, Guards } from '../../shared/config/loop-config.js';

/**
 * The chain on the real emulators (shared/local/environment.ts): the real functions on
 * functions-framework servers behind real push subscriptions, in a project of its own so test
 * files never see each other's state. Only the test job is played by the test: its launch
 * requests are recorded, and the test stores results the way `tdl job` does.
 */
export class ChainHarness extends PlayedChain {
  readonly logs: string[] = [];
  /** The deployed service the health probe reaches. */
  serviceUrl = '';

  constructor() {
    super(`demo-it-${randomUUID().slice(0, 8)}`);
  }

  async start(): Promise<void> {
    await this.startChain({ onOutput: (name, line) => this.logs.push(`${name}: ${line}`) });
    const service = await startHttpEndpoint((_b, res) => res.end('{"status":"ok"}'));
    this.environment.defer(() => service.close());
    this.serviceUrl = service.url.replace(/\/$/, '');
  }

  /** Collects every message published to `topic` from now on. */
  async collect(topic: string): Promise<unknown[]> {
    const seen: unknown[] = [];
    await this.environment.subscribe(topic, (data) => seen.push(data));
    return seen;
  }

  async createLoop(
    loopId: string,
    patch: Partial<LoopDoc> = {},
    config: { guards?: Partial<Guards>; deadlines?: Partial<Deadlines>; criteria?: Partial<Criteria> } = {},
  ): Promise<void> {
    const stored = StoredConfig.parse({
      branch: 'main',
      criteria: Criteria.parse(config.criteria ?? {}),
      guards: Guards.parse({ maxCycles: 4, ...config.guards }),
      deadlines: Deadlines.parse(config.deadlines ?? {}),
      classification: { rules: [] },
      services: [{ name: 'api', critical: true, healthPath: '/healthz' }],
    });
    await this.environment.putLoop(loopId, stored, patch);
  }
}

/** Runs the built `tdl` against this harness's emulators and project. */
export function runTdl(
  h: ChainHarness,
  args: string[],
  timeoutMs = 30_000,
  onStdout?: (text: string) => void,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(packageRoot(), 'bin', 'tdl.js'), ...args], {
      env: { ...process.env, ...h.environment.childEnv },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => {
      stdout += c;
      onStdout?.(stdout);
    });
    child.stderr.on('data', (c) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Polls until `check` returns a value that is not undefined/false. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
