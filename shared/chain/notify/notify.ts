import type { LoopEvent } from '../messages.js';
import type { NotificationRecord } from '../../domain/model.js';
import { hasSinks, type NotifyConfig } from '../../config/notify-config.js';
import type { StepDeps, StepOutcome } from '../lifecycle/step-deps.js';
import { handleOnce, type StepPlan } from '../lifecycle/run-step.js';
import { retryTransient } from '../../kernel/retry.js';
import { NotifyError, type GitHubPort, type GitHubTarget, type SecretSource, type WebhookPort } from '../../ports/notify.js';
import { eventFact, planNotifications, verdictStatusId, type Send } from './plan.js';

const STEP = 'notify';

export interface NotifyDeps extends StepDeps {
  github: GitHubPort;
  webhook: WebhookPort;
  secrets: SecretSource;
  /** Replaces the config's GitHub API URL (TDL_GITHUB_API_URL: a local fake GitHub). */
  githubApiUrl?: string;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * notify, on loop-events: tells GitHub, Slack and webhooks what the loop did. Idempotent per
 * event (the dedup record names the fact, and each send already recorded `sent` on the cycle
 * is skipped by a delivery that takes over). A send that keeps failing is retried with backoff,
 * then recorded `failed` on the cycle: it never holds the loop up, and the event is acknowledged.
 */
export function createNotify(deps: NotifyDeps) {
  return async function notify(event: LoopEvent, messageId = 'unknown'): Promise<StepOutcome> {
    const fact = eventFact(event);
    if (!fact || event.cycle === undefined) return { kind: 'ignored', detail: `${event.type} events are not notified` };
    const loop = await deps.store.getLoop(event.loopId);
    const config = loop?.config.notify;
    if (!loop || !config || !hasSinks(config)) return { kind: 'ignored', detail: `loop ${event.loopId} has no notification sinks` };
    const { loopId } = event;
    const n = event.cycle;
    const handled = await handleOnce<NotifyStepPlan>(deps, {
      step: STEP,
      fact: [loopId, fact],
      loopId,
      cycle: n,
      messageId,
      alreadyDone: () => ({ kind: 'duplicate', detail: `${loopId} cycle ${n}: ${fact} was already notified` }),
      plan: (view) => {
        const plan = view.loop ? planNotifications(event, view.loop, view.cycle) : null;
        // A delivery that takes over after a crash sends only what was not recorded sent.
        const todo = (plan?.sends ?? []).filter((s) => view.cycle?.notifications[s.id]?.status !== 'sent');
        return { result: { outcome: { kind: 'done', detail: `${todo.length} to send` }, pending: [], label: plan?.label ?? fact, todo } };
      },
      // The sends are the step's side effects: they run after the claim commits and before the
      // record completes, so a failure of the store releases the record and a redelivery resumes.
      beforePublish: async (plan) => {
        const outcomes = await sendAll(deps, config, event, fact, plan);
        plan.outcome = { kind: 'done', detail: `${loopId} cycle ${n} ${plan.label}: ${outcomes.join('; ') || 'nothing to send'}` };
      },
    });
    return handled.outcome;
  };
}

interface NotifyStepPlan extends StepPlan {
  label: string;
  todo: Send[];
}

/** Side by side: one slow sink does not hold the others up. Each is recorded as it ends. */
async function sendAll(deps: NotifyDeps, config: NotifyConfig, event: LoopEvent, fact: string, plan: NotifyStepPlan): Promise<string[]> {
  const outcomes: string[] = [];
  await Promise.all(
    plan.todo.map(async (send) => {
      const record = await deliver(deps, config, send, plan.label);
      await deps.store.recordNotification(event.loopId, event.cycle!, send.id, record);
      outcomes.push(`${send.id} ${record.status}`);
    }),
  );
  if (event.type === 'phase-changed' && plan.todo.some((t) => t.sink === 'github-status')) {
    const final = await reassertVerdict(deps, config, event, fact);
    if (final) outcomes.push(final);
  }
  return outcomes;
}

/**
 * GitHub shows the last status posted for a context and has no conditional post: a pending
 * status whose cycle ended while it was on its way may land after the verdict's. The verdict's
 * status is recorded once GitHub took it, so reading the cycle after posting tells: when it is
 * recorded sent, it is posted again and the commit ends showing the verdict. (A verdict status
 * posted but not yet recorded, a window of one write, is not seen.)
 */
async function reassertVerdict(deps: NotifyDeps, config: NotifyConfig, event: LoopEvent, fact: string): Promise<string | null> {
  const n = event.cycle!;
  const [loop, cycle] = await Promise.all([deps.store.getLoop(event.loopId), deps.store.getCycle(event.loopId, n)]);
  if (!loop || !cycle?.verdict || cycle.notifications[verdictStatusId(n)]?.status !== 'sent') return null;
  const verdictEvent: LoopEvent = { loopId: event.loopId, cycle: n, type: 'verdict', verdict: cycle.verdict, at: event.at };
  const send = planNotifications(verdictEvent, loop, cycle)?.sends.find((x) => x.sink === 'github-status');
  if (!send) return null;
  const id = `${fact}-then-verdict-github-status`;
  const record = await deliver(deps, config, { ...send, id }, `verdict ${cycle.verdict} (again, after a late ${event.phase} status)`);
  await deps.store.recordNotification(event.loopId, n, id, record);
  return `${id} ${record.status}`;
}

/** One send, tried with backoff while its fault may pass; what became of it, to be recorded. */
async function deliver(deps: NotifyDeps, config: NotifyConfig, send: Send, label: string): Promise<NotificationRecord> {
  const { attempts: maxAttempts, firstPauseMs } = config.retry;
  let attempts = 0;
  const base = { sink: send.sink === 'webhook' ? `webhook ${send.webhook.name}` : send.sink, event: label };
  try {
    const reason = await retryTransient(
      `notify ${send.id}`,
      async () => {
        attempts++;
        try {
          return await perform(deps, config, send);
        } catch (error) {
          throw await honourRetryAfter(deps, error);
        }
      },
      {
        isTransient: (e) => e instanceof NotifyError && e.transient,
        // Pauses double from firstPauseMs: attempts - 1 of them fit in this budget.
        maxMs: firstPauseMs * (2 ** (maxAttempts - 1) - 1),
        firstPauseMs,
        maxPauseMs: 30_000,
        sleep: deps.sleep,
        say: (line) => deps.log.warn(line),
      },
    );
    deps.log.info(`notify: ${send.id}: ${reason}`);
    return { ...base, status: 'sent', reason, attempts, at: deps.clock.now().toISOString() };
  } catch (error) {
    // Whatever went wrong with a send (a refusal, a missing secret, a defect in an adapter) is
    // recorded, never thrown: the event is acknowledged and the loop goes on.
    const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 500);
    deps.log.warn(`notify: ${send.id} failed after ${attempts} attempt(s): ${reason}`);
    return { ...base, status: 'failed', reason, attempts, at: deps.clock.now().toISOString() };
  }
}

