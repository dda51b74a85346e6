import type { AnalysisFinished, DeployRequested, LoopEvent } from '../messages.js';
import type { CycleDoc, HistoryEntry, LoopDoc, LoopStatus, OutboxEntry, Verdict } from '../../domain/model.js';
import type { TxPlan, TxView } from '../../ports/loop-store.js';
import { AnalysisFacts, decide, DEPLOY_FAILURE_SIGNATURE, type Decision } from '../../domain/decisions.js';
import { flushOutbox, outboxMessage, publishAbandoned } from '../../kernel/outbox.js';
import { renderCycleReport, renderLoopReport } from '../../report/markdown.js';
import { addSeconds } from '../run-tests/run-tests.js';
import type { StepDeps, StepOutcome } from '../../kernel/step-deps.js';
import { claim, dedupKey } from '../../kernel/dedup.js';

const STEP = 'report';

const STATUS_AFTER: Record<Verdict, LoopStatus> = {
  succeeded: 'succeeded',
  redeploy: 'running',
  'await-fix': 'awaiting-fix',
  failed: 'failed',
  blocked: 'blocked',
  cancelled: 'cancelled',
};

/** report, on analysis-finished: decides, writes the cycle report, and starts what comes next. */
export function createReport(deps: StepDeps) {
  return async function report(message: AnalysisFinished, messageId = 'unknown'): Promise<StepOutcome> {
    const { loopId, cycle: n } = message;
    const now = deps.clock.now();
    const key = dedupKey(STEP, loopId, n);
    const plan = await deps.store.transact<ReportPlan & { claimed: boolean }>({ loopId, cycle: n, dedupKey: key }, (view) => {
      if (view.dedup?.state === 'completed') {
        return { result: { outcome: { kind: 'duplicate', detail: `cycle ${n} was already reported` }, pending: [], ended: false, claimed: false } };
      }
      const { record } = claim(view.dedup, { key, step: STEP, messageId, loopId, cycle: n }, now);
      const planned = planReport(view, n, now);
      return { writes: { ...planned.writes, dedup: record }, result: { ...planned.result, claimed: true } };
    });
    if (!plan.claimed) return plan.outcome;
    try {
      await flushOutbox(deps, loopId, n, plan.pending);
      if (plan.outcome.kind === 'duplicate') await publishAbandoned(deps, loopId, n);
      if (plan.ended) await storeLoopReport(deps, loopId);
      await deps.store.completeDedup(key, plan.outcome.detail);
    } catch (error) {
      await deps.store.releaseDedup(key).catch(() => undefined);
      throw error;
    }
    deps.log.info(`report: ${plan.outcome.detail}`, { loopId, cycle: n });
    return plan.outcome;
  };
}

interface ReportPlan {
  outcome: StepOutcome;
  pending: Array<[string, OutboxEntry]>;
  ended: boolean;
}

/** The pure part of report: verdict, report, loop status and the messages they cause. */
export function planReport(view: TxView, n: number, now: Date): TxPlan<ReportPlan> {
  const { loop, cycle } = view;
  if (!loop || !cycle) return { result: { outcome: { kind: 'ignored', detail: `no cycle ${n}` }, pending: [], ended: false } };
  if (cycle.phase !== 'reporting') {
    return {
      result: {
        outcome: { kind: cycle.phase === 'done' ? 'duplicate' : 'ignored', detail: `cycle ${n} is ${cycle.phase}: nothing to report` },
        pending: [],
        ended: false,
      },
    };
  }
  const facts = analysisFacts(cycle);
  const decision = decide({ loop, cycle, analysis: facts, now });
  return applyDecision(loop, cycle, decision, facts, now);
}

/** Writes a decision: used by report and by the watchdog when a phase runs out of time. */
export function applyDecision(
  loop: LoopDoc,
  cycle: CycleDoc,
  decision: Decision,
  facts: AnalysisFacts,
  now: Date,
): TxPlan<ReportPlan> {
  const at = now.toISOString();
  const n = cycle.n;
  const entries: Array<[string, OutboxEntry]> = [];
  const event = (id: string, e: Omit<LoopEvent, 'loopId' | 'at'>) =>
    entries.push(outboxMessage(id, 'loop-events', { loopId: loop.loopId, at, ...e }, at));

  const deployFailed = cycle.testJob?.skippedReason?.startsWith('critical service') ?? false;
  const entry: HistoryEntry = {
    cycle: n,
    commit: cycle.commit ?? '',
    passRate: facts.passRate,
    tests: facts.tests,
    verdict: decision.verdict,
    failureSignatures: deployFailed ? [DEPLOY_FAILURE_SIGNATURE] : facts.signatures.slice(0, 20),
  };
  const history = [...loop.history.filter((h) => h.cycle !== n), entry].sort((a, b) => a.cycle - b.cycle);
  const status = STATUS_AFTER[decision.verdict];
  const ended = status !== 'running' && status !== 'awaiting-fix';
  const loopPatch: Partial<LoopDoc> = {
    status,
    statusReason: `cycle ${n}: ${decision.verdict}: ${decision.reason}`,
    history,
    updatedAt: at,
    ...(ended ? { endedAt: at } : {}),
  };
  const doneCycle: CycleDoc = {
    ...cycle,
    phase: 'done',
    verdict: decision.verdict,
    verdictReason: decision.reason,
    nextAction: decision.nextAction,
  };
  const reportMd = renderCycleReport({ ...loop, history }, doneCycle);
  const cycles: Array<{ n: number; data: Partial<CycleDoc> }> = [];

  event(`verdict-${n}`, {
    type: 'verdict',
    cycle: n,
    verdict: decision.verdict,
    detail: decision.reason,
    facts: { passRate: facts.passRate, tests: facts.tests, failing: facts.failing, nextAction: decision.nextAction },
  });
  if (decision.verdict === 'redeploy') {
    const next = n + 1;
    const notBefore = addSeconds(now, decision.backoffSeconds ?? 0);
    const request: DeployRequested = {
      loopId: loop.loopId,
      cycle: next,
      trigger: 'redeploy',
      branch: cycle.branch ?? loop.config.branch,
      commit: cycle.commit,
      reason: `redeploy after cycle ${n}: ${decision.reason}`.slice(0, 500),
      requestedAt: at,
      notBefore,
    };
    entries.push(outboxMessage(`deploy-requested-${next}`, 'deploy-requested', request, at));
    event(`deploying-${next}`, { type: 'phase-changed', cycle: next, phase: 'deploying', detail: request.reason });
    loopPatch.currentCycle = next;
    loopPatch.redeploys = loop.redeploys + 1;
    cycles.push({
      n: next,
      data: {
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
    });
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
  cycles.unshift({
    n,
    data: {
      phase: 'done',
      verdict: decision.verdict,
      verdictReason: decision.reason,
      nextAction: decision.nextAction,
      report: reportMd,
      deadline: null,
      phaseAt: { done: at },
      overheadMs: overheadMs(cycle, now),
      outbox: Object.fromEntries(entries),
    },
  });
  return {
    writes: { loop: loopPatch, cycles },
    result: {
      outcome: { kind: 'done', detail: `cycle ${n}: ${decision.verdict}: ${decision.reason}` },
      pending: entries,
      ended,
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
