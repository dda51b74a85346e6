import { z } from 'zod';
import { RejectedFile, RunTotals, SuiteSummary } from '../results/model.js';
import { ServiceDeployment, Trigger } from '../chain/messages.js';
import { ModelAnalysis, Criteria, Deadlines, Guards, ClassificationRule } from '../config/loop-config.js';
import { NotifyConfig } from '../config/notify-config.js';

/** What the loop measured itself, after the deploy, for one target. Stored on the cycle. */
export const PerformanceMeasurement = z.object({
  name: z.string(),
  service: z.string(),
  path: z.string(),
  requests: z.number().int(),
  errors: z.number().int(),
  p50Ms: z.number().nullable(),
  p95Ms: z.number().nullable(),
  maxMs: z.number().nullable(),
});
export type PerformanceMeasurement = z.infer<typeof PerformanceMeasurement>;

/**
 * The documents of a loop as they are stored in Firestore and read in its console:
 * `loops/{loopId}` and `loops/{loopId}/cycles/{n}`. Reads are validated with these schemas.
 */

export const LoopStatus = z.enum(['running', 'succeeded', 'failed', 'blocked', 'awaiting-fix', 'cancelled']);
export type LoopStatus = z.infer<typeof LoopStatus>;

export const Phase = z.enum(['deploying', 'testing', 'analyzing', 'reporting', 'done', 'superseded']);
export type Phase = z.infer<typeof Phase>;

export const Verdict = z.enum(['succeeded', 'redeploy', 'await-fix', 'failed', 'blocked', 'cancelled']);
export type Verdict = z.infer<typeof Verdict>;

export const StoredConfig = z.object({
  branch: z.string(),
  criteria: Criteria,
  guards: Guards,
  deadlines: Deadlines,
  classification: z.object({ rules: z.array(ClassificationRule) }),
  /** Absent on loops registered before the model-backed analyzer existed: rules only. */
  analysis: z.object({ model: ModelAnalysis.nullish() }).optional(),
  allowedHosts: z.array(z.string()).default(['127.0.0.1', 'localhost', '*.run.app']),
  services: z.array(z.object({ name: z.string(), critical: z.boolean(), healthPath: z.string() })),
  /** Sinks, secrets only by their names; absent on loops stored before notify (no sinks). */
  notify: NotifyConfig.optional(),
});
export type StoredConfig = z.infer<typeof StoredConfig>;

export const HistoryEntry = z.object({
  cycle: z.number().int(),
  commit: z.string(),
  passRate: z.number().nullable(),
  tests: z.number().int(),
  verdict: Verdict,
  /** Signatures of the failure clusters, for the same-failure guard. */
  failureSignatures: z.array(z.string()).default([]),
});
export type HistoryEntry = z.infer<typeof HistoryEntry>;

export const LoopDoc = z.object({
  loopId: z.string(),
  status: LoopStatus,
  statusReason: z.string().optional(),
  currentCycle: z.number().int().nonnegative(),
  /** Guards count cycles from here: a finished loop that is re-run starts a new run. */
  runStartCycle: z.number().int().positive().default(1),
  runStartedAt: z.string(),
  redeploys: z.number().int().nonnegative().default(0),
  config: StoredConfig,
  history: z.array(HistoryEntry).default([]),
  createdAt: z.string(),
  updatedAt: z.string(),
  endedAt: z.string().optional(),
  report: z.string().optional(),
});
export type LoopDoc = z.infer<typeof LoopDoc>;

export const OutboxEntry = z.object({
  topic: z.string(),
  data: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
  publishedAt: z.string().nullable(),
  /** Set by the watchdog's sweep before it publishes an abandoned entry, so two sweeps do not both. */
  claimedAt: z.string().nullable().optional(),
  /** Set when the watchdog sent the entry once more because the phase it starts never ended. */
  resentAt: z.string().optional(),
});
export type OutboxEntry = z.infer<typeof OutboxEntry>;

