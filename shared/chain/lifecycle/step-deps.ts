import type { Clock, HealthProbe, LatencyProbe, Logger, Publisher, TestJobLauncher } from '../../ports/services.js';
import type { LoopStore } from '../../ports/loop-store.js';

/** Everything the steps need, wired once per instance (module scope in a function). */
export interface StepDeps {
  store: LoopStore;
  publisher: Publisher;
  clock: Clock;
  log: Logger;
}

export interface RunTestsDeps extends StepDeps {
  health: HealthProbe;
  latency: LatencyProbe;
  launcher: TestJobLauncher;
}

/** The watchdog launches a silent cycle's test job itself (idempotent per job id) before blocking it. */
export interface WatchdogDeps extends StepDeps {
  launcher: TestJobLauncher;
}

/** How a step ended, for logs and tests: what a person would want to know. */
export type StepOutcome =
  | { kind: 'done'; detail: string }
  | { kind: 'duplicate'; detail: string }
  | { kind: 'ignored'; detail: string };

/**
 * An in-progress record older than this is taken over: the delivery that wrote it died.
 * Every step finishes in well under a second, the longest (a health probe) within 5 s; a
 * crashed delivery is retried by Pub/Sub after 1-2 s and waits this long before taking over.
 */
export const IN_PROGRESS_TTL_MS = 15_000;
