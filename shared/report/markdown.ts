import type { CycleDoc, LoopDoc } from '../loop/model.js';

/**
 * Markdown reports. Every figure comes from the stored documents; everything a test printed
 * is escaped so it cannot break the layout or inject links.
 */

/** Escapes text for a Markdown table cell or paragraph: no markup, no links, no HTML. */
export function escapeMd(text: string, max = 300): string {
  const cut = text.length > max ? `${text.slice(0, max)}… (${text.length - max} more characters)` : text;
  return cut
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '')
    .replace(/\r?\n/g, ' ')
    .replace(/([\\`*_{}\[\]()#+\-.!|<>~])/g, '\\$1');
}

export function pct(rate: number | null | undefined): string {
  return rate === null || rate === undefined ? 'n/a' : `${(rate * 100).toFixed(1)} %`;
}

export function shortCommit(commit: string | undefined): string {
  return commit ? commit.slice(0, 8) : '(unknown)';
}

/** The report of one cycle: summary first, then what failed and why. */
export function renderCycleReport(loop: LoopDoc, cycle: CycleDoc): string {
  const t = cycle.totals;
  const lines: string[] = [];
  lines.push(`# ${escapeMd(loop.loopId)}: cycle ${cycle.n}: ${cycle.verdict ?? cycle.phase}`);
  lines.push('');
  lines.push(`- **Verdict:** ${cycle.verdict ?? 'none yet'}: ${escapeMd(cycle.verdictReason ?? '', 1000)}`);
  lines.push(`- **Pass rate:** ${pct(cycle.passRate)}${t ? ` (${t.passed} passed, ${t.failed} failed, ${t.errors} errors, ${t.skipped} skipped of ${t.tests})` : ''}`);
  lines.push(`- **Commit:** \`${shortCommit(cycle.commit)}\` on ${escapeMd(cycle.branch ?? loop.config.branch)}, ${escapeMd(cycle.reason ?? '')}`);
  lines.push(`- **Next:** ${escapeMd(cycle.nextAction ?? '', 500)}`);
  lines.push('');
  lines.push('## Deployment');
  lines.push('');
  lines.push('| service | revision | ready | health |');
  lines.push('|---|---|---|---|');
  for (const s of cycle.services) {
    const h = cycle.health.find((x) => x.service === s.name);
    const health = h ? (h.ok ? `ok ${h.status ?? ''} in ${h.latencyMs ?? '?'} ms` : `failing: ${escapeMd(String(h.status ?? h.error ?? ''))}`) : 'not probed';
    lines.push(`| ${escapeMd(s.name)} | ${escapeMd(s.revision ?? '')} | ${s.ready ? 'yes' : `no: ${escapeMd(s.error ?? '')}`} | ${health} |`);
  }
  if (cycle.testJob?.skippedReason) lines.push('', `Tests were not run: ${escapeMd(cycle.testJob.skippedReason, 1000)}`);
  if (cycle.rejected.length > 0) {
    lines.push('', '## Result files that could not be read', '');
    for (const r of cycle.rejected.slice(0, 20)) lines.push(`- \`${escapeMd(r.path)}\`: ${escapeMd(r.reason)}`);
  }
  lines.push('');
  return lines.join('\n');
}

/** The report of a whole loop: the verdict, then the progression across cycles. */
export function renderLoopReport(loop: LoopDoc, cycles: CycleDoc[]): string {
  const lines: string[] = [];
  const last = cycles.filter((c) => c.phase === 'done').at(-1);
  lines.push(`# Loop ${escapeMd(loop.loopId)}: ${loop.status}`);
  lines.push('');
  lines.push(`${escapeMd(loop.statusReason ?? '', 1000)}`);
  lines.push('');
  lines.push('| cycle | commit | trigger | tests | passed | failed | pass rate | verdict |');
  lines.push('|---|---|---|---|---|---|---|---|');
  for (const c of cycles) {
    const t = c.totals;
    lines.push(
      `| ${c.n} | \`${shortCommit(c.commit)}\` | ${c.trigger ?? ''} | ${t?.tests ?? ''} | ${t?.passed ?? ''} | ${t ? t.failed + t.errors : ''} | ${pct(c.passRate)} | ${c.verdict ?? c.phase} |`,
    );
  }
  if (last?.report) {
    lines.push('', '---', '', last.report.replace(/^# /m, '## Last cycle: '));
  }
  return lines.join('\n');
}
