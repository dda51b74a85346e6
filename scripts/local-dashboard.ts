import { spawn } from 'node:child_process';
import path from 'node:path';
import { packageRoot } from '../shared/local/function-hosts.js';

export interface LocalDashboardRun {
  /** The dashboard's URL, as `tdl local` prints it at the start. */
  url: Promise<string>;
  /** Resolves when the loop has ended and `tdl local --keep` holds everything up. */
  held: Promise<void>;
  /** Everything the command printed so far. */
  output(): string;
  /** Ctrl-C, as a person would: the command stops what it started; resolves with its exit code. */
  stop(): Promise<number | null>;
}

/**
 * `tdl local --keep` on the bundled example with its dashboard on a free port: the command
 * `npm start` runs, in a process of its own (the emulators in `env`, if set, are reused).
 */
export function runLocalDashboard(options: { env?: NodeJS.ProcessEnv; reports: string }): LocalDashboardRun {
  const root = packageRoot();
  const child = spawn(
    process.execPath,
    [path.join(root, 'bin', 'tdl.js'), 'local', '--config', 'examples/shop/tdl.config.json', '--ui-port', '0', '--keep', '--reports', options.reports],
    { cwd: root, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let text = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const waitFor = <T>(match: (all: string) => T | undefined, what: string) =>
    new Promise<T>((resolve, reject) => {
      const check = () => {
        const found = match(text);
        if (found !== undefined) {
          child.stdout.off('data', check);
          resolve(found);
        }
      };
      child.stdout.on('data', check);
      void exited.then((code) => reject(new Error(`tdl local exited ${code} before ${what}:\n${text}`)));
    });
  child.stdout.on('data', (c: Buffer) => (text += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (text += c.toString('utf8')));
  const url = waitFor((all) => /dashboard at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(all)?.[1], 'printing the dashboard URL');
  const held = waitFor((all) => (all.includes('stay up until Ctrl-C (--keep)') ? true : undefined), 'the loop ended').then(() => undefined);
  url.catch(() => undefined);
  held.catch(() => undefined);
  return {
    url,
    held,
    output: () => text,
    async stop() {
      if (child.exitCode === null) child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
