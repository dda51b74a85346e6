import type { DeployFinished, LoopEvent, TestsFinished } from '../messages.js';
import type { HealthProbeResult, TestJobRequest } from '../../ports/services.js';
import type { DedupRecord, TxPlan, TxView } from '../../ports/loop-store.js';
import { InvalidInputError } from '../../kernel/errors.js';
import { hostAllowed } from '../../config/loop-config.js';
import { redact } from '../../security/redact.js';
import { summarizeSamples, type PerformanceMeasurement } from '../../analysis/performance.js';
import { isActive, isLoopEnded, type CycleDoc, type LoopDoc, type OutboxEntry } from '../../domain/model.js';
import { outboxMessage } from '../lifecycle/outbox.js';
import { dedupKey } from '../lifecycle/dedup.js';
import { handleOnce, planHandledOnce, type Handled, type HandledOnce, type StepPlan } from '../lifecycle/run-step.js';
import { addSeconds } from '../../kernel/time.js';
import type { RunTestsDeps, StepOutcome } from '../lifecycle/step-deps.js';

const STEP = 'run-tests';

/** The dedup key of the deployment a cycle tests: its record says when the delivery that launched the job began. */
export const launchDedupKey = (c: { loopId: string; buildId?: string; commit?: string }): string | undefined =>
  c.buildId && c.commit ? dedupKey(STEP, c.loopId, c.buildId, c.commit) : undefined;

interface RunTestsPlan extends StepPlan {
  launch?: TestJobRequest;
}

/**
 * run-tests, on deploy-finished: opens the cycle (or advances the one that asked for this
 * deployment), records the deployment and its health, and launches the test job.
 */
export function createRunTests(deps: RunTestsDeps) {
  return async function runTests(message: DeployFinished, messageId: string): Promise<StepOutcome> {
    const loop = await deps.store.getLoop(message.loopId);
    if (!loop) throw new InvalidInputError(`deploy-finished: unknown loop id "${message.loopId}"`, { loopId: message.loopId });
    // A message names URLs; only hosts the loop's config names are ever reached.
    for (const s of message.services) {
      if (s.url && !hostAllowed(s.url, loop.config.allowedHosts)) {
        throw new InvalidInputError(
          `deploy-finished: service ${s.name} url ${s.url} is not on the loop's allowedHosts (${loop.config.allowedHosts.join(', ')})`,
          { loopId: message.loopId },
        );
      }
    }
    const health = await probeServices(deps, loop, message);
    const performance = await measurePerformance(deps, loop, message, health);
    const plan = await handleOnce<RunTestsPlan>(deps, runTestsOnce(message, { messageId, now: deps.clock.now(), health, performance }, deps));
    // handleOnce said what a claimed delivery did; a redelivery says what it found.
    if (!plan.claimed) deps.log.info(`${STEP}: ${plan.outcome.detail}`, { loopId: message.loopId, cycle: plan.n, messageId });
    return plan.outcome;
  };
}

/** run-tests as a fact handled once: the deployment (loop, build, commit), whatever its deliveries. */
function runTestsOnce(message: DeployFinished, ctx: PlanContext, deps?: RunTestsDeps): HandledOnce<RunTestsPlan> {
  return {
    step: STEP,
    fact: [message.loopId, message.buildId, message.commit],
    loopId: message.loopId,
    cycle: message.cycle,
    messageId: ctx.messageId,
    alreadyDone: (record) => ({
      kind: 'duplicate',
      detail: `deployment ${message.buildId} was already handled (${record.outcome ?? 'completed'})`,
    }),
    plan: (view, record) => planDeployment(view, message, ctx, record),
    beforePublish: async (plan) => {
      if (!plan.launch || !deps) return;
      // No transaction after the launch: the job stores its results on the same document at
      // once, and two transactions on one document contend badly. The dedup record says
      // whether this delivery finished; a delivery that takes over asks to launch again, and
      // the launcher (idempotent per job id) answers with the execution the first one started.
      const { executionId } = await deps.launcher.launch(plan.launch);
      deps.log.info(`${STEP}: launched ${plan.launch.jobId} as ${executionId}`, { loopId: message.loopId, cycle: plan.n });
    },
  };
}

