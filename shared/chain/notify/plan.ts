import type { LoopEvent } from '../messages.js';
import type { CycleDoc, LoopDoc, Verdict } from '../../domain/model.js';
import type { NotifyConfig, WebhookSink } from '../../config/notify-config.js';
import type { CommitState, CommitStatus, LoopIssue } from '../../ports/notify.js';
import { code, escapeMd, pct, renderCycleReport, shortCommit } from '../../report/markdown.js';

/**
 * What to tell whom for one loop event: pure, from the event, the loop and its cycle as stored.
 * A pending commit status per phase, a final one per verdict; on await-fix the loop's issue is
 * opened or updated, on success it is closed; Slack and each webhook get one message per verdict.
 */

export type Send =
  | { id: string; sink: 'github-status'; status: CommitStatus }
  | { id: string; sink: 'github-issue'; open: LoopIssue }
  | { id: string; sink: 'github-issue'; close: { loopId: string; comment: string } }
  | { id: string; sink: 'slack'; message: { text: string } }
  | { id: string; sink: 'webhook'; webhook: WebhookSink; payload: WebhookPayload };

export interface WebhookPayload {
  type: 'verdict';
  loopId: string;
  cycle: number;
  verdict: string;
  reason: string;
  nextAction: string | null;
  commit: string | null;
  branch: string | null;
  passRate: number | null;
  tests: number | null;
  failing: number | null;
  /** Pass rate of each cycle of this run of the loop, oldest first. */
  trend: Array<{ cycle: number; passRate: number | null }>;
  at: string;
}

export interface NotifyPlan {
  /** Names the fact the event states, for the dedup record: a redelivery is the same work. */
  fact: string;
  /** For records and logs: "verdict await-fix", "phase testing". */
  label: string;
  sends: Send[];
}

/** Phases whose start posts a pending status. */
const STATUS_PHASES = ['deploying', 'testing', 'analyzing', 'reporting'] as const;

/** The fact an event states, or null for events nobody is told about (progress, rejected input). */
export function eventFact(e: LoopEvent): string | null {
  if (e.cycle === undefined) return null;
  if (e.type === 'verdict' && e.verdict) return `c${e.cycle}-verdict`;
  if (e.type === 'phase-changed' && (STATUS_PHASES as readonly string[]).includes(e.phase ?? '')) return `c${e.cycle}-${e.phase}`;
  return null;
}

/** The id of the verdict's commit status of cycle n, as planned and recorded. */
export function verdictStatusId(n: number): string {
  return `c${n}-verdict-github-status`;
}

export function planNotifications(event: LoopEvent, loop: LoopDoc, cycle: CycleDoc | null): NotifyPlan | null {
  const fact = eventFact(event);
  if (!fact || !cycle) return null;
  const config = loop.config.notify;
  if (!config) return { fact, label: event.type, sends: [] };
  if (event.type === 'verdict') {
    return { fact, label: `verdict ${event.verdict}`, sends: verdictSends(fact, config, loop, cycle, event) };
  }
  // A pending status that arrives after the cycle ended, or once a later cycle began, would
  // overwrite a newer state: it is dropped.
  const stale = cycle.phase === 'done' || cycle.phase === 'superseded' || loop.currentCycle > cycle.n;
  const status = stale ? null : commitStatus(config, loop, cycle, 'pending', pendingDescription(event, cycle));
  return { fact, label: `phase ${event.phase}`, sends: status ? [{ id: `${fact}-github-status`, sink: 'github-status', status }] : [] };
}

function verdictSends(fact: string, config: NotifyConfig, loop: LoopDoc, cycle: CycleDoc, event: LoopEvent): Send[] {
  const verdict = (cycle.verdict ?? event.verdict) as Verdict;
  const reason = cycle.verdictReason ?? event.detail ?? '';
  const sends: Send[] = [];
  const status = commitStatus(config, loop, cycle, STATE_OF[verdict], `cycle ${cycle.n}: ${verdict}, pass rate ${pct(cycle.passRate)}: ${reason}`);
  if (status) sends.push({ id: `${fact}-github-status`, sink: 'github-status', status });
  if (config.github?.issues.enabled) {
    if (verdict === 'await-fix') sends.push({ id: `${fact}-github-issue`, sink: 'github-issue', open: awaitFixIssue(config, loop, cycle) });
    if (verdict === 'succeeded') sends.push({ id: `${fact}-github-issue`, sink: 'github-issue', close: { loopId: loop.loopId, comment: closingComment(loop, cycle) } });
  }
  if (config.slack) sends.push({ id: `${fact}-slack`, sink: 'slack', message: { text: slackText(loop, cycle, verdict, reason) } });
  for (const webhook of config.webhooks) {
    sends.push({ id: `${fact}-webhook-${webhook.name}`, sink: 'webhook', webhook, payload: webhookPayload(loop, cycle, verdict, reason, event.at) });
  }
  return sends;
}

const STATE_OF: Record<Verdict, CommitState> = {
  succeeded: 'success',
  redeploy: 'pending',
  'await-fix': 'failure',
  failed: 'failure',
  blocked: 'failure',
  cancelled: 'error',
};

function pendingDescription(event: LoopEvent, cycle: CycleDoc): string {
  const f = event.facts ?? {};
  switch (event.phase) {
    case 'deploying':
      return `cycle ${cycle.n}: deploying again`;
    case 'testing':
      return `cycle ${cycle.n}: end-to-end tests running`;
    case 'analyzing':
      return typeof f.tests === 'number' ? `cycle ${cycle.n}: analyzing: ${f.passed ?? 0} of ${f.tests} tests passed` : `cycle ${cycle.n}: analyzing`;
    default:
      return `cycle ${cycle.n}: deciding, pass rate ${pct(typeof f.passRate === 'number' ? f.passRate : cycle.passRate)}`;
  }
}

