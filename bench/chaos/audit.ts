import type { World } from './world.js';
import type { Team } from './team.js';
import { isActive, isLoopEnded, type CycleDoc } from '../../shared/domain/model.js';
import { ABANDONED_AFTER_MS } from '../../shared/chain/lifecycle/outbox.js';

export interface Audit {
  completed: number;
  lost: number;
  doubled: number;
  stuck: number;
  problems: string[];
}

/**
 * What must hold after a scenario: every cycle ended with exactly one stored verdict (and an
 * event saying so), every deployment the team published became a cycle or was superseded, at most
 * one deploy request per decision, one job launch per cycle, and no loop left running.
 */
export async function audit(world: World, team: Team, loopIds: string[], expect: { extraCycles?: boolean; checkEvents?: boolean; notifications?: boolean } = {}): Promise<Audit> {
  const result: Audit = { completed: 0, lost: 0, doubled: 0, stuck: 0, problems: [] };
  const problem = (kind: keyof Omit<Audit, 'problems' | 'completed'>, text: string) => {
    result[kind]++;
    result.problems.push(`${kind}: ${text}`);
  };
  if (expect.notifications) await untilNotified(world, loopIds, 20_000);
  // A decide delivery killed between committing the verdict and publishing it leaves the event
  // in the cycle's outbox; a redelivery or the watchdog publishes it once it is abandoned
  // (ABANDONED_AFTER_MS). Wait that long and a redelivery more before calling it lost.
  if (expect.checkEvents !== false) await untilVerdictEvents(world, loopIds, ABANDONED_AFTER_MS + 30_000);
  for (const loopId of loopIds) {
    const loop = await world.store.getLoop(loopId);
    if (!loop) {
      problem('lost', `${loopId}: the loop document is gone`);
      continue;
    }
    if (!isLoopEnded(loop.status)) problem('stuck', `${loopId}: still ${loop.status} (${loop.statusReason ?? ''})`);
    else if (loop.status !== 'succeeded') result.problems.push(`info: ${loopId} ended ${loop.status}: ${loop.statusReason ?? ''}`);
    const cycles = await world.store.listCycles(loopId);
    for (const c of cycles) {
      if (isActive(c.phase)) problem('stuck', `${loopId}/${c.n}: still ${c.phase}`);
      const verdicts = world.events.filter((e) => e.loopId === loopId && e.cycle === c.n && e.type === 'verdict');
      if (c.phase === 'done') {
        result.completed++;
        if (!c.verdict) problem('lost', `${loopId}/${c.n}: done without a verdict`);
        if (verdicts.length === 0 && expect.checkEvents !== false) problem('lost', `${loopId}/${c.n}: its verdict event never arrived (${outboxState(c)})`);
      }
      // loop-events are notifications, delivered at least once: a step that dies between
      // publishing and marking its outbox sends one again. What must not double is stored state
      // and the requests that cause work (deployments, test jobs), checked below.
      if (verdicts.length > 1) result.problems.push(`info: ${loopId}/${c.n}: its verdict event was published ${verdicts.length} times`);
      const requests = world.deployRequests.filter((r) => r.loopId === loopId && r.cycle === c.n + 1);
      if (requests.length > 1) problem('doubled', `${loopId}/${c.n}: ${requests.length} deploy requests`);
      if (expect.notifications && c.phase === 'done') {
        // notify's webhook: one call per verdict however often its event was delivered.
        const told = world.notified.filter((w) => w.loopId === loopId && w.cycle === c.n).length;
        if (told === 0) problem('lost', `${loopId}/${c.n}: its verdict was never notified`);
        if (told > 1) problem('doubled', `${loopId}/${c.n}: its verdict was notified ${told} times`);
      }
      const launches = world.launches.filter((l) => l.loopId === loopId && l.cycle === c.n);
      if (launches.length > 1) problem('doubled', `${loopId}/${c.n}: its test job launched ${launches.length} times`);
    }
    const builds = new Map<string, number>();
    for (const c of cycles) if (c.buildId) builds.set(c.buildId, (builds.get(c.buildId) ?? 0) + 1);
    for (const [build, count] of builds) if (count > 1) problem('doubled', `${loopId}: build ${build} opened ${count} cycles`);
    for (const p of team.published.filter((x) => x.loopId === loopId && x.opensCycle)) {
      if (!builds.has(p.buildId)) problem('lost', `${loopId}: deployment ${p.buildId} never became a cycle`);
    }
    if (!expect.extraCycles && cycles.length > team.published.filter((x) => x.loopId === loopId && x.opensCycle).length) {
      problem('doubled', `${loopId}: ${cycles.length} cycles for ${team.published.filter((x) => x.loopId === loopId).length} deployments`);
    }
  }
  return result;
}

/** notify runs beside the chain, on loop-events: give its last calls time to land (three deliveries contend). */
async function untilNotified(world: World, loopIds: string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const cycles = (await Promise.all(loopIds.map((id) => world.store.listCycles(id)))).flat().filter((c) => c.phase === 'done');
    if (cycles.every((c) => world.notified.some((w) => w.loopId === c.loopId && w.cycle === c.n))) return;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Waits until every done cycle's verdict event has been seen, or the time bound passes. */
async function untilVerdictEvents(world: World, loopIds: string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const cycles = (await Promise.all(loopIds.map((id) => world.store.listCycles(id)))).flat().filter((c) => c.phase === 'done');
    if (cycles.every((c) => world.events.some((e) => e.loopId === c.loopId && e.cycle === c.n && e.type === 'verdict'))) return;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Where a missing verdict event is: still in the outbox (never published) or published and not received. */
function outboxState(c: CycleDoc): string {
  const entries = Object.entries(c.outbox ?? {}).filter(([, e]) => e.topic === 'loop-events' && (e.data as { type?: string }).type === 'verdict');
  if (entries.length === 0) return 'no verdict entry in the outbox';
  return entries.map(([id, e]) => (e.publishedAt ? `${id} published ${e.publishedAt}` : `${id} unpublished${e.claimedAt ? `, claimed ${e.claimedAt}` : ''}`)).join('; ');
}

/** Waits until every loop has ended, or the time bound passes. */
export async function untilEnded(world: World, loopIds: string[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const loops = await Promise.all(loopIds.map((id) => world.store.getLoop(id)));
    if (loops.every((l) => l && isLoopEnded(l.status))) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}
