import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FUNCTIONS, type FunctionName } from '../chain/topology.js';
import { ProcessGroup, freePort, waitFor } from '../process/process-group.js';
import { forEachLine } from '../process/commands.js';
import { connect } from 'node:net';
import { Agent, createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

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
  /** The function's address (its front): it stays up while the process behind it restarts. */
  port: number;
  url: string;
  /** The server's process behind the front; `restart` puts the new one here. */
  process: ProcessGroup;
  /** Kills the server at once, as a crash would, and starts it again behind the same address. */
  restart(): Promise<void>;
  /** Stops the process and closes the front. */
  stop(): Promise<void>;
  /** Pushes the front received, and how many of them were answered with anything but a 2xx (each one Pub/Sub redelivers). */
  readonly pushes: PushCounts;
}

export interface PushCounts {
  received: number;
  failed: number;
}

export interface FunctionServerOptions {
  env: Record<string, string>;
  onOutput?: (name: FunctionName, line: string) => void;
}

/** How long a push waits at the front for a process that is starting, as Cloud Run holds a request for a starting instance. */
const HOLD_WHILE_STARTING_MS = 60_000;

/**
 * What Pub/Sub pushes to, in front of a function's process, as Cloud Run's front end is in
 * the cloud: while the process is down or starting, a push waits for it (Cloud Run holds a
 * request while an instance starts) and gets a 503 only past HOLD_WHILE_STARTING_MS or when
 * the process dies under it; a 503 is retried by Pub/Sub. Without it the push met a refused
 * connection, and the emulator gave up on the message after a few tries.
 */
class FunctionFront {
  private server?: Server;
  private readonly agent = new Agent({ keepAlive: true });
  /** The port of the process behind it; 0 while there is none. */
  private target = 0;
  private up?: { promise: Promise<void>; resolve: () => void };
  readonly pushes: PushCounts = { received: 0, failed: 0 };

  constructor(private readonly name: string) {
    this.down();
  }

  /** The process is gone (killed, stopping): pushes from now on wait for the next one. */
  down(): void {
    this.target = 0;
    if (!this.up) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.up = { promise, resolve };
    }
  }

  /** A process listens on `port`: the pushes waiting for it go through. */
  ready(port: number): void {
    this.target = port;
    this.up?.resolve();
    this.up = undefined;
  }

  async listen(port: number): Promise<void> {
    this.server = createServer((req, res) => void this.forward(req, res));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, '127.0.0.1', () => resolve());
    });
  }

  private async forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.pushes.received++;
    const unavailable = (why: string) => {
      this.pushes.failed++;
      if (res.headersSent) return void res.destroy();
      res.writeHead(503, { 'content-type': 'text/plain', 'retry-after': '1' });
      res.end(`function ${this.name} unavailable: ${why}\n`);
    };
    if (!this.target && this.up) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.up.promise, new Promise((r) => (timer = setTimeout(r, HOLD_WHILE_STARTING_MS)))]);
      clearTimeout(timer);
    }
    if (!this.target) return unavailable(`not started within ${HOLD_WHILE_STARTING_MS / 1000} s`);
    const upstream = request(
      { host: '127.0.0.1', port: this.target, method: req.method, path: req.url, headers: req.headers, agent: this.agent },
      (answer) => {
        const status = answer.statusCode ?? 502;
        if (status < 200 || status > 299) this.pushes.failed++;
        res.writeHead(status, answer.headers);
        answer.pipe(res);
        answer.on('aborted', () => res.destroy());
      },
    );
    // The process died under the request (reset, hang-up): that delivery failed, Pub/Sub retries it.
    upstream.on('error', (error) => unavailable(error.message));
    req.pipe(upstream);
  }

  async close(): Promise<void> {
    this.down();
    this.up?.resolve();
    this.agent.destroy();
    this.server?.closeAllConnections();
    await new Promise((r) => (this.server ? this.server.close(r) : r(undefined)));
  }
}

/**
 * Starts each function in its own functions-framework server, the way Cloud Functions runs
 * it: the framework's own CLI, `--source` the package root (its `main` registers the functions),
 * `--target` the function name, behind a front on the function's stable address. The compiled
 * module (dist/) must exist: `npm run build`.
 */
export async function startFunctionHosts(options: FunctionServerOptions & { names?: FunctionName[] }): Promise<FunctionHost[]> {
  const root = packageRoot();
  if (!existsSync(path.join(root, 'dist', 'functions', 'index.js'))) {
    throw new Error(`dist/functions/index.js is missing: run \`npm run build\` in ${root}`);
  }
  const names = options.names ?? Object.values(FUNCTIONS);
  return Promise.all(names.map((name) => startFunctionHost(name, options)));
}

async function startFunctionHost(name: FunctionName, options: FunctionServerOptions): Promise<FunctionHost> {
  const port = await freePort();
  const front = new FunctionFront(name);
  await front.listen(port);
  // A port of its own each start: the one a killed process held may not be free yet.
  const spawn = async () => {
    const inner = await freePort();
    const group = await startFunctionServer(name, inner, options);
    front.ready(inner);
    return group;
  };
  const host: FunctionHost = {
    name,
    port,
    url: `http://127.0.0.1:${port}/`,
    pushes: front.pushes,
    process: await spawn(),
    async restart() {
      front.down();
      host.process.kill();
      await host.process.wait();
      // A start can fail (a slow machine): try again before giving up, so a restart never
      // leaves the function down for good.
      for (let attempt = 1; ; attempt++) {
        try {
          host.process = await spawn();
          return;
        } catch (error) {
          if (attempt >= 3) throw error;
          await new Promise((r) => setTimeout(r, 500 * attempt));
        }
      }
    },
    async stop() {
      await host.process.stop();
      await front.close();
    },
  };
  return host;
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