/** What became of one notification of the cycle (a commit status, the issue, a Slack message). */
export const NotificationRecord = z.object({
  sink: z.string(),
  /** The loop event it was for, e.g. "verdict await-fix". */
  event: z.string(),
  status: z.enum(['sent', 'failed']),
  /** Why it failed, or what was sent (the URL, the status state). */
  reason: z.string().optional(),
  attempts: z.number().int().nonnegative(),
  at: z.string(),
});
export type NotificationRecord = z.infer<typeof NotificationRecord>;

export const HealthCheck = z.object({
  service: z.string(),
  url: z.string(),
  ok: z.boolean(),
  status: z.number().optional(),
  latencyMs: z.number().optional(),
  error: z.string().optional(),
});

export const TestJobState = z.object({
  jobId: z.string(),
  launchedAt: z.string().optional(),
  executionId: z.string().optional(),
  exitCode: z.number().int().nullable().optional(),
  crashed: z.boolean().optional(),
  commandStartedAt: z.string().optional(),
  commandFinishedAt: z.string().optional(),
  /** Why no tests ran, when the job was not launched. */
  skippedReason: z.string().optional(),
  /**
   * When the watchdog, finding the job silent at its deadline, launched it (or found the
   * execution already started) and gave it one more window; a second silence blocks the loop.
   */
  secondChanceAt: z.string().optional(),
});
export type TestJobState = z.infer<typeof TestJobState>;

export const CycleDoc = z.object({
  loopId: z.string(),
  n: z.number().int().positive(),
  phase: Phase,
  trigger: Trigger.optional(),
  reason: z.string().optional(),
  branch: z.string().optional(),
  commit: z.string().optional(),
  buildId: z.string().optional(),
  services: z.array(ServiceDeployment).default([]),
  health: z.array(HealthCheck).default([]),
  /** Latency the loop measured itself after the deploy, per performance target. */
  performance: z.array(PerformanceMeasurement).default([]),
  deployLogExcerpt: z.string().optional(),
  testJob: TestJobState.optional(),
  totals: RunTotals.optional(),
  suites: z.array(SuiteSummary).default([]),
  rejected: z.array(RejectedFile).default([]),
  resultChunks: z.number().int().nonnegative().default(0),
  /**
   * The result set the cycle's chunks belong to (results/{set}-00000, ...): each run of the
   * job writes its own, and only the one named here is read, so a job still writing for a
   * cycle that moved on changes nothing anyone reads. Absent on cycles stored before sets.
   */
  resultSet: z.string().optional(),
  passRate: z.number().nullable().optional(),
  /** The analysis, compact: clusters, diff, reality findings, criteria. */
  analysis: z.record(z.string(), z.unknown()).optional(),
  verdict: Verdict.optional(),
  verdictReason: z.string().optional(),
  nextAction: z.string().optional(),
  report: z.string().optional(),
  supersededBy: z.number().int().optional(),
  /** ISO time by which the current phase must end; the watchdog closes it after. */
  deadline: z.string().nullable().optional(),
  /** Phase -> ISO time it was entered. */
  phaseAt: z.record(z.string(), z.string()).default({}),
  deployRequestedAt: z.string().optional(),
  deployFinishedAt: z.string().optional(),
  overheadMs: z.number().optional(),
  outbox: z.record(z.string(), OutboxEntry).default({}),
  /** Notification id -> what became of it; a failed one never holds the loop up. */
  notifications: z.record(z.string(), NotificationRecord).default({}),
});
export type CycleDoc = z.infer<typeof CycleDoc>;

export const ACTIVE_PHASES: readonly Phase[] = ['deploying', 'testing', 'analyzing', 'reporting'];

export function isActive(phase: Phase): boolean {
  return ACTIVE_PHASES.includes(phase);
}

export function isLoopEnded(status: LoopStatus): boolean {
  return status === 'succeeded' || status === 'failed' || status === 'blocked' || status === 'cancelled';
}

/** A loop that has not deployed yet: what `tdl register` and the local runtime create. */
export function newLoop(loopId: string, config: StoredConfig, now: string): LoopDoc {
  return {
    loopId,
    status: 'running',
    statusReason: 'registered; waiting for the first deployment',
    currentCycle: 0,
    runStartCycle: 1,
    runStartedAt: now,
    redeploys: 0,
    config,
    history: [],
    createdAt: now,
    updatedAt: now,
  };
}
