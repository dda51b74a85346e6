import { userInfo } from 'node:os';
import type { LoopStore } from '../shared/ports/loop-store.js';
import type { Publisher } from '../shared/ports/services.js';
import { PUBLISHES } from '../shared/chain/topology.js';
import { allowedTopics } from '../shared/chain/lifecycle/allowed-topics.js';

/** A person steering loops publishes only what infra/ grants operators (PUBLISHES.operators). */
const operator = (deps: { publisher: Publisher }) => allowedTopics(deps.publisher, 'an operator', PUBLISHES.operators);

/**
 * What a person steering a loop publishes: `tdl rerun`, `tdl cancel` and the dashboard's
 * buttons send the same messages, built here once.
 */
export interface OperatorDeps {
  store: Pick<LoopStore, 'getLoop' | 'getCycle'>;
  publisher: Publisher;
}

export type Published = { ok: true; loopId: string; topic: string; messageId: string } | { ok: false; why: string };

export const whoAmI = (): string => {
  try {
    return userInfo().username;
  } catch {
    return 'someone';
  }
};

/**
 * Re-runs a loop: `redeploy` publishes deploy-requested (deploy the branch again), `retest`
 * publishes deploy-finished for the current deployment (test it again in a new cycle).
 */
export async function requestRerun(deps: OperatorDeps, loopId: string, mode: 'redeploy' | 'retest', reason: string): Promise<Published> {
  const loop = await deps.store.getLoop(loopId);
  if (!loop) return { ok: false, why: `no loop "${loopId}"` };
  const current = loop.currentCycle > 0 ? await deps.store.getCycle(loopId, loop.currentCycle) : null;
  const now = new Date().toISOString();
  if (mode === 'retest') {
    if (!current?.commit || !current.buildId || current.services.length === 0) {
      return { ok: false, why: `loop ${loopId} has no deployment to test again; use --redeploy` };
    }
    const messageId = await operator(deps).publish('deploy-finished', {
      loopId,
      trigger: 'retest',
      branch: current.branch ?? loop.config.branch,
      commit: current.commit,
      // A new build id: the same deployment, tested again, is a new fact.
      buildId: `${current.buildId}-retest-${Date.now().toString(36)}`.slice(0, 128),
      services: current.services,
      finishedAt: now,
      reason,
    });
    return { ok: true, loopId, topic: 'deploy-finished', messageId };
  }
  const messageId = await operator(deps).publish('deploy-requested', {
    loopId,
    trigger: 'manual',
    branch: current?.branch ?? loop.config.branch,
    reason,
    requestedAt: now,
  });
  return { ok: true, loopId, topic: 'deploy-requested', messageId };
}

/** Cancels a loop: publishes loop-control; its running cycle ends "cancelled". */
export async function requestCancel(deps: OperatorDeps, loopId: string, reason: string, requestedBy: string): Promise<Published> {
  if (!(await deps.store.getLoop(loopId))) return { ok: false, why: `no loop "${loopId}"` };
  const messageId = await operator(deps).publish('loop-control', {
    loopId,
    action: 'cancel',
    reason,
    requestedBy,
    requestedAt: new Date().toISOString(),
  });
  return { ok: true, loopId, topic: 'loop-control', messageId };
}
