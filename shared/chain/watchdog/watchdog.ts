import type { TxPlan, TxView } from '../../ports/loop-store.js';
import { ACTIVE_PHASES, type CycleDoc, type OutboxEntry, type Phase } from '../../domain/model.js';
import type { Decision } from '../../domain/decisions.js';
import { abandoned, publishAbandoned, unpublished } from '../lifecycle/outbox.js';
import { analysisFacts, applyDecision, storeLoopReport } from '../lifecycle/close-cycle.js';
import { commitThenPublish, type ToPublish } from '../lifecycle/run-step.js';
import { addSeconds } from '../../kernel/time.js';
import { IN_PROGRESS_TTL_MS, type StepOutcome, type WatchdogDeps } from '../lifecycle/step-deps.js';
import type { TestJobRequest } from '../../ports/services.js';
import { planReport } from '../decide/decide.js';
import { jobRequest, launchDedupKey } from '../run-tests/run-tests.js';

/** How far back the sweep looks for ended cycles (the cloud's tick runs every minute). */
const SWEEP_WINDOW_MS = 15 * 60_000;

interface WatchdogPlan extends ToPublish {
  closed?: string;
  /** The verdict ended the loop: its report is stored too. */
  ended?: boolean;
  /** The phase got a second chance: the message that starts it was sent again. */
  resent?: string;
  /** The silent test job to launch (idempotent per job id: an execution already started is found, not doubled). */
  launch?: TestJobRequest;
  /** The launch's dedup record this tick claimed (it was expired or missing), to complete once launched. */
  launchKey?: string;
}

/**
 * watchdog, on each tick: a phase past its deadline is closed with an explicit verdict, so no
 * loop hangs in silence. A cycle whose next message was written but never published is
 * nudged instead: its outbox is published again and it gets one more phase's time.
 */
export function createWatchdog(deps: WatchdogDeps) {
  return async function watchdog(): Promise<StepOutcome> {
    const now = deps.clock.now();
    const active = await deps.store.activeCycles();
    const overdue = active.filter((c) => Date.parse(c.deadline!) < now.getTime());
    const closed: string[] = [];
    const resent: string[] = [];
    for (const ref of overdue) {
      // Each cycle judged at its own time: on a busy emulator one transaction can take seconds,
      // and a deadline extended from the tick's start could already be past when written.
      const at = deps.clock.now();
      const plan = await commitThenPublish(
        deps,
        // A testing cycle's launch record says when the delivery that launched its job began.
        { loopId: ref.loopId, cycle: ref.n, dedupKey: ref.phase === 'testing' ? launchDedupKey(ref) : undefined },
        (view) => planTimeout(view, ref.n, at),
        {
          beforePublish: (p) => launchSilentJob(deps, p),
          afterPublish: async (p) => (p.ended ? storeLoopReport(deps, ref.loopId) : undefined),
        },
      );
      if (plan.closed) closed.push(`${ref.loopId}/${ref.n}: ${plan.closed}`);
      if (plan.resent) resent.push(`${ref.loopId}/${ref.n}: ${plan.resent}`);
    }
    // A step that died between its transaction and its publishes (killed, or Firestore went
    // away before it heard that its commit landed), with no redelivery to finish them, left
    // messages in the outbox: publish what has waited too long, whether the cycle is still
    // running (its next step waits for them) or has ended recently.
    const since = new Date(now.getTime() - SWEEP_WINDOW_MS).toISOString();
    const stillActive = active.filter((c) => !overdue.includes(c));
    let swept = 0;
    for (const c of [...stillActive, ...(await deps.store.cyclesDoneSince(since))]) {
      if (abandoned(c.outbox, now).length > 0) swept += await publishAbandoned(deps, c.loopId, c.n);
    }
    if (swept) deps.log.warn(`watchdog: published ${swept} messages left in an outbox`);
    const detail = [
      closed.length ? `closed ${closed.join('; ')}` : `${overdue.length} overdue, none closed`,
      ...(resent.length ? [`resent: ${resent.join('; ')}`] : []),
      ...(swept ? [`${swept} stale messages published`] : []),
    ].join('; ');
    if (closed.length || resent.length) deps.log.warn(`watchdog: ${detail}`);
    return { kind: 'done', detail };
  };
}

/**
 * The second chance of a silent test job: launched now, unless an execution of its job id
 * already runs (the launcher finds it and starts nothing). The delivery that opened the cycle
 * may have died before launching, and its redelivery may wait out Pub/Sub's backoff and the
 * emulator's lock timeouts for longer than the phase's deadline. A launch that fails is logged;
 * the window stands, and a job still silent at its end blocks the loop.
 */
async function launchSilentJob(deps: WatchdogDeps, plan: WatchdogPlan): Promise<void> {
  if (!plan.launch) return;
  const { loopId, cycle, jobId } = plan.launch;
  try {
    const { executionId } = await deps.launcher.launch(plan.launch);
    if (plan.launchKey) await deps.store.completeDedup(plan.launchKey, `test job ${jobId} launched by the watchdog as ${executionId}`);
    deps.log.warn(`watchdog: test job ${jobId} was silent at its deadline: it runs as ${executionId}`, { loopId, cycle });
  } catch (error) {
    if (plan.launchKey) await deps.store.releaseDedup(plan.launchKey).catch(() => undefined);
    deps.log.error(`watchdog: test job ${jobId} was silent at its deadline and could not be launched: ${(error as Error).message}`, { loopId, cycle });
  }
}

const TIMEOUT_REASON: Partial<Record<Phase, (seconds: number, jobId: string, secondChance: boolean) => string>> = {
  deploying: (s) => `the deployment did not finish within ${s} s`,
  testing: (s, job, again) =>
    again ? `test job ${job} never reported within ${s} s, nor in the ${s} s more the watchdog gave it after making sure it was launched` : `test job ${job} never reported within ${s} s`,
  analyzing: (s) => `the analysis did not finish within ${s} s`,
};

