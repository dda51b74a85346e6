import { z } from 'zod';
import { TOPICS } from './topology.js';
import { RejectedFile, RunTotals } from '../results/model.js';

/**
 * One schema per topic. A message carries identifiers and facts, never a command: what runs
 * (deploy, tests, fix) comes from the loop's config only.
 */

/** Loop ids appear in document paths and job names: keep them to a safe alphabet. */
export const LoopId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'a loop id is 1-63 lowercase letters, digits or dashes');
const CycleNumber = z.number().int().positive();
const Iso = z.string().datetime({ offset: true });
const Url = z.string().url().max(2048);

export const ServiceDeployment = z.object({
  name: z.string().min(1).max(128),
  url: Url.optional(),
  revision: z.string().max(256).optional(),
  ready: z.boolean(),
  /** Why the service is not ready, as the deployer saw it. */
  error: z.string().max(4000).optional(),
});
export type ServiceDeployment = z.infer<typeof ServiceDeployment>;

export const Trigger = z.enum(['push', 'redeploy', 'retest', 'fix', 'manual']);
export type Trigger = z.infer<typeof Trigger>;

export const DeployFinished = z.object({
  loopId: LoopId,
  /** The cycle this deployment was requested for; absent for a push, which opens a new cycle. */
  cycle: CycleNumber.optional(),
  trigger: Trigger,
  branch: z.string().min(1).max(256),
  commit: z.string().min(1).max(64),
  buildId: z.string().min(1).max(128),
  services: z.array(ServiceDeployment).max(50),
  finishedAt: Iso,
  /** Tail of the deploy step's output, kept for the five whys. */
  logExcerpt: z.string().max(8000).optional(),
  reason: z.string().max(500).optional(),
});
export type DeployFinished = z.infer<typeof DeployFinished>;

export const TestsFinished = z.object({
  loopId: LoopId,
  cycle: CycleNumber,
  jobId: z.string().min(1).max(128),
  /** Exit code of the suite command; null when it was killed by a signal. */
  exitCode: z.number().int().nullable(),
  /** The suite crashed (signal, or no result file) rather than reporting failures. */
  crashed: z.boolean(),
  totals: RunTotals,
  rejected: z.array(RejectedFile).max(100),
  resultChunks: z.number().int().nonnegative(),
  startedAt: Iso,
  finishedAt: Iso,
});
export type TestsFinished = z.infer<typeof TestsFinished>;

export const AnalysisFinished = z.object({
  loopId: LoopId,
  cycle: CycleNumber,
  passRate: z.number().min(0).max(1).nullable(),
  criteriaMet: z.boolean(),
});
export type AnalysisFinished = z.infer<typeof AnalysisFinished>;

export const DeployRequested = z.object({
  loopId: LoopId,
  /**
   * The cycle the loop opened for this deployment (a redeploy verdict); the deployer echoes it
   * in deploy-finished. Absent for a re-run by hand: the deployment then opens a new cycle.
   */
  cycle: CycleNumber.optional(),
  trigger: z.enum(['redeploy', 'manual']).default('redeploy'),
  branch: z.string().min(1).max(256),
  /** Deploy this commit again; absent means the branch's latest. */
  commit: z.string().min(1).max(64).optional(),
  reason: z.string().max(500),
  requestedAt: Iso,
  /** Do not start before this time (redeploy backoff). */
  notBefore: Iso.optional(),
});
export type DeployRequested = z.infer<typeof DeployRequested>;

/**
 * Attributes set on every deploy-requested, whoever publishes it: Cloud Build's Pub/Sub trigger
 * binds its substitutions to them (`$(body.message.attributes.cycle)`), so the optional facts
 * reach the build as '' when a message has none (a `tdl rerun` has no cycle) rather than as a
 * binding to a field that is not there.
 */
export function deployRequestedAttributes(m: DeployRequested): Record<'cycle' | 'commit' | 'notBefore', string> {
  return { cycle: m.cycle === undefined ? '' : String(m.cycle), commit: m.commit ?? '', notBefore: m.notBefore ?? '' };
}

export const LoopEventType = z.enum([
  'loop-started',
  'phase-changed',
  'progress',
  'verdict',
  'fix-requested',
  'loop-ended',
  'input-rejected',
  'cancel-requested',
]);
export type LoopEventType = z.infer<typeof LoopEventType>;

export const LoopEvent = z.object({
  loopId: LoopId,
  cycle: CycleNumber.optional(),
  type: LoopEventType,
  phase: z.string().max(64).optional(),
  verdict: z.string().max(64).optional(),
  status: z.string().max(64).optional(),
  detail: z.string().max(4000).optional(),
  /** Free facts for the watcher: counts, pass rate, report path. */
  facts: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
  at: Iso,
});
export type LoopEvent = z.infer<typeof LoopEvent>;

/** A person's request about a loop, from `tdl cancel`. */
export const LoopControl = z.object({
  loopId: LoopId,
  action: z.enum(['cancel']),
  reason: z.string().max(500),
  requestedBy: z.string().max(200),
  requestedAt: Iso,
});
export type LoopControl = z.infer<typeof LoopControl>;

/** A tick from Cloud Scheduler (or the local timer); the watchdog reads its own clock. */
export const WatchdogTick = z
  .object({
    at: Iso.optional(),
  })
  .strict();
export type WatchdogTick = z.infer<typeof WatchdogTick>;

export const SCHEMAS = {
  [TOPICS.deployFinished]: DeployFinished,
  [TOPICS.testsFinished]: TestsFinished,
  [TOPICS.analysisFinished]: AnalysisFinished,
  [TOPICS.deployRequested]: DeployRequested,
  [TOPICS.loopEvents]: LoopEvent,
  [TOPICS.watchdogTick]: WatchdogTick,
  [TOPICS.loopControl]: LoopControl,
} as const;
export type SchemaTopic = keyof typeof SCHEMAS;
export type MessageOf<T extends SchemaTopic> = z.infer<(typeof SCHEMAS)[T]>;

/** Largest message we accept; Pub/Sub allows 10 MB, nothing of ours needs more than a few KB. */
export const MAX_MESSAGE_BYTES = 256 * 1024;
