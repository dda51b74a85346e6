import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FUNCTIONS, type FunctionName } from '../chain/topology.js';
import { ProcessGroup, freePort, waitFor } from '../process/process-group.js';
import { forEachLine } from '../process/commands.js';
import { connect } from 'node:net';

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.setTimeout(500);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** The repository root: where package.json (whose `main` is the functions module) lives. */
export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('package.json of test-deploy-loop not found');
    dir = up;
  }
  return dir;
}

export interface FunctionHost {
  name: FunctionName;
  port: number;
  url: string;
  /** The server's process; whoever starts it again on the same port puts the new one here. */
  process: ProcessGroup;
}

export interface FunctionServerOptions {
  env: Record<string, string>;
  onOutput?: (name: FunctionName, line: string) => void;
}

/**
 * Starts each function in its own functions-framework server, the way Cloud Functions runs
 * it: the framework's own CLI, `--source` the package root (its `main` registers the functions),
 * `--target` the function name. The compiled module (dist/) must exist: `npm run build`.
 */
export async function startFunctionHosts(options: FunctionServerOptions & { names?: FunctionName[] }): Promise<FunctionHost[]> {
  const root = packageRoot();
  if (!existsSync(path.join(root, 'dist', 'functions', 'index.js'))) {
    throw new Error(`dist/functions/index.js is missing: run \`npm run build\` in ${root}`);
  }
  const names = options.names ?? Object.values(FUNCTIONS);
  return Promise.all(
    names.map(async (name) => {
      const port = await freePort();
      return { name, port, url: `http://127.0.0.1:${port}/`, process: await startFunctionServer(name, port, options) };
    }),
  );
}

/** One function's server on `port`, once it accepts connections. */
export async function startFunctionServer(name: FunctionName, port: number, options: FunctionServerOptions): Promise<ProcessGroup> {
  // The framework's CLI sits beside its entry module (build/src/main.js); package.json is not exported.
  const main = path.join(path.dirname(createRequire(import.meta.url).resolve('@google-cloud/functions-framework')), 'main.js');
  const group = new ProcessGroup(`function ${name}`, process.execPath, [main, `--target=${name}`, '--signature-type=cloudevent', `--port=${port}`, `--source=${packageRoot()}`], {
    env: { ...process.env, ...options.env, NODE_ENV: 'production', LOG_EXECUTION_ID: 'false' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  forEachLine(group, (line) => options.onOutput?.(name, line));
  await waitFor(`function ${name} on port ${port}`, async () => {
    if (!group.running) throw new Error(`function ${name} exited with ${group.child.exitCode}`);
    // A TCP connect, not a request: any request reaches the framework's event middleware,
    // which logs a TypeError for a body that is not an event.
    return listening(port);
  }, 20_000, 50);
  return group;
}