export function planTimeout(view: TxView, n: number, now: Date): TxPlan<WatchdogPlan> {
  const { loop, cycle } = view;
  if (!loop || !cycle || !cycle.deadline || Date.parse(cycle.deadline) > now.getTime()) return { result: { pending: [] } };
  if (!ACTIVE_PHASES.includes(cycle.phase)) return { result: { pending: [] } };
  const pending = unpublished(cycle);
  const budget = loop.config.deadlines;
  const seconds =
    cycle.phase === 'deploying' ? budget.deploySeconds : cycle.phase === 'testing' ? budget.testSeconds : budget.analysisSeconds;
  if (pending.length > 0) {
    return {
      writes: { cycles: [{ n, data: { deadline: addSeconds(now, seconds) } }] },
      // The phase had messages not yet published: it gets more time, and abandoned ones go out.
      result: { n, pending: [], sweep: true },
    };
  }
  if (cycle.phase === 'reporting') {
    // The analysis is stored; deciding needs nothing else. The watchdog writes the verdict the
    // report step would have, rather than blocking a loop whose report function kept dying.
    const report = planReport(view, n, now);
    return {
      writes: report.writes,
      result: { n, pending: report.result.pending, closed: `report written by the watchdog: ${report.result.outcome.detail}`, ended: report.result.ended },
    };
  }
  if (cycle.phase === 'analyzing') {
    // The analysis has all it needs stored. Its tests-finished may be waiting out Pub/Sub's
    // backoff after the analyze function kept crashing, or dead-lettered: send that fact once
    // more, with one more phase's time, before blocking the loop over it.
    const id = `tests-finished-${n}`;
    const sent = cycle.outbox[id];
    if (sent && !sent.resentAt) {
      const at = now.toISOString();
      const entry: OutboxEntry = { ...sent, publishedAt: null, claimedAt: at, resentAt: at };
      return {
        writes: { cycles: [{ n, data: { deadline: addSeconds(now, seconds), outbox: { [id]: entry } } }] },
        result: { n, pending: [[id, entry]], resent: `the analysis was overdue: tests-finished sent once more, with ${seconds} s more` },
      };
    }
  }
  if (cycle.phase === 'testing') {
    const due = testingDue(view, seconds);
    if (due && due > now.getTime()) {
      const deadline = new Date(due).toISOString();
      return {
        writes: { cycles: [{ n, data: { deadline } }] },
        result: { n, pending: [], resent: `the test job's launch began late (a redelivery took over or is under way): its ${seconds} s run to ${deadline}` },
      };
    }
    if (!cycle.testJob?.secondChanceAt) return secondChance(view, cycle, seconds, now);
  }
  const reasonOf = TIMEOUT_REASON[cycle.phase];
  if (!reasonOf) return { result: { pending: [] } };
  const decision: Decision = {
    verdict: 'blocked',
    reason: reasonOf(seconds, cycle.testJob?.jobId ?? 'none', Boolean(cycle.testJob?.secondChanceAt)),
    nextAction: 'a person checks the step that stopped (its logs), then re-runs with `tdl rerun`',
  };
  const plan = applyDecision(loop, cycle, decision, analysisFacts(cycle), now);
  return { writes: plan.writes, result: { n, pending: plan.result.pending, closed: `${cycle.phase} timed out: ${decision.reason}` } };
}

/**
 * A test job silent at its deadline, with no delivery launching it: the watchdog launches it
 * itself (after this commit) and gives it one more phase's time, once. When no delivery has
 * completed the launch, this tick claims its record, so that a redelivery arriving meanwhile
 * waits rather than asking for a second execution at the same instant; once launched, the
 * record is completed and redeliveries are answered from it alone.
 */
function secondChance(view: TxView, cycle: CycleDoc, seconds: number, now: Date): TxPlan<WatchdogPlan> {
  const at = now.toISOString();
  const launch = jobRequest(cycle);
  const deadline = addSeconds(now, seconds);
  const testJob = { ...(cycle.testJob ?? { jobId: launch.jobId }), secondChanceAt: at };
  const record = view.dedup;
  const claim =
    record && record.state !== 'completed'
      ? { ...record, messageId: 'watchdog', cycle: cycle.n, state: 'in-progress' as const, at, expiresAt: new Date(now.getTime() + IN_PROGRESS_TTL_MS).toISOString() }
      : undefined;
  return {
    writes: { cycles: [{ n: cycle.n, data: { deadline, testJob } }], ...(claim ? { dedup: claim } : {}) },
    result: {
      n: cycle.n,
      pending: [],
      launch,
      launchKey: claim?.key,
      resent: `test job ${launch.jobId} had not reported by its deadline: the watchdog launches it (or finds it running) and gives it ${seconds} s more, to ${deadline}`,
    },
  };
}

/**
 * When a testing phase is due, measured from the launch rather than from the cycle's opening:
 * the job is launched by the delivery of deploy-finished that completes, which, when the first
 * one died after opening the cycle (killed, or slow on a busy machine), is a redelivery that
 * took over later. Its record's `at` is when that delivery began; a record still in progress
 * may yet be taken over once it expires. Undefined without the record: the deadline stands.
 */
function testingDue(view: TxView, seconds: number): number | undefined {
  const record = view.dedup;
  if (!record || record.cycle !== view.cycle?.n) return undefined;
  const began = Date.parse(record.state === 'completed' ? record.at : record.expiresAt);
  return Number.isNaN(began) ? undefined : began + seconds * 1000;
}