async function probeServices(deps: RunTestsDeps, loop: LoopDoc, message: DeployFinished): Promise<HealthProbeResult[]> {
  const configured = new Map(loop.config.services.map((s) => [s.name, s]));
  const probes = message.services
    .filter((s) => s.ready && s.url && configured.has(s.name))
    .map((s) => deps.health.check(s.name, joinUrl(s.url!, configured.get(s.name)!.healthPath)));
  return Promise.all(probes);
}

/**
 * Latency measured by the loop itself, before the suite runs, on the targets of the loop's
 * criteria: a bounded number of sequential GETs per target, only on healthy services.
 */
async function measurePerformance(
  deps: RunTestsDeps,
  loop: LoopDoc,
  message: DeployFinished,
  health: HealthProbeResult[],
): Promise<PerformanceMeasurement[]> {
  const out: PerformanceMeasurement[] = [];
  for (const target of loop.config.criteria.performance) {
    const svc = message.services.find((s) => s.name === target.service);
    const healthy = health.find((h) => h.service === target.service)?.ok;
    if (!svc?.url || !svc.ready || !healthy) continue;
    const { samples, errors } = await deps.latency.measure(joinUrl(svc.url, target.path), target.requests);
    out.push(summarizeSamples(target, samples, errors));
  }
  return out;
}

function joinUrl(base: string, path: string): string {
  return base.replace(/\/+$/, '') + path;
}

interface PlanContext {
  messageId: string;
  now: Date;
  health: HealthProbeResult[];
  performance?: PerformanceMeasurement[];
}

/** The pure part of run-tests: what the deploy-finished message changes, given the stored state. */
export function planDeployFinished(view: TxView, message: DeployFinished, ctx: PlanContext): TxPlan<Handled<RunTestsPlan>> {
  return planHandledOnce(runTestsOnce(message, ctx), view, ctx.now);
}

function planDeployment(view: TxView, message: DeployFinished, ctx: PlanContext, inProgress: DedupRecord): TxPlan<RunTestsPlan & { claim?: false }> {
  const { loop } = view;
  if (!loop) throw new InvalidInputError(`deploy-finished: unknown loop id "${message.loopId}"`);
  // The same build again, after a delivery that died or failed halfway: finish its work.
  const sameBuild = findCycleOfBuild(view, message);
  if (sameBuild) return resumeBuild(sameBuild, message, inProgress);
  const refusal = outOfOrder(view, loop, message);
  if (refusal) return ignored(refusal);
  const opening = openCycle(view, loop, message, ctx);
  const notReady = unreadyServices(loop, message, ctx.health);
  const planned = notReady.length > 0 ? skipTests(opening, loop, notReady, ctx.now) : startTests(opening, loop, message, ctx.now);
  return { writes: { ...planned.writes, dedup: { ...inProgress, cycle: opening.n } }, result: planned.result };
}

function resumeBuild(sameBuild: CycleDoc, message: DeployFinished, inProgress: DedupRecord): TxPlan<RunTestsPlan> {
  const resumable = sameBuild.phase === 'testing';
  return {
    writes: { dedup: { ...inProgress, cycle: sameBuild.n } },
    result: {
      outcome: {
        kind: 'duplicate',
        detail: `build ${message.buildId} is already cycle ${sameBuild.n} (${sameBuild.phase}); ${resumable ? 'launching its test job again, as the first delivery may not have' : 'publishing what it left unpublished'}`,
      },
      n: sameBuild.n,
      pending: [],
      sweep: true,
      launch: resumable ? jobRequest(sameBuild) : undefined,
    },
  };
}

/** Why a deployment is not the loop's to take now (late, early or for a cancelled loop), or null. */
function outOfOrder(view: TxView, loop: LoopDoc, message: DeployFinished): string | null {
  const { current } = view;
  if (message.cycle !== undefined) {
    if (message.cycle < loop.currentCycle) {
      return `deployment for cycle ${message.cycle} arrived after cycle ${loop.currentCycle} began: superseded, ignored`;
    }
    if (message.cycle > loop.currentCycle || !current || current.phase !== 'deploying') {
      return `deployment for cycle ${message.cycle} does not match the loop (current cycle ${loop.currentCycle}, ${current?.phase ?? 'none'}): ignored`;
    }
  } else if (loop.status === 'cancelled' && message.trigger === 'push') {
    return `loop ${loop.loopId} is cancelled: push of ${message.commit} ignored (re-run it with tdl rerun)`;
  }
  return null;
}

