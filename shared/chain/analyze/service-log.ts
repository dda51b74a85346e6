import type { CycleDoc } from '../../domain/model.js';
import type { ServiceLogs } from '../../ports/service-logs.js';
import type { StepDeps } from '../lifecycle/step-deps.js';

const MAX_LINES_PER_SERVICE = 400;
/** A revision's start-up comes before the cycle's first recorded phase when a push opened it. */
const BEFORE_FIRST_PHASE_MS = 30 * 60_000;

/**
 * What the cycle's services printed from their start through the run, one block per service
 * revision, for the five whys. Best effort: a log that cannot be read is left out and said so
 * in the step's log, never a reason to fail or retry the analysis.
 */
export async function readServiceLog(logs: ServiceLogs, cycle: CycleDoc, now: Date, log: StepDeps['log']): Promise<string | undefined> {
  const times = [cycle.deployRequestedAt, ...Object.values(cycle.phaseAt)].filter((t): t is string => Boolean(t)).map((t) => Date.parse(t));
  const since = new Date((times.length ? Math.min(...times) : now.getTime()) - BEFORE_FIRST_PHASE_MS).toISOString();
  const blocks: string[] = [];
  for (const s of cycle.services) {
    if (!s.revision) continue;
    try {
      const lines = await logs.read({ service: s.name, revision: s.revision, since, until: now.toISOString(), maxLines: MAX_LINES_PER_SERVICE });
      if (lines.length > 0) blocks.push(`--- ${s.name} (${s.revision}) printed ---`, ...lines);
    } catch (error) {
      log.warn(`service log of ${s.name} (${s.revision}) not read`, { error: (error as Error).message });
    }
  }
  return blocks.length > 0 ? blocks.join('\n') : undefined;
}
