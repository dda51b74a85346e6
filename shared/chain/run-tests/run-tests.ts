import type { DeployFinished, LoopEvent, TestsFinished } from '../messages.js';
import type { HealthProbeResult, TestJobRequest } from '../../ports/services.js';
import type { TxPlan, TxView } from '../../ports/loop-store.js';
import { InvalidInputError } from '../../kernel/errors.js';
import { hostAllowed } from '../../config/loop-config.js';
import { redact } from '../../security/redact.js';
import { summarizeSamples, type PerformanceMeasurement } from '../../analysis/performance.js';
import { isActive, isLoopEnded, type CycleDoc, type LoopDoc, type OutboxEntry } from '../../domain/model.js';
import { flushOutbox, outboxMessage, publishAbandoned } from '../../kernel/outbox.js';
import type { RunTestsDeps, StepOutcome } from '../../kernel/step-deps.js';
import { claim, dedupKey } from '../../kernel/dedup.js';

const STEP = 'run-tests';

interface RunTestsPlan {
  outcome: StepOutcome;
  n?: number;
  pending: Array<[string, OutboxEntry]>;
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
    const key = dedupKey(STEP, message.loopId, message.buildId, message.commit);
    const now = deps.clock.now();
    const plan = await deps.store.transact({ loopId: message.loopId, cycle: message.cycle, dedupKey: key }, (view) =>
      planDeployFinished(view, message, { messageId, dedupKey: key, now, health, performance }),
    );
    if (plan.outcome.kind === 'ignored' || plan.n === undefined) {
      deps.log.info(`${STEP}: ${plan.outcome.detail}`, { loopId: message.loopId, messageId });
      return plan.outcome;
    }
    try {
      if (plan.launch) {
        // No transaction after the launch: the job stores its results on the same document at
        // once, and two transactions on one document contend badly. The dedup record says
        // whether this delivery finished; a delivery that takes over launches again, and only
        // the first job to report is recorded.
        const { executionId } = await deps.launcher.launch(plan.launch);
        deps.log.info(`${STEP}: launched ${plan.launch.jobId} as ${executionId}`, { loopId: message.loopId, cycle: plan.n });
      }
      await flushOutbox(deps, message.loopId, plan.n, plan.pending);
      if (plan.outcome.kind === 'duplicate') await publishAbandoned(deps, message.loopId, plan.n);
      await deps.store.completeDedup(key, plan.outcome.detail);
    } catch (error) {
      // Let the redelivery run the side effects again.
      await deps.store.releaseDedup(key).catch(() => undefined);
      throw error;
    }
    deps.log.info(`${STEP}: ${plan.outcome.detail}`, { loopId: message.loopId, cycle: plan.n, messageId });
    return plan.outcome;
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
  dedupKey: string;
  now: Date;
  health: HealthProbeResult[];
  performance?: PerformanceMeasurement[];
}

