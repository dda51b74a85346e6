import type { Emulators } from '../shared/local/emulators.js';
import { World } from './chaos/world.js';
import { Team } from './chaos/team.js';
import { audit, untilEnded } from './chaos/audit.js';
import { percentile, round } from './stats.js';

export interface ThroughputRow {
  loops: number;
  cycles: number;
  seconds: number;
  cyclesPerMinute: number;
  p95OverheadMs: number;
  /** Pushes the function fronts received per completed cycle, and of those answered with a failure (each redelivered about a second later). */
  pushesPerCycle: number;
  failedPushesPerCycle: number;
  /** What went wrong, if anything: the first thing that breaks as N grows. */
  problems: string[];
}

/** N loops at once, each red then green (two cycles), with a test job that reports at once. */
export async function measureThroughput(emulators: Emulators, n: number): Promise<ThroughputRow> {
  const world = new World(emulators);
  await world.start();
  const team = new Team(world, { script: (_l, k) => (k === 1 ? 'red' : 'green'), jobDelayMs: [0, 0] });
  await team.start();
  try {
    // Warm up: each function server's first message pays for creating its clients.
    await world.createLoop(`warmup-${n}`);
    await team.deploy(`warmup-${n}`, 'push');
    await untilEnded(world, [`warmup-${n}`], 60_000);
    const before = pushCounts(world);
    const ids = Array.from({ length: n }, (_, i) => `load-${n}-${i + 1}`);
    await Promise.all(ids.map((id) => world.createLoop(id)));
    const started = performance.now();
    await Promise.all(ids.map((id) => team.deploy(id, 'push')));
    const ended = await untilEnded(world, ids, 300_000);
    const seconds = (performance.now() - started) / 1000;
    const after = pushCounts(world);
    const overheads: number[] = [];
    for (const id of ids) for (const c of await world.store.listCycles(id)) if (c.overheadMs) overheads.push(c.overheadMs);
    const check = await audit(world, team, ids);
    return {
      loops: n,
      cycles: check.completed,
      seconds: round(seconds),
      cyclesPerMinute: round((check.completed / seconds) * 60),
      p95OverheadMs: round(percentile(overheads, 95)),
      pushesPerCycle: round((after.received - before.received) / Math.max(1, check.completed)),
      failedPushesPerCycle: round((after.failed - before.failed) / Math.max(1, check.completed)),
      problems: [...(ended ? [] : ['not every loop ended within 300 s']), ...check.problems],
    };
  } finally {
    await team.stop();
    await world.stop();
  }
}

function pushCounts(world: World): { received: number; failed: number } {
  return world.hosts.reduce((sum, h) => ({ received: sum.received + h.pushes.received, failed: sum.failed + h.pushes.failed }), { received: 0, failed: 0 });
}
