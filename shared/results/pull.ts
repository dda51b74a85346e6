/**
 * Turns a reader that pushes items into an async iterable that pulls them. The reader runs
 * at most `highWater` items ahead of the consumer: when it is that far ahead, `push` returns
 * a promise the reader awaits, resolved once the consumer has taken what was queued. If the
 * consumer stops early, the next `push` throws, so the reader stops too.
 */
export async function* pull<T>(read: (push: (item: T) => void | Promise<void>) => Promise<unknown>, highWater = 1000): AsyncGenerator<T> {
  let queue: T[] = [];
  let ended = false;
  // Set inside callbacks: typed with `as` so the compiler does not narrow them to null here.
  let failure = null as { error: unknown } | null;
  let stopped = false;
  let wakeConsumer: (() => void) | null = null;
  let drained = null as { promise: Promise<void>; resolve: () => void } | null;
  const wake = () => {
    wakeConsumer?.();
    wakeConsumer = null;
  };
  const push = (item: T): void | Promise<void> => {
    if (stopped) throw new Error('the consumer stopped reading');
    queue.push(item);
    wake();
    if (queue.length < highWater) return;
    if (!drained) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      drained = { promise, resolve };
    }
    return drained.promise;
  };
  void read(push).then(
    () => {
      ended = true;
      wake();
    },
    (error: unknown) => {
      failure = { error };
      wake();
    },
  );
  try {
    for (;;) {
      if (queue.length > 0) {
        const taken = queue;
        queue = [];
        drained?.resolve();
        drained = null;
        yield* taken;
        continue;
      }
      if (failure) throw failure.error;
      if (ended) return;
      await new Promise<void>((r) => (wakeConsumer = r));
    }
  } finally {
    stopped = true;
    drained?.resolve();
  }
}
