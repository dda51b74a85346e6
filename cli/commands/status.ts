import { EXIT, type Command } from '../command.js';
import { parse } from '../args.js';
import { connect, connectionOptions, CONNECTION_HELP } from '../connect.js';
import { out, percent, table } from '../format.js';
import type { CycleDoc, LoopDoc } from '../../shared/domain/model.js';
import type { ClusterLabel } from '../../shared/analysis/labels.js';

const usage = `Usage: tdl status [LOOP] [--json] [--project PROJECT]

The loops (or one), each with its status, current cycle and phase, pass rate and next action,
read from Firestore. With LOOP, its cycles too, the labels people gave its clusters (\`tdl
label\`) with the cycles that took each, and its notifications (commit statuses, the await-fix
issue, Slack, webhooks): every one that failed, and all of the current cycle's.
  --json   the last line is a JSON array of loops (with LOOP: one object with its cycles)

${CONNECTION_HELP}
Exit: 0 (with LOOP: the loop succeeded or is running); 1 LOOP failed, is blocked, cancelled
or unknown; 2 usage.`;

export const statusCommand: Command = {
  name: 'status',
  usage,
  async run(argv) {
    const { values, positionals } = parse(argv, { ...connectionOptions, json: { type: 'boolean', default: false } }, true);
    const conn = await connect(values.project);
    try {
      const loopId = positionals[0];
      const loops = loopId ? [await conn.store.getLoop(loopId)].filter((l): l is LoopDoc => l !== null) : await conn.store.listLoops();
      if (loopId && loops.length === 0) {
        process.stderr.write(`tdl status: no loop "${loopId}" in ${conn.target}\n`);
        return EXIT.notSucceeded;
      }
      const rows = await Promise.all(
        loops.map(async (loop) => ({ loop, current: loop.currentCycle > 0 ? await conn.store.getCycle(loop.loopId, loop.currentCycle) : null })),
      );
      const summaries = rows.map(({ loop, current }) => summarize(loop, current));
      if (loopId) {
        const [cycles, labels] = await Promise.all([conn.store.listCycles(loopId), conn.store.listLabels(loopId)]);
        const taken = labels.map((l) => labelSummary(l, cycles));
        if (values.json) {
          out(JSON.stringify({ ...summaries[0], cycles: cycles.map(cycleSummary), labels: taken }));
        } else {
          out(table(['LOOP', 'STATUS', 'CYCLE', 'PHASE', 'PASS RATE', 'NEXT'], summaries.map(row)));
          out('');
          out(
            table(
              ['CYCLE', 'COMMIT', 'TRIGGER', 'PHASE', 'TESTS', 'PASSED', 'FAILED', 'PASS RATE', 'VERDICT'],
              cycles.map((c) => [c.n, (c.commit ?? '').slice(0, 8), c.trigger ?? '', c.phase, c.totals?.tests ?? '-', c.totals?.passed ?? '-', c.totals ? c.totals.failed + c.totals.errors : '-', percent(c.passRate), c.verdict ?? '']),
            ),
          );
          if (taken.length > 0) {
            out('');
            out(table(['LABEL', 'CATEGORY', 'SIGNATURE', 'TAKEN BY'], taken.map((l) => [l.shown, l.category, l.signature.slice(0, 60), l.takenBy.length ? l.takenBy.map((t) => `cycle ${t}`).join(', ') : '-'])));
          }
          const told = notificationRows(cycles, loops[0]!.currentCycle);
          if (told.length > 0) out(`\n${table(['CYCLE', 'NOTIFICATION', 'FOR', 'STATUS', 'TRIES', 'AT', 'DETAIL'], told)}`);
          out(`\n${loops[0]!.statusReason ?? ''}`);
        }
        return ['failed', 'blocked', 'cancelled'].includes(loops[0]!.status) ? EXIT.notSucceeded : EXIT.ok;
      }
      if (values.json) out(JSON.stringify(summaries));
      else if (summaries.length === 0) out(`no loops in ${conn.target}`);
      else out(table(['LOOP', 'STATUS', 'CYCLE', 'PHASE', 'PASS RATE', 'NEXT'], summaries.map(row)));
      return EXIT.ok;
    } finally {
      await conn.close();
    }
  },
};

export interface LoopSummary {
  loopId: string;
  status: string;
  cycle: number;
  phase: string | null;
  passRate: number | null;
  nextAction: string;
  updatedAt: string;
}

/** A loop in one row: what `tdl status` and the dashboard's list show. */
export function summarize(loop: LoopDoc, current: CycleDoc | null): LoopSummary {
  const lastRate = [...loop.history].reverse().find((h) => h.passRate !== null)?.passRate ?? null;
  return {
    loopId: loop.loopId,
    status: loop.status,
    cycle: loop.currentCycle,
    phase: current?.phase ?? null,
    passRate: current?.passRate ?? lastRate,
    nextAction: current?.nextAction ?? (current ? `waiting for ${current.phase} to finish` : 'waiting for the first deployment'),
    updatedAt: loop.updatedAt,
  };
}

function row(s: LoopSummary): Array<string | number> {
  return [s.loopId, s.status, s.cycle, s.phase ?? '-', percent(s.passRate), s.nextAction];
}

function cycleSummary(c: CycleDoc) {
  return {
    n: c.n,
    commit: c.commit ?? null,
    trigger: c.trigger ?? null,
    phase: c.phase,
    totals: c.totals ?? null,
    passRate: c.passRate ?? null,
    verdict: c.verdict ?? null,
    verdictReason: c.verdictReason ?? null,
    notifications: Object.entries(c.notifications).map(([id, r]) => ({ id, ...r })),
  };
}

/** A label with the cycles whose analysis applied it (a cluster of that signature took it). */
function labelSummary(l: ClusterLabel, cycles: CycleDoc[]) {
  const takenBy = cycles
    .filter((c) => ((c.analysis?.clusters ?? []) as Array<{ signature?: string; label?: { at?: string } }>).some((k) => k.signature === l.signature && k.label?.at === l.labelledAt))
    .map((c) => c.n);
  return {
    shown: `labelled by a person on ${l.labelledAt.slice(0, 10)}${l.labelledBy ? ` (${l.labelledBy})` : ''}`,
    signature: l.signature,
    category: l.category,
    previousCategory: l.previousCategory,
    why: l.why ?? null,
    labelledAt: l.labelledAt,
    labelledBy: l.labelledBy ?? null,
    cycle: l.cycle,
    cluster: l.cluster,
    takenBy,
  };
}

/** Every notification that failed, and all of the current cycle's: what a person checks first. */
function notificationRows(cycles: CycleDoc[], current: number): Array<Array<string | number>> {
  return cycles.flatMap((c) =>
    Object.values(c.notifications)
      .filter((r) => r.status === 'failed' || c.n === current)
      .sort((a, b) => a.at.localeCompare(b.at))
      .map((r) => [c.n, r.sink, r.event, r.status, r.attempts, r.at.slice(11, 19), r.reason ?? '']),
  );
}
