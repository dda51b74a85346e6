import type { DeployRequested, LoopEvent } from '../messages.js';
import type { CycleDoc, HistoryEntry, LoopDoc, LoopStatus, OutboxEntry, Verdict } from '../../domain/model.js';
import type { TxPlan } from '../../ports/loop-store.js';
import { AnalysisFacts, DEPLOY_FAILURE_SIGNATURE, type Decision } from '../../domain/decisions.js';
import { renderCycleReport, renderLoopReport } from '../../report/markdown.js';
import { outboxMessage } from './outbox.js';
import type { StepPlan } from './run-step.js';
import type { StepDeps } from './step-deps.js';
import { addSeconds } from '../../kernel/time.js';

const STATUS_AFTER: Record<Verdict, LoopStatus> = {
  succeeded: 'succeeded',
  redeploy: 'running',
  'await-fix': 'awaiting-fix',
  failed: 'failed',
  blocked: 'blocked',
  cancelled: 'cancelled',
};

/** A cycle closed with a verdict: the messages it causes, and whether it ended the loop. */
export interface ClosePlan extends StepPlan {
  ended: boolean;
}

/**
 * Closes a cycle with a decision: the verdict, the cycle report, the loop's status and history,
 * and what comes next (a redeploy, a fix request, the loop's end). Used by decide, by the
 * watchdog when a phase runs out of time, and by control when a person cancels. Pure.
 */
export function applyDecision(
  loop: LoopDoc,
  cycle: CycleDoc,
  decision: Decision,
  facts: AnalysisFacts,
  now: Date,
): TxPlan<ClosePlan> {
  const at = now.toISOString();
  const n = cycle.n;
  const entries: Array<[string, OutboxEntry]> = [];
  const event = (id: string, e: Omit<LoopEvent, 'loopId' | 'at'>) =>
    entries.push(outboxMessage(id, 'loop-events', { loopId: loop.loopId, at, ...e }, at));

  const history = historyAfter(loop, cycle, decision, facts);
  const status = STATUS_AFTER[decision.verdict];
  const ended = status !== 'running' && status !== 'awaiting-fix';
  const loopPatch: Partial<LoopDoc> = {
    status,
    statusReason: `cycle ${n}: ${decision.verdict}: ${decision.reason}`,
    history,
    updatedAt: at,
    ...(ended ? { endedAt: at } : {}),
  };
  const cycles: Array<{ n: number; data: Partial<CycleDoc> }> = [];

  event(`verdict-${n}`, {
    type: 'verdict',
    cycle: n,
    verdict: decision.verdict,
    detail: decision.reason,
    facts: { passRate: facts.passRate, tests: facts.tests, failing: facts.failing, nextAction: decision.nextAction },
  });
  if (decision.verdict === 'redeploy') {
    const next = redeployment(loop, cycle, decision, now);
    entries.push(outboxMessage(`deploy-requested-${next.n}`, 'deploy-requested', next.request, at));
    event(`deploying-${next.n}`, { type: 'phase-changed', cycle: next.n, phase: 'deploying', detail: next.request.reason });
    loopPatch.currentCycle = next.n;
    loopPatch.redeploys = loop.redeploys + 1;
    cycles.push({ n: next.n, data: next.cycle });
  }
  if (decision.verdict === 'await-fix') {
    event(`fix-requested-${n}`, {
      type: 'fix-requested',
      cycle: n,
      detail: decision.reason,
      facts: { commit: cycle.commit ?? null, branch: cycle.branch ?? loop.config.branch },
    });
  }
  if (ended) {
    event(`loop-ended-${n}`, {
      type: 'loop-ended',
      cycle: n,
      status,
      verdict: decision.verdict,
      detail: decision.reason,
      facts: { cycles: n - loop.runStartCycle + 1, passRate: facts.passRate },
    });
  }
  cycles.unshift({ n, data: { ...closedCycle(loop, history, cycle, decision, now), outbox: Object.fromEntries(entries) } });
  return {
    writes: { loop: loopPatch, cycles },
    result: { outcome: { kind: 'done', detail: `cycle ${n}: ${decision.verdict}: ${decision.reason}` }, n, pending: entries, ended },
  };
}

