import type { SchemaTopic, MessageOf } from '../chain/messages.js';

/**
 * Ports: what the use cases need from the outside world. Adapters in shared/adapters/
 * implement them for Google Cloud, for the local runtime on the emulators, and fakes in
 * test/ for the domain's unit tests.
 */

/** Publishes a validated message to one of the chain's topics; resolves with the message id. */
export interface Publisher {
  publish<T extends SchemaTopic>(topic: T, message: MessageOf<T>, attributes?: Record<string, string>): Promise<string>;
}

export interface TestJobRequest {
  loopId: string;
  cycle: number;
  /** Deterministic: launching the same job id twice starts it once. */
  jobId: string;
  /** Service name -> base URL of the deployed revision under test. */
  serviceUrls: Record<string, string>;
}

/**
 * Starts the test job (a Cloud Run Job execution; locally a child process running `tdl job`).
 * Idempotent per job id: an adapter first looks for an execution already started for the
 * job id and answers with it, so a delivery taking over from one that launched and then
 * stalled or died before recording it does not run the job twice.
 */
export interface TestJobLauncher {
  launch(request: TestJobRequest): Promise<{ executionId: string }>;
}

export interface HealthProbeResult {
  service: string;
  url: string;
  ok: boolean;
  status?: number;
  latencyMs?: number;
  error?: string;
}

/** Checks that a deployed service answers its health path. */
export interface HealthProbe {
  check(service: string, url: string): Promise<HealthProbeResult>;
}

/**
 * ID tokens for calling private services (Cloud Run's default): a token whose audience is the
 * service's origin, as the caller's own identity. Locally there is none and requests go bare.
 */
export interface IdTokenSource {
  /** The token for `audience` (a URL's origin); throws when it cannot be had. */
  token(audience: string): Promise<string>;
}

/** Times requests to a deployed endpoint, for performance measured by the loop itself. */
export interface LatencyProbe {
  measure(url: string, requests: number): Promise<{ samples: number[]; errors: number }>;
}

export interface Clock {
  now(): Date;
  /** Waits `ms` of this clock's time. A clock without it (a test's frozen clock) never waits. */
  sleep?(ms: number): Promise<void>;
}

export const systemClock: Clock = { now: () => new Date(), sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) };

export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}
