import { z } from 'zod';
import type { CycleDoc, HistoryEntry, LoopDoc, Verdict } from './model.js';

/** What the decision needs to know of a cycle's analysis; stored as `analysis.facts`. */
export const AnalysisFacts = z.object({
  passRate: z.number().nullable(),
  tests: z.number().int().nonnegative(),
  failing: z.number().int().nonnegative(),
  criteriaMet: z.boolean(),
  /** Human reasons for each unmet criterion. */
  unmet: z.array(z.string()),
  /** Failing tests per failure category. */
  categories: z.record(z.string(), z.number()),
  /** Failure cluster signatures, most frequent first. */
  signatures: z.array(z.string()),
});
export type AnalysisFacts = z.infer<typeof AnalysisFacts>;

export interface Decision {
  verdict: Verdict;
  reason: string;
  /** What a person (or the loop) does next, in one sentence. */
  nextAction: string;
  /** For `redeploy`: wait this long before deploying again. */
  backoffSeconds?: number;
}

/** Categories a redeploy of the same commit can cure. */
export const REDEPLOY_CURABLE = new Set(['deployment', 'network', 'timeout']);

export interface DecisionInput {
  loop: LoopDoc;
  cycle: CycleDoc;
  analysis: AnalysisFacts;
  now: Date;
}

/**
 * Decides what follows a cycle. Order matters: success first, then what only a person can
 * unblock, then the guards that stop a loop that does not converge, then what the failures need.
 */
export function decide(input: DecisionInput): Decision {
  const { loop, cycle, analysis } = input;
  if (analysis.criteriaMet) {
    return {
      verdict: 'succeeded',
      reason: `every criterion met: ${analysis.tests} tests, pass rate ${percent(analysis.passRate)}`,
      nextAction: 'nothing: the branch is green on staging',
    };
  }
  const deployFailure = criticalDeployFailure(loop, cycle);
  const unreadable = cycle.totals?.tests === 0 && (cycle.rejected.length > 0 || cycle.testJob?.crashed === true);
  return (
    needsPerson(input, deployFailure, unreadable) ??
    guardStop(input) ??
    cureByRedeploy(input, deployFailure, unreadable) ?? {
      verdict: 'await-fix',
      reason: analysis.failing > 0 ? `failures need a code change (${kinds(analysis)})` : `criteria not met: ${analysis.unmet.join('; ')}`,
      nextAction: 'push a fix to the branch (locally: the fix command runs); the next deploy is the next cycle',
    }
  );
}

/** What only a person can unblock: a deployment or the results failing the same way twice. */
function needsPerson({ loop, cycle }: DecisionInput, deployFailure: string | null, unreadable: boolean): Decision | null {
  const previous = lastEntryBefore(loop.history, cycle.n);
  if (deployFailure && previous && previous.verdict === 'redeploy' && previousWasDeployFailure(previous)) {
    return {
      verdict: 'blocked',
      reason: `critical service failed to deploy twice in a row: ${deployFailure}`,
      nextAction: 'a person looks at the service deployment (logs of the failed revision)',
    };
  }
  if (unreadable && previous && previous.tests === 0 && previous.verdict === 'redeploy' && !deployFailure) {
    return {
      verdict: 'blocked',
      reason: 'the test results were unreadable twice in a row',
      nextAction: 'a person checks that the suite writes its result files where tests.results points',
    };
  }
  return null;
}

/** The guards that stop a loop that does not converge: cycles, time, the same failure again. */
function guardStop({ loop, cycle, analysis, now }: DecisionInput): Decision | null {
  const guards = loop.config.guards;
  const cyclesUsed = cycle.n - loop.runStartCycle + 1;
  if (cyclesUsed >= guards.maxCycles) {
    return {
      verdict: 'failed',
      reason: `max cycles reached: ${cyclesUsed} of ${guards.maxCycles} used without meeting the criteria`,
      nextAction: 'a person reads the loop report; re-run with `tdl rerun` after a fix',
    };
  }
  const elapsedMin = (now.getTime() - Date.parse(loop.runStartedAt)) / 60_000;
  if (elapsedMin > guards.maxDurationMinutes) {
    return {
      verdict: 'failed',
      reason: `time budget spent: ${Math.round(elapsedMin)} min of ${guards.maxDurationMinutes}`,
      nextAction: 'a person reads the loop report',
    };
  }
  const repeated = repeatedSignature(loop.history, cycle, analysis, guards.sameFailureCycles);
  if (repeated) {
    return {
      verdict: 'failed',
      reason: `the same failure persisted ${guards.sameFailureCycles} cycles in a row although the commit changed: ${repeated}`,
      nextAction: 'a person looks at the failure: the fixes pushed did not touch its cause',
    };
  }
  return null;
}