/** A status needs GitHub, statuses on, and a commit that is a SHA (a deployment by hand may name none). */
function commitStatus(config: NotifyConfig, loop: LoopDoc, cycle: CycleDoc, state: CommitState, description: string): CommitStatus | null {
  const gh = config.github;
  if (!gh?.statuses.enabled || !cycle.commit || !/^[0-9a-f]{40}$/i.test(cycle.commit)) return null;
  const target = gh.statuses.targetUrl?.replaceAll('{loopId}', encodeURIComponent(loop.loopId)).replaceAll('{cycle}', String(cycle.n));
  return {
    sha: cycle.commit,
    state,
    context: gh.statuses.context ?? `test-deploy-loop/${loop.loopId}`,
    description: plain(description, 140),
    ...(target ? { targetUrl: target } : {}),
  };
}

/** The pass rate of each cycle of the loop's current run, up to `n`. */
export function trend(loop: LoopDoc, n: number): Array<{ cycle: number; passRate: number | null }> {
  return loop.history
    .filter((h) => h.cycle >= loop.runStartCycle && h.cycle <= n)
    .sort((a, b) => a.cycle - b.cycle)
    .map((h) => ({ cycle: h.cycle, passRate: h.passRate }));
}

function trendText(loop: LoopDoc, n: number): string {
  const t = trend(loop, n);
  return t.length ? t.map((h) => pct(h.passRate)).join(' → ') : 'n/a';
}

/** Sections of the cycle report the issue carries: the summary, and what failed with its five whys. */
const ISSUE_SECTIONS = ['## Failures by cause', '## Failing tests'];
const MAX_ISSUE_BODY = 60_000;

export function awaitFixIssue(config: NotifyConfig, loop: LoopDoc, cycle: CycleDoc): LoopIssue {
  const report = cycle.report ?? renderCycleReport(loop, cycle);
  const kept: string[] = [];
  let keep = true;
  for (const line of report.split('\n').slice(1)) {
    if (line.startsWith('## ')) keep = ISSUE_SECTIONS.includes(line.trim());
    if (keep) kept.push(line);
  }
  let excerpt = kept.join('\n').trim();
  if (excerpt.length > MAX_ISSUE_BODY) excerpt = `${excerpt.slice(0, MAX_ISSUE_BODY)}\n\n… cut; the whole report: \`tdl report ${loop.loopId} --cycle ${cycle.n}\``;
  const branch = cycle.branch ?? loop.config.branch;
  const body = [
    `**${escapeMd(loop.loopId)}** awaits a fix since cycle ${cycle.n} (commit \`${shortCommit(cycle.commit)}\` on ${code(branch, 100)}); pass rate ${trendText(loop, cycle.n)}.`,
    '',
    excerpt,
    '',
    '---',
    `The loop waits for a push to ${code(branch, 100)}, which opens its next cycle. The whole report: \`tdl report ${loop.loopId} --cycle ${cycle.n}\`.`,
    `This issue is kept by test-deploy-loop: updated while the loop awaits a fix, closed when it succeeds.`,
  ].join('\n');
  return {
    loopId: loop.loopId,
    title: plain(`${loop.loopId} awaits a fix: cycle ${cycle.n}, pass rate ${pct(cycle.passRate)}: ${cycle.verdictReason ?? ''}`, 200),
    body,
    labels: config.github?.issues.labels ?? [],
  };
}

function closingComment(loop: LoopDoc, cycle: CycleDoc): string {
  return `Loop **${escapeMd(loop.loopId)}** succeeded in cycle ${cycle.n} (commit \`${shortCommit(cycle.commit)}\`): ${escapeMd(cycle.verdictReason ?? '', 500)}. Pass rate ${trendText(loop, cycle.n)}. Closing.`;
}

/** Slack's mrkdwn: &, < and > are escaped, so nothing becomes a link or a mention (<!channel>, <@U1>). */
export function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function slackText(loop: LoopDoc, cycle: CycleDoc, verdict: string, reason: string): string {
  const t = cycle.totals;
  const counts = t ? ` (${t.tests} tests, ${t.failed + t.errors} failing)` : '';
  return [
    `*${slackEscape(loop.loopId)}* cycle ${cycle.n}: *${verdict}*: ${slackEscape(plain(reason, 300))}`,
    `Pass rate ${trendText(loop, cycle.n)}${counts}; commit \`${shortCommit(cycle.commit)}\``,
    ...(cycle.nextAction ? [`Next: ${slackEscape(plain(cycle.nextAction, 300))}`] : []),
  ].join('\n');
}

function webhookPayload(loop: LoopDoc, cycle: CycleDoc, verdict: string, reason: string, at: string): WebhookPayload {
  return {
    type: 'verdict',
    loopId: loop.loopId,
    cycle: cycle.n,
    verdict,
    reason,
    nextAction: cycle.nextAction ?? null,
    commit: cycle.commit ?? null,
    branch: cycle.branch ?? null,
    passRate: cycle.passRate ?? null,
    tests: cycle.totals?.tests ?? null,
    failing: cycle.totals ? cycle.totals.failed + cycle.totals.errors : null,
    trend: trend(loop, cycle.n),
    at,
  };
}

/** One line of plain text, at most `max` characters. */
function plain(text: string, max: number): string {
  const line = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
