import { Criteria, Deadlines, Guards } from '../../shared/config/loop-config.js';
import { CycleDoc, LoopDoc } from '../../shared/domain/model.js';
import type { DeployFinished } from '../../shared/chain/messages.js';

/** Documents as the store would hold them, with overridable fields, for the domain's unit tests. */
export function loopDoc(patch: Partial<LoopDoc> = {}): LoopDoc {
  return LoopDoc.parse({
    loopId: 'shop-main',
    status: 'running',
    currentCycle: 0,
    runStartCycle: 1,
    runStartedAt: '2026-11-24T10:00:00.000Z',
    redeploys: 0,
    config: {
      branch: 'main',
      criteria: Criteria.parse({}),
      guards: Guards.parse({ maxCycles: 5, sameFailureCycles: 3, maxRedeploys: 2 }),
      deadlines: Deadlines.parse({}),
      classification: { rules: [] },
      services: [
        { name: 'api', critical: true, healthPath: '/healthz' },
        { name: 'web', critical: false, healthPath: '/' },
      ],
    },
    history: [],
    createdAt: '2026-11-24T10:00:00.000Z',
    updatedAt: '2026-11-24T10:00:00.000Z',
    ...patch,
  });
}

export function cycleDoc(patch: Partial<CycleDoc> = {}): CycleDoc {
  return CycleDoc.parse({
    loopId: 'shop-main',
    n: 1,
    phase: 'reporting',
    commit: 'a'.repeat(40),
    branch: 'main',
    buildId: 'b1',
    services: [{ name: 'api', url: 'http://127.0.0.1:1', revision: 'api-1', ready: true }],
    totals: { tests: 20, passed: 18, failed: 2, errors: 0, skipped: 0, flaky: 0, durationMs: 900 },
    ...patch,
  });
}

export function deployFinished(patch: Partial<DeployFinished> = {}): DeployFinished {
  return {
    loopId: 'shop-main',
    trigger: 'push',
    branch: 'main',
    commit: 'a'.repeat(40),
    buildId: 'b1',
    services: [
      { name: 'api', url: 'http://127.0.0.1:1', revision: 'api-1', ready: true },
      { name: 'web', url: 'http://127.0.0.1:2', revision: 'web-1', ready: true },
    ],
    finishedAt: '2026-11-24T10:01:00.000Z',
    ...patch,
  };
}