/** Failures a redeploy can cure, within the redeploy budget, with a growing backoff. */
function cureByRedeploy({ loop, cycle, analysis }: DecisionInput, deployFailure: string | null, unreadable: boolean): Decision | null {
  if (!(deployFailure !== null || unreadable || onlyCurable(analysis.categories))) return null;
  const guards = loop.config.guards;
  if (loop.redeploys >= guards.maxRedeploys) {
    return {
      verdict: 'failed',
      reason: `redeploy budget spent: ${loop.redeploys} of ${guards.maxRedeploys} redeploys used`,
      nextAction: 'a person looks at why the deployment does not become healthy',
    };
  }
  const backoffSeconds = Math.min(300, 2 ** loop.redeploys * 5);
  const why = deployFailure
    ? `critical service not ready: ${deployFailure}`
    : unreadable
      ? 'no readable results (the test job crashed or wrote nothing)'
      : `failures are of kinds a redeploy can cure (${Object.keys(analysis.categories).join(', ')})`;
  return { verdict: 'redeploy', reason: why, nextAction: `redeploy commit ${short(cycle.commit)} after ${backoffSeconds} s`, backoffSeconds };
}

function kinds(analysis: AnalysisFacts): string {
  return Object.entries(analysis.categories)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
}

function lastEntryBefore(history: HistoryEntry[], n: number): HistoryEntry | undefined {
  return history.filter((h) => h.cycle < n).sort((a, b) => b.cycle - a.cycle)[0];
}

function criticalDeployFailure(loop: LoopDoc, cycle: CycleDoc): string | null {
  const critical = new Set(loop.config.services.filter((s) => s.critical).map((s) => s.name));
  const bad = cycle.services.filter((s) => critical.has(s.name) && !s.ready).map((s) => `${s.name} (${s.error ?? 'not ready'})`);
  const unhealthy = cycle.health
    .filter((h) => critical.has(h.service) && !h.ok)
    .map((h) => `${h.service} health ${h.status ?? h.error ?? 'failed'}`);
  const all = [...bad, ...unhealthy];
  return all.length > 0 ? all.join('; ') : null;
}

function previousWasDeployFailure(entry: HistoryEntry): boolean {
  return entry.failureSignatures.includes(DEPLOY_FAILURE_SIGNATURE);
}

/** Recorded in the history in place of failure signatures when a critical service did not deploy. */
export const DEPLOY_FAILURE_SIGNATURE = 'deployment:critical-service-not-ready';

function onlyCurable(categories: Record<string, number>): boolean {
  const kinds = Object.keys(categories).filter((k) => (categories[k] ?? 0) > 0);
  return kinds.length > 0 && kinds.every((k) => REDEPLOY_CURABLE.has(k));
}

function repeatedSignature(
  history: HistoryEntry[],
  cycle: CycleDoc,
  analysis: AnalysisFacts,
  times: number,
): string | null {
  const recent = history.filter((h) => h.cycle < cycle.n).sort((a, b) => b.cycle - a.cycle).slice(0, times - 1);
  if (recent.length < times - 1) return null;
  const commits = new Set([cycle.commit, ...recent.map((h) => h.commit)]);
  if (commits.size < 2) return null;
  for (const sig of analysis.signatures) {
    if (recent.every((h) => h.failureSignatures.includes(sig))) return sig;
  }
  return null;
}

function percent(rate: number | null): string {
  return rate === null ? 'n/a' : `${(rate * 100).toFixed(1)} %`;
}

function short(commit: string | undefined): string {
  return commit ? commit.slice(0, 8) : '(unknown)';
}
