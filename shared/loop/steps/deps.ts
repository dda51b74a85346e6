import type { Clock, HealthProbe, Logger, Publisher, TestJobLauncher } from '../../ports.js';
import type { LoopStore } from '../../store.js';

/** Everything the steps need, wired once per instance (module scope in a function). */
export interface StepDeps {
  store: LoopStore;
  publisher: Publisher;
  clock: Clock;
  log: Logger;
}

export interface RunTestsDeps extends StepDeps {
  health: HealthProbe;
  launcher: TestJobLauncher;
}

/** How a step ended, for logs and tests: what a person would want to know. */
export type StepOutcome =
  | { kind: 'done'; detail: string }
  | { kind: 'duplicate'; detail: string }
  | { kind: 'ignored'; detail: string };

/** An in-progress record older than this is taken over: the delivery that wrote it died. */
export const IN_PROGRESS_TTL_MS = 30_000;