/** A cycle being opened for a deployment: what it writes whether or not its tests then run. */
interface Opening {
  n: number;
  at: string;
  reason: string;
  loopPatch: Partial<LoopDoc>;
  /** The cycle this deployment supersedes, if one was still active. */
  cycles: Array<{ n: number; data: Partial<CycleDoc> }>;
  events: Array<[string, OutboxEntry]>;
  base: Partial<CycleDoc>;
}

function openCycle(view: TxView, loop: LoopDoc, message: DeployFinished, ctx: PlanContext): Opening {
  const { current } = view;
  const at = ctx.now.toISOString();
  const n = message.cycle ?? loop.currentCycle + 1;
  const opening: Opening = {
    n,
    at,
    reason: message.reason ?? describeTrigger(message),
    loopPatch: { currentCycle: n, status: 'running', statusReason: `cycle ${n} testing`, updatedAt: at },
    cycles: [],
    events: [],
    base: {},
  };
  if (message.cycle === undefined && current && isActive(current.phase)) {
    opening.cycles.push({ n: current.n, data: { phase: 'superseded', supersededBy: n, deadline: null, phaseAt: { superseded: at } } });
    pushEvent(opening, loop, `superseded-${current.n}`, {
      type: 'phase-changed',
      cycle: current.n,
      phase: 'superseded',
      detail: `superseded by ${message.trigger} of ${message.commit.slice(0, 8)} (cycle ${n})`,
    });
  }
  if (message.cycle === undefined && isLoopEnded(loop.status)) {
    opening.reason = `re-run of a loop that had ended ${loop.status}: ${opening.reason}`;
    opening.loopPatch = { ...opening.loopPatch, runStartCycle: n, runStartedAt: at, redeploys: 0, endedAt: undefined };
  }
  opening.base = {
    loopId: loop.loopId,
    n,
    trigger: message.trigger,
    reason: opening.reason,
    branch: message.branch,
    commit: message.commit,
    buildId: message.buildId,
    services: message.services,
    health: ctx.health,
    performance: ctx.performance ?? [],
    deployLogExcerpt: message.logExcerpt === undefined ? undefined : redact(message.logExcerpt),
    deployFinishedAt: message.finishedAt,
    outbox: {},
  };
  return opening;
}

function pushEvent(opening: Opening, loop: LoopDoc, id: string, e: Omit<LoopEvent, 'loopId' | 'at'>): void {
  opening.events.push(outboxMessage(id, 'loop-events', { loopId: loop.loopId, at: opening.at, ...e }, opening.at));
}

/** Critical services that are not there: not deployed, not ready, or failing their health probe. */
function unreadyServices(loop: LoopDoc, message: DeployFinished, health: HealthProbeResult[]): string[] {
  const critical = new Set(loop.config.services.filter((s) => s.critical).map((s) => s.name));
  return [
    ...message.services.filter((s) => critical.has(s.name) && !s.ready).map((s) => `${s.name}: ${s.error ?? 'not ready'}`),
    ...health.filter((h) => critical.has(h.service) && !h.ok).map((h) => `${h.service}: health ${h.status ?? h.error}`),
    ...[...critical].filter((name) => !message.services.some((s) => s.name === name)).map((name) => `${name}: not deployed`),
  ];
}

