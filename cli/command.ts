/** One `tdl` sub-command (its one-line summary is in commands/registry.ts). `run` returns the exit code: 0 success, 1 not succeeded, 2 usage or config. */
export interface Command {
  name: string;
  /** Full help text for `tdl NAME --help`. */
  usage: string;
  run(argv: string[]): Promise<number>;
}

export const EXIT = { ok: 0, notSucceeded: 1, usage: 2 } as const;

/** Thrown by a command for bad usage; the dispatcher prints it with the usage and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
