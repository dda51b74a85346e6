import { ProcessGroup } from './process-group.js';

export interface CommandResult {
  exitCode: number | null;
  signal: string | null;
  /** The last lines of stdout and stderr together. */
  tail: string;
  startedAt: string;
  finishedAt: string;
  timedOut: boolean;
}

/**
 * Runs an argv command from the loop config, never through a shell. `node` means this
 * Node.js binary, so the example runs the same everywhere.
 */
export function spawnCommand(
  label: string,
  argv: string[],
  options: { cwd: string; env?: Record<string, string> },
): ProcessGroup {
  const [cmd, ...args] = argv;
  const bin = cmd === 'node' ? process.execPath : cmd!;
  return new ProcessGroup(label, bin, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export async function runCommand(
  label: string,
  argv: string[],
  options: { cwd: string; env?: Record<string, string>; timeoutSeconds: number; onLine?: (line: string) => void; tailLines?: number },
): Promise<CommandResult> {
  const startedAt = new Date().toISOString();
  const group = spawnCommand(label, argv, options);
  const tail: string[] = [];
  const keep = options.tailLines ?? 40;
  forEachLine(group, (line) => {
    tail.push(line);
    if (tail.length > keep) tail.shift();
    options.onLine?.(line);
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void group.stop(2000);
  }, options.timeoutSeconds * 1000);
  const exitCode = await group.wait();
  clearTimeout(timer);
  return {
    exitCode,
    signal: group.child.signalCode,
    tail: tail.join('\n'),
    startedAt,
    finishedAt: new Date().toISOString(),
    timedOut,
  };
}

/** Calls `onLine` for each line a process writes on stdout or stderr. */
export function forEachLine(group: ProcessGroup, onLine: (line: string) => void): void {
  for (const stream of [group.child.stdout, group.child.stderr]) {
    if (!stream) continue;
    stream.setEncoding('utf8');
    let buffered = '';
    stream.on('data', (chunk: string) => {
      buffered += chunk;
      let i;
      while ((i = buffered.indexOf('\n')) >= 0) {
        onLine(buffered.slice(0, i));
        buffered = buffered.slice(i + 1);
      }
      if (buffered.length > 64 * 1024) {
        onLine(buffered);
        buffered = '';
      }
    });
    stream.on('end', () => {
      if (buffered) onLine(buffered);
    });
  }
}

/** TDL_URL_SHOP_API=... for each service, and BASE_URL for the first. */
export function serviceUrlEnv(urls: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  const entries = Object.entries(urls);
  for (const [name, url] of entries) env[`TDL_URL_${name.toUpperCase().replace(/-/g, '_')}`] = url;
  if (entries[0]) env.BASE_URL = entries[0][1];
  return env;
}