/** No point in running the suite against a deployment that is not there: go straight to analysis. */
function skipTests(opening: Opening, loop: LoopDoc, notReady: string[], now: Date): TxPlan<RunTestsPlan> {
  const { n, at } = opening;
  const finished: TestsFinished = {
    loopId: loop.loopId,
    cycle: n,
    jobId: `${loop.loopId}-c${n}-skipped`,
    exitCode: null,
    crashed: false,
    totals: { tests: 0, passed: 0, failed: 0, errors: 0, skipped: 0, flaky: 0, durationMs: 0 },
    rejected: [],
    resultChunks: 0,
    startedAt: at,
    finishedAt: at,
  };
  const skippedReason = `critical service not ready: ${notReady.join('; ')}`;
  pushEvent(opening, loop, `analyzing-${n}`, { type: 'phase-changed', cycle: n, phase: 'analyzing', detail: skippedReason });
  const outbox = Object.fromEntries([...opening.events, outboxMessage(`tests-finished-${n}`, 'tests-finished', finished, at)]);
  const data: Partial<CycleDoc> = {
    ...opening.base,
    phase: 'analyzing',
    testJob: { jobId: finished.jobId, skippedReason },
    totals: finished.totals,
    resultChunks: 0,
    deadline: addSeconds(now, loop.config.deadlines.analysisSeconds),
    phaseAt: { testing: at, analyzing: at },
    outbox,
  };
  return {
    writes: { loop: opening.loopPatch, cycles: [...opening.cycles, { n, data }] },
    result: { outcome: { kind: 'done', detail: `cycle ${n}: ${skippedReason}; tests not run` }, n, pending: Object.entries(outbox) },
  };
}

function startTests(opening: Opening, loop: LoopDoc, message: DeployFinished, now: Date): TxPlan<RunTestsPlan> {
  const { n, at } = opening;
  const jobId = `${loop.loopId}-c${n}`;
  pushEvent(opening, loop, `testing-${n}`, {
    type: 'phase-changed',
    cycle: n,
    phase: 'testing',
    detail: `${message.commit.slice(0, 8)} deployed (${message.services.map((s) => `${s.name}@${s.revision ?? '?'}`).join(', ')}); test job ${jobId} starting`,
  });
  const data: Partial<CycleDoc> = {
    ...opening.base,
    phase: 'testing',
    testJob: { jobId },
    deadline: addSeconds(now, loop.config.deadlines.testSeconds),
    phaseAt: { testing: at },
    outbox: Object.fromEntries(opening.events),
  };
  return {
    writes: { loop: opening.loopPatch, cycles: [...opening.cycles, { n, data }] },
    result: {
      outcome: { kind: 'done', detail: `cycle ${n} opened for ${message.commit.slice(0, 8)} (${opening.reason}); test job ${jobId} launched` },
      n,
      pending: opening.events,
      launch: { loopId: loop.loopId, cycle: n, jobId, serviceUrls: serviceUrls(message.services) },
    },
  };
}

/** Not this step's to record: a deployment out of order or for a loop that does not take it. */
function ignored(detail: string): TxPlan<RunTestsPlan & { claim: false }> {
  return { result: { outcome: { kind: 'ignored', detail }, pending: [], claim: false } };
}

function findCycleOfBuild(view: TxView, message: DeployFinished): CycleDoc | null {
  for (const c of [view.cycle, view.current]) {
    if (c && c.buildId === message.buildId && c.commit === message.commit) return c;
  }
  return null;
}

/** The launch request of a cycle's test job, from what the cycle recorded of its deployment. */
export function jobRequest(cycle: CycleDoc): TestJobRequest {
  return {
    loopId: cycle.loopId,
    cycle: cycle.n,
    jobId: cycle.testJob?.jobId ?? `${cycle.loopId}-c${cycle.n}`,
    serviceUrls: serviceUrls(cycle.services),
  };
}

function serviceUrls(services: DeployFinished['services']): Record<string, string> {
  return Object.fromEntries(services.filter((s) => s.url).map((s) => [s.name, s.url!]));
}

function describeTrigger(message: DeployFinished): string {
  switch (message.trigger) {
    case 'push':
      return `push of ${message.commit.slice(0, 8)} to ${message.branch}`;
    case 'fix':
      return `fix pushed: ${message.commit.slice(0, 8)}`;
    case 'retest':
      return 're-test of the current deployment, requested by hand';
    case 'redeploy':
      return `redeploy of ${message.commit.slice(0, 8)}`;
    case 'manual':
      return 'deployment requested by hand';
  }
}