/** Longest Retry-After (a rate limit) waited out inside one delivery; a longer one is recorded failed. */
const MAX_RETRY_AFTER_MS = 20_000;

/** A sink that said when to come back is not asked sooner; one that asks for too long is given up. */
async function honourRetryAfter(deps: NotifyDeps, error: unknown): Promise<unknown> {
  if (!(error instanceof NotifyError) || !error.transient || !error.retryAfterMs) return error;
  if (error.retryAfterMs > MAX_RETRY_AFTER_MS) {
    return new NotifyError(`${error.message} (asked to wait ${Math.round(error.retryAfterMs / 1000)} s)`, { transient: false });
  }
  await (deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms))))(error.retryAfterMs);
  return error;
}

/** Sends it once; says what was sent. Secrets are revealed here and go nowhere but the request. */
async function perform(deps: NotifyDeps, config: NotifyConfig, send: Send): Promise<string> {
  if (send.sink === 'github-status' || send.sink === 'github-issue') {
    const gh = config.github!;
    const target: GitHubTarget = {
      apiUrl: deps.githubApiUrl ?? gh.apiUrl,
      repository: gh.repository,
      token: await deps.secrets.reveal(gh.token, 'notify.github.token'),
    };
    if (send.sink === 'github-status') {
      await deps.github.setCommitStatus(target, send.status);
      return `${send.status.state} on ${send.status.sha.slice(0, 8)} (${send.status.context})`;
    }
    if ('open' in send) {
      const issue = await deps.github.upsertLoopIssue(target, send.open);
      return `${issue.action} issue #${issue.number} ${issue.url}`;
    }
    const closed = await deps.github.closeLoopIssue(target, send.close.loopId, gh.issues.labels, send.close.comment);
    return closed ? `closed issue #${closed.number} ${closed.url}` : 'no open issue to close';
  }
  if (send.sink === 'slack') {
    const url = await deps.secrets.reveal(config.slack!.webhookUrl, 'notify.slack.webhookUrl');
    await deps.webhook.post(url, { text: send.message.text }, { kind: 'slack' });
    return 'posted';
  }
  const signingSecret = send.webhook.signingSecret
    ? await deps.secrets.reveal(send.webhook.signingSecret, `notify.webhooks.${send.webhook.name}.signingSecret`)
    : undefined;
  await deps.webhook.post(send.webhook.url, send.payload, { signingSecret, kind: 'webhook' });
  return 'posted';
}