/** The loop's pass-rate history with this cycle's entry (replacing an earlier one for it). */
function historyAfter(loop: LoopDoc, cycle: CycleDoc, decision: Decision, facts: AnalysisFacts): HistoryEntry[] {
  const deployFailed = cycle.testJob?.skippedReason?.startsWith('critical service') ?? false;
  const entry: HistoryEntry = {
    cycle: cycle.n,
    commit: cycle.commit ?? '',
    passRate: facts.passRate,
    tests: facts.tests,
    verdict: decision.verdict,
    failureSignatures: deployFailed ? [DEPLOY_FAILURE_SIGNATURE] : facts.signatures.slice(0, 20),
  };
  return [...loop.history.filter((h) => h.cycle !== cycle.n), entry].sort((a, b) => a.cycle - b.cycle);
}

/** What the cycle's document becomes: done, with its verdict and its report. */
function closedCycle(loop: LoopDoc, history: HistoryEntry[], cycle: CycleDoc, decision: Decision, now: Date): Partial<CycleDoc> {
  const doneCycle: CycleDoc = { ...cycle, phase: 'done', verdict: decision.verdict, verdictReason: decision.reason, nextAction: decision.nextAction };
  return {
    phase: 'done',
    verdict: decision.verdict,
    verdictReason: decision.reason,
    nextAction: decision.nextAction,
    report: renderCycleReport({ ...loop, history }, doneCycle),
    deadline: null,
    phaseAt: { done: now.toISOString() },
    overheadMs: overheadMs(cycle, now),
  };
}

/** A redeploy verdict: the next cycle, waiting for its deployment, and the request that starts it. */
function redeployment(loop: LoopDoc, cycle: CycleDoc, decision: Decision, now: Date): { n: number; request: DeployRequested; cycle: Partial<CycleDoc> } {
  const at = now.toISOString();
  const next = cycle.n + 1;
  const request: DeployRequested = {
    loopId: loop.loopId,
    cycle: next,
    trigger: 'redeploy',
    branch: cycle.branch ?? loop.config.branch,
    commit: cycle.commit,
    reason: `redeploy after cycle ${cycle.n}: ${decision.reason}`.slice(0, 500),
    requestedAt: at,
    notBefore: addSeconds(now, decision.backoffSeconds ?? 0),
  };
  return {
    n: next,
    request,
    cycle: {
      loopId: loop.loopId,
      n: next,
      phase: 'deploying',
      trigger: 'redeploy',
      reason: request.reason,
      branch: request.branch,
      commit: request.commit,
      deployRequestedAt: at,
      deadline: addSeconds(now, (decision.backoffSeconds ?? 0) + loop.config.deadlines.deploySeconds),
      phaseAt: { deploying: at },
      outbox: {},
    },
  };
}

/** The facts stored by analyze; a cycle closed before analysis has none and counts as no tests. */
export function analysisFacts(cycle: CycleDoc): AnalysisFacts {
  const stored = AnalysisFacts.safeParse(cycle.analysis?.facts);
  if (stored.success) return stored.data;
  return { passRate: null, tests: 0, failing: 0, criteriaMet: false, unmet: ['no analysis'], categories: {}, signatures: [] };
}

/**
 * Time the pipeline itself spent on the cycle: from the deployment's end to the verdict,
 * minus the time the suite command ran.
 */
function overheadMs(cycle: CycleDoc, now: Date): number | undefined {
  if (!cycle.deployFinishedAt) return undefined;
  const total = now.getTime() - Date.parse(cycle.deployFinishedAt);
  const job = cycle.testJob;
  const suite =
    job?.commandStartedAt && job.commandFinishedAt ? Date.parse(job.commandFinishedAt) - Date.parse(job.commandStartedAt) : 0;
  return Math.max(0, total - suite);
}

/** Renders and stores the loop report (after the verdict that ended the loop). */
export async function storeLoopReport(deps: StepDeps, loopId: string): Promise<void> {
  const loop = await deps.store.getLoop(loopId);
  if (!loop) return;
  const cycles = await deps.store.listCycles(loopId);
  await deps.store.transact({ loopId }, () => ({
    writes: { loop: { report: renderLoopReport(loop, cycles) } },
    result: undefined,
  }));
}
