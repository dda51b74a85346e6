/**
 * Retries work that failed on a fault that may pass (an unavailable Firestore, contention),
 * with doubling pauses, for at most `maxMs`; says what it waits for. Anything else, and the
 * last transient fault once time is up, is thrown. The work must be idempotent.
 */
export async function retryTransient<T>(
  what: string,
  work: () => Promise<T>,
  options: {
    isTransient: (error: unknown) => boolean;
    say?: (line: string) => void;
    maxMs?: number;
    firstPauseMs?: number;
    maxPauseMs?: number;
    sleep?: (ms: number) => Promise<void>;
  },
): Promise<T> {
  const maxMs = options.maxMs ?? 5 * 60_000;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let pause = options.firstPauseMs ?? 500;
  let waited = 0;
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (!options.isTransient(error) || waited + pause > maxMs) throw error;
      options.say?.(`${what} failed (attempt ${attempt}: ${(error as Error).message.split('\n')[0]}); retrying in ${(pause / 1000).toFixed(1)} s`);
      await sleep(pause);
      waited += pause;
      pause = Math.min(pause * 2, options.maxPauseMs ?? 8000);
    }
  }
}