/** The pure part of run-tests: what the deploy-finished message changes, given the stored state. */
export function planDeployFinished(view: TxView, message: DeployFinished, ctx: PlanContext): TxPlan<RunTestsPlan> {
  const at = ctx.now.toISOString();
  const { loop, current } = view;
  if (!loop) throw new InvalidInputError(`deploy-finished: unknown loop id "${message.loopId}"`);

  if (view.dedup?.state === 'completed') {
    return ignoredAs('duplicate', `deployment ${message.buildId} was already handled (${view.dedup.outcome ?? 'completed'})`);
  }
  const { record: inProgress } = claim(
    view.dedup,
    { key: ctx.dedupKey, step: STEP, messageId: ctx.messageId, loopId: message.loopId },
    ctx.now,
  );

  // The same build again, after a delivery that died or failed halfway: finish its work.
  const sameBuild = findCycleOfBuild(view, message);
  if (sameBuild) {
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
        launch: resumable ? jobRequest(sameBuild) : undefined,
      },
    };
  }

  if (message.cycle !== undefined) {
    if (message.cycle < loop.currentCycle) {
      return ignored(`deployment for cycle ${message.cycle} arrived after cycle ${loop.currentCycle} began: superseded, ignored`);
    }
    if (message.cycle > loop.currentCycle || !current || current.phase !== 'deploying') {
      return ignored(
        `deployment for cycle ${message.cycle} does not match the loop (current cycle ${loop.currentCycle}, ${current?.phase ?? 'none'}): ignored`,
      );
    }
  } else if (loop.status === 'cancelled' && message.trigger === 'push') {
    return ignored(`loop ${loop.loopId} is cancelled: push of ${message.commit} ignored (re-run it with tdl rerun)`);
  }

  const n = message.cycle ?? loop.currentCycle + 1;
  const cycles: Array<{ n: number; data: Partial<CycleDoc> }> = [];
  const events: Array<[string, OutboxEntry]> = [];
  const event = (id: string, e: Omit<LoopEvent, 'loopId' | 'at'>) =>
    events.push(outboxMessage(id, 'loop-events', { loopId: loop.loopId, at, ...e }, at));

  let loopPatch: Partial<LoopDoc> = { currentCycle: n, status: 'running', statusReason: `cycle ${n} testing`, updatedAt: at };
  let reason = message.reason ?? describeTrigger(message);
  if (message.cycle === undefined && current && isActive(current.phase)) {
    cycles.push({ n: current.n, data: { phase: 'superseded', supersededBy: n, deadline: null, phaseAt: { superseded: at } } });
    event(`superseded-${current.n}`, {
      type: 'phase-changed',
      cycle: current.n,
      phase: 'superseded',
      detail: `superseded by ${message.trigger} of ${message.commit.slice(0, 8)} (cycle ${n})`,
    });
  }
  if (message.cycle === undefined && isLoopEnded(loop.status)) {
    reason = `re-run of a loop that had ended ${loop.status}: ${reason}`;
    loopPatch = { ...loopPatch, runStartCycle: n, runStartedAt: at, redeploys: 0, endedAt: undefined };
  }

  const critical = new Set(loop.config.services.filter((s) => s.critical).map((s) => s.name));
  const notReady = [
    ...message.services.filter((s) => critical.has(s.name) && !s.ready).map((s) => `${s.name}: ${s.error ?? 'not ready'}`),
    ...ctx.health.filter((h) => critical.has(h.service) && !h.ok).map((h) => `${h.service}: health ${h.status ?? h.error}`),
    ...[...critical].filter((name) => !message.services.some((s) => s.name === name)).map((name) => `${name}: not deployed`),
  ];
  const jobId = `${loop.loopId}-c${n}`;
  const base: Partial<CycleDoc> = {
    loopId: loop.loopId,
    n,
    trigger: message.trigger,
    reason,
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

  if (notReady.length > 0) {
    // No point in running the suite against a deployment that is not there: go straight to analysis.
    const finished: TestsFinished = {
      loopId: loop.loopId,
      cycle: n,
      jobId: `${jobId}-skipped`,
      exitCode: null,
      crashed: false,
      totals: { tests: 0, passed: 0, failed: 0, errors: 0, skipped: 0, flaky: 0, durationMs: 0 },
      rejected: [],
      resultChunks: 0,
      startedAt: at,
      finishedAt: at,
    };
    const skippedReason = `critical service not ready: ${notReady.join('; ')}`;
    event(`analyzing-${n}`, { type: 'phase-changed', cycle: n, phase: 'analyzing', detail: skippedReason });
    const outbox = Object.fromEntries([...events, outboxMessage(`tests-finished-${n}`, 'tests-finished', finished, at)]);
    cycles.push({
      n,
      data: {
        ...base,
        phase: 'analyzing',
        testJob: { jobId: finished.jobId, skippedReason },
        totals: finished.totals,
        resultChunks: 0,
        deadline: addSeconds(ctx.now, loop.config.deadlines.analysisSeconds),
        phaseAt: { testing: at, analyzing: at },
        outbox,
      },
    });
    return {
      writes: { loop: loopPatch, cycles, dedup: { ...inProgress, cycle: n } },
      result: { outcome: { kind: 'done', detail: `cycle ${n}: ${skippedReason}; tests not run` }, n, pending: Object.entries(outbox) },
    };
  }

  event(`testing-${n}`, {
    type: 'phase-changed',
    cycle: n,
    phase: 'testing',
    detail: `${message.commit.slice(0, 8)} deployed (${message.services.map((s) => `${s.name}@${s.revision ?? '?'}`).join(', ')}); test job ${jobId} starting`,
  });
  const cycle: Partial<CycleDoc> = {
    ...base,
    phase: 'testing',
    testJob: { jobId },
    deadline: addSeconds(ctx.now, loop.config.deadlines.testSeconds),
    phaseAt: { testing: at },
    outbox: Object.fromEntries(events),
  };
  cycles.push({ n, data: cycle });
  return {
    writes: { loop: loopPatch, cycles, dedup: { ...inProgress, cycle: n } },
    result: {
      outcome: { kind: 'done', detail: `cycle ${n} opened for ${message.commit.slice(0, 8)} (${reason}); test job ${jobId} launched` },
      n,
      pending: events,
      launch: { loopId: loop.loopId, cycle: n, jobId, serviceUrls: serviceUrls(message.services) },
    },
  };
}

function ignored(detail: string): TxPlan<RunTestsPlan> {
  return ignoredAs('ignored', detail);
}

function ignoredAs(kind: 'ignored' | 'duplicate', detail: string): TxPlan<RunTestsPlan> {
  return { result: { outcome: { kind, detail }, pending: [] } };
}

function findCycleOfBuild(view: TxView, message: DeployFinished): CycleDoc | null {
  for (const c of [view.cycle, view.current]) {
    if (c && c.buildId === message.buildId && c.commit === message.commit) return c;
  }
  return null;
}

function jobRequest(cycle: CycleDoc): TestJobRequest {
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

export function addSeconds(now: Date, seconds: number): string {
  return new Date(now.getTime() + seconds * 1000).toISOString();
}
