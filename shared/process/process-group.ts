import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createServer } from 'node:net';

/**
 * A child process in its own process group, so stopping it stops everything it started
 * (gcloud starts a Java process; a service may fork). Stopped with SIGTERM, then SIGKILL.
 */
export class ProcessGroup {
  readonly child: ChildProcess;
  private readonly exited: Promise<number | null>;

  constructor(
    readonly label: string,
    command: string,
    args: string[],
    options: SpawnOptions,
  ) {
    this.child = spawn(command, args, { ...options, detached: true });
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code) => resolve(code));
      this.child.once('error', () => resolve(null));
    });
    liveGroups.add(this);
    void this.exited.then(() => liveGroups.delete(this));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null && this.child.pid !== undefined;
  }

  /** Resolves with the exit code, or null when killed by a signal. */
  wait(): Promise<number | null> {
    return this.exited;
  }

  async stop(graceMs = 5000): Promise<void> {
    if (!this.child.pid) return;
    signalGroup(this.child.pid, 'SIGTERM');
    const timer = setTimeout(() => signalGroup(this.child.pid!, 'SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
    // The leader may exit before its children (gcloud before java): make sure the group is gone.
    signalGroup(this.child.pid, 'SIGKILL');
  }

  /** Kills the group at once, as a crash would. */
  kill(): void {
    if (this.child.pid) signalGroup(this.child.pid, 'SIGKILL');
  }
}

const liveGroups = new Set<ProcessGroup>();

/** Kills every group still alive: for exit paths that cannot await (signals, fatal errors). */
export function killAllGroups(): void {
  for (const g of liveGroups) g.kill();
}

/**
 * Runs a program's `main` and exits with the code it returns; a fatal error is printed with
 * `name`, every group still alive is killed, and the exit code is 2.
 */
export function runMain(name: string, main: () => Promise<number>): void {
  main()
    .then((code) => process.exit(code))
    .catch((error) => {
      killAllGroups();
      process.stderr.write(`${name}: ${(error as Error).stack ?? error}\n`);
      process.exit(2);
    });
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/** A free TCP port on the loopback interface. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Polls `probe` until it returns true or `timeoutMs` passes. */
/** Polls `probe` until it answers true; gives up at the deadline, or at once when `hopeless()` says so. */
export async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs: number, intervalMs = 100, hopeless?: () => string | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe().catch(() => false)) return;
    const why = hopeless?.();
    if (why) throw new Error(`stopped waiting for ${what}: ${why}`);
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export async function httpOk(url: string, timeoutMs = 1000): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  await res.arrayBuffer();
  return res.ok;
}
