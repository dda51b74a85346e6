import { z } from 'zod';
import type { CycleDoc, LoopDoc } from '../domain/model.js';
import { AnalysisFacts } from '../domain/decisions.js';

/**
 * Markdown reports. Every figure comes from the stored documents. Whatever a test or a
 * deployment printed is untrusted: it goes into code spans or fenced blocks, so it cannot
 * break the layout, render markup or become a link.
 */

/** Our own short text (ids, reasons we wrote): only the characters that would make markup. */
export function escapeMd(text: string, max = 300): string {
  const clean = cut(text, max)
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '')
    .replace(/\r?\n/g, ' ');
  // Viewers turn bare URLs into links, `@name` into a mention and `#12` into a cross-reference
  // that notifies: each goes into a code span, where it stays text.
  return clean
    .split(LIVE_TEXT)
    .map((part, i) => (i % 2 === 1 ? code(part, 200) : part.replace(/([\\`*_[\]<>|~!#])/g, '\\$1')))
    .join('');
}

const LIVE_TEXT = /((?:[a-z][a-z0-9+.-]*:\/\/|www\.)[^\s<>"'`]+|[^\s<>"'`()[\]]*@[A-Za-z0-9][^\s<>"'`()[\]]*|(?:[\w.-]+\/[\w.-]+)?#\d+|\bGH-\d+)/i;

/** Untrusted text inline: a code span, with a fence longer than any backtick run inside it. */
export function code(text: string, max = 200): string {
  const clean = cut(text, max)
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '')
    .replace(/\r?\n/g, ' ')
    .replace(/\|/g, '\\|');
  if (clean.trim() === '') return '` `';
  const longest = Math.max(0, ...(clean.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longest + 1);
  const pad = clean.startsWith('`') || clean.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${clean}${pad}${fence}`;
}

/** Untrusted text as a block: a fenced code block the text cannot close. */
export function block(text: string, maxLines = 12): string {
  const lines = text.replace(/[\u0000-\u0008\u000b-\u000c\u000e-\u001f\u007f]/g, '').split(/\r?\n/);
  const shown = lines.slice(0, maxLines).map((l) => cut(l, 240));
  if (lines.length > maxLines) shown.push(`… ${lines.length - maxLines} more lines`);
  const body = shown.join('\n');
  const longest = Math.max(2, ...(body.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}text\n${body}\n${fence}`;
}

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}… (${text.length - max} more characters)` : text;
}

export function pct(rate: number | null | undefined): string {
  return rate === null || rate === undefined ? 'n/a' : `${(rate * 100).toFixed(1)} %`;
}

export function shortCommit(commit: string | undefined): string {
  return commit ? commit.slice(0, 8) : '(unknown)';
}

/** The parts of a stored analysis the report shows; each is optional, and read leniently. */
const Cluster = z.object({
  signature: z.string(),
  category: z.string(),
  confidence: z.number().optional(),
  count: z.number(),
  tests: z.array(z.string()).default([]),
  suites: z.array(z.string()).default([]),
  evidence: z.array(z.string()).default([]),
  example: z.object({ test: z.string(), message: z.string().optional() }).partial().optional(),
  whys: z.array(z.object({ question: z.string(), answer: z.string(), evidence: z.array(z.string()).default([]) })).default([]),
  rootCause: z.string().optional(),
  fix: z.string().optional(),
  analyzer: z.string().optional(),
  analyzerNote: z.string().optional(),
  label: z.object({ at: z.string(), previousCategory: z.string(), who: z.string().optional(), cycle: z.number().optional() }).optional(),
});
type Cluster = z.infer<typeof Cluster>;
const IdList = z.array(z.string()).default([]);
const ReportAnalysis = z.object({
  facts: AnalysisFacts.optional(),
  clusters: z.array(Cluster).default([]),
  failing: z.array(z.object({ id: z.string(), message: z.string().optional() })).default([]),
  diff: z
    .object({
      regressions: IdList,
      fixed: IdList,
      stillFailing: IdList,
      flaky: IdList,
      added: IdList,
      removed: IdList,
      counts: z.record(z.string(), z.number()).optional(),
    })
    .partial()
    .nullish(),
  reality: z
    .array(z.object({ kind: z.string(), severity: z.string(), tests: IdList, message: z.string() }))
    .default([]),
  performance: z
    .array(
      z.object({
        name: z.string(),
        statistic: z.string().optional(),
        measuredMs: z.number().nullable().optional(),
        targetMs: z.number().optional(),
        met: z.boolean().optional(),
        reportedMs: z.number().nullable().optional(),
        note: z.string().optional(),
      }),
    )
    .default([]),
});
export type ReportAnalysis = z.infer<typeof ReportAnalysis>;

/** The stored analysis as the reports (Markdown and the dashboard) show it; what does not parse reads as empty. */
export function readAnalysis(cycle: CycleDoc): ReportAnalysis {
  const parsed = ReportAnalysis.safeParse(cycle.analysis ?? {});
  return parsed.success ? parsed.data : ReportAnalysis.parse({});
}

const MAX_CLUSTERS = 8;
const MAX_LIST = 10;

/**
 * Names a case by its id (suite::class::name::file) as its runner's users would: a pytest
 * node id (tests/test_comments.py::TestThreads::test_replies) for a Python file, else "suite › name".
 */
export function caseName(id: string): string {
  const parts = id.split('::');
  const [suite, , name] = parts;
  if (!name) return id;
  // The class may hold '::' itself (nested classes); the file is always last.
  if (suite?.endsWith('.py')) return parts.slice(0, -1).filter(Boolean).join('::');
  return `${suite} › ${name}`;
}

function list(ids: string[], max = MAX_LIST): string {
  if (ids.length === 0) return 'none';
  const shown = ids.slice(0, max).map((id) => code(caseName(id), 120)).join(', ');
  return ids.length > max ? `${shown} and ${ids.length - max} more` : shown;
}

/** The report of one cycle: summary first, then what failed and why, then the details. */
export function renderCycleReport(loop: LoopDoc, cycle: CycleDoc, options: { progression?: boolean } = {}): string {
  const a = readAnalysis(cycle);
  const lines: string[] = [...summary(loop, cycle, a)];
  const series = [
    ...loop.history.filter((h) => h.cycle < cycle.n && h.passRate !== null).map((h) => ({ n: h.cycle, passRate: h.passRate })),
    ...(cycle.passRate !== null && cycle.passRate !== undefined ? [{ n: cycle.n, passRate: cycle.passRate }] : []),
  ];
  if (series.length > 1 && options.progression !== false) lines.push(...progression(series), '');
  lines.push(...failures(a), ...realityAndPerformance(a), ...changes(a), ...suitesAndFiles(cycle), ...deployment(cycle));
  lines.push('', ...guards(loop, cycle), '');
  return lines.join('\n');
}

type Analysis = ReturnType<typeof readAnalysis>;

/** The verdict, the figures against the previous cycle, the commit. */
function summary(loop: LoopDoc, cycle: CycleDoc, a: Analysis): string[] {
  const t = cycle.totals;
  const previous = [...loop.history].filter((h) => h.cycle < cycle.n).sort((x, y) => y.cycle - x.cycle)[0];
  const lines: string[] = [];
  lines.push(`# ${escapeMd(loop.loopId)} · cycle ${cycle.n} · ${cycle.verdict ?? cycle.phase}`, '');
  lines.push(`**${cycle.verdict ?? cycle.phase}**: ${escapeMd(cycle.verdictReason ?? 'no verdict yet', 1000)}  `);
  lines.push(`**Next:** ${escapeMd(cycle.nextAction ?? 'wait for the cycle to finish', 500)}`, '');
  if (t) {
    const delta = previous?.passRate !== null && previous?.passRate !== undefined && cycle.passRate != null ? ` (${signed((cycle.passRate - previous.passRate) * 100)} pts)` : '';
    lines.push('| pass rate | tests | passed | failed | errors | skipped | flaky | test time |', '|---|---|---|---|---|---|---|---|');
    lines.push(`| ${pct(cycle.passRate)}${delta} | ${t.tests} | ${t.passed} | ${t.failed} | ${t.errors} | ${t.skipped} | ${t.flaky} | ${(t.durationMs / 1000).toFixed(2)} s |`, '');
  } else if (cycle.testJob?.skippedReason) {
    lines.push(`Tests were not run: ${escapeMd(cycle.testJob.skippedReason, 1000)}`, '');
  }
  lines.push(`**Commit:** \`${shortCommit(cycle.commit)}\`${previous && previous.commit !== cycle.commit ? ` (cycle ${previous.cycle} ran \`${shortCommit(previous.commit)}\`)` : ''} on ${escapeMd(cycle.branch ?? loop.config.branch)}; ${escapeMd(cycle.reason ?? '', 300)}`);
  const d = a.diff;
  if (d) {
    lines.push('', `**Since the previous cycle:** ${d.fixed?.length ?? 0} fixed, ${d.regressions?.length ?? 0} newly failing, ${d.stillFailing?.length ?? 0} still failing, ${d.flaky?.length ?? 0} flaky, ${d.added?.length ?? 0} added, ${d.removed?.length ?? 0} removed.`);
  }
  lines.push('');

  return lines;
}

/** The failure clusters with their five whys, or the failing tests when nothing was clustered. */
function failures(a: Analysis): string[] {
  const lines: string[] = [];
  if (a.clusters.length > 0) {
    lines.push(...clusterSection(a.clusters));
  } else if (a.failing.length > 0) {
    lines.push('## Failing tests', '');
    lines.push('| test | message |', '|---|---|');
    for (const f of a.failing.slice(0, 20)) lines.push(`| ${code(caseName(f.id), 120)} | ${code(f.message ?? '', 200)} |`);
    const total = a.facts?.failing ?? a.failing.length;
    if (total > 20) lines.push('', `… and ${total - 20} more failing tests not shown.`);
    lines.push('');
  }

  return lines;
}

function realityAndPerformance(a: Analysis): string[] {
  const lines: string[] = [];
  if (a.reality.length > 0) {
    lines.push('## Are the tests real?', '');
    for (const r of a.reality.slice(0, 10)) lines.push(`- **${escapeMd(r.severity)}** ${escapeMd(r.message, 400)}${r.tests.length ? `: ${list(r.tests, 5)}` : ''}`);
    lines.push('');
  }
  if (a.performance.length > 0) {
    lines.push('## Performance, measured by the loop', '', '| target | measured | limit | met | reported by tests |', '|---|---|---|---|---|');
    for (const p of a.performance) {
      lines.push(`| ${escapeMd(p.name)} | ${p.measuredMs == null ? 'n/a' : `${p.statistic ?? ''} ${p.measuredMs.toFixed(1)} ms`} | ${p.targetMs ?? '-'} ms | ${p.met === undefined ? '-' : p.met ? 'yes' : '**no**'} | ${p.reportedMs == null ? '-' : `${p.reportedMs} ms`}${p.note ? ` (${escapeMd(p.note, 200)})` : ''} |`);
    }
    lines.push('');
  }
  return lines;
}

function changes(a: Analysis): string[] {
  const d = a.diff;
  const lines: string[] = [];
  if (d && ((d.regressions?.length ?? 0) + (d.fixed?.length ?? 0) + (d.flaky?.length ?? 0) > 0)) {
    lines.push('## Changes since the previous cycle', '');
    lines.push(`- Newly failing: ${list(d.regressions ?? [])}`);
    lines.push(`- Fixed: ${list(d.fixed ?? [])}`);
    lines.push(`- Flaky: ${list(d.flaky ?? [])}`, '');
  }
  return lines;
}

function suitesAndFiles(cycle: CycleDoc): string[] {
  const lines: string[] = [];
  if (cycle.suites.length > 0) {
    lines.push('## Suites', '', '| suite | tests | passed | failed | errors | skipped | time |', '|---|---|---|---|---|---|---|');
    for (const s of cycle.suites.slice(0, 15)) lines.push(`| ${code(s.name, 80)} | ${s.tests} | ${s.passed} | ${s.failed} | ${s.errors} | ${s.skipped} | ${(s.durationMs / 1000).toFixed(2)} s |`);
    if (cycle.suites.length > 15) lines.push('', `… and ${cycle.suites.length - 15} more suites not shown.`);
    lines.push('');
  }
  if (cycle.rejected.length > 0) {
    lines.push('## Result files that could not be read', '');
    for (const r of cycle.rejected.slice(0, 10)) lines.push(`- ${code(r.path, 120)}: ${code(r.reason, 300)}`);
    lines.push('');
  }
  return lines;
}

function deployment(cycle: CycleDoc): string[] {
  const lines: string[] = [];
  lines.push('## Deployment', '', '| service | revision | ready | health | URL |', '|---|---|---|---|---|');
  for (const s of cycle.services) {
    const h = cycle.health.find((x) => x.service === s.name);
    const health = h ? (h.ok ? `ok (${h.status ?? ''}, ${h.latencyMs ?? '?'} ms)` : `failing: ${code(String(h.status ?? h.error ?? ''), 80)}`) : 'not probed';
    lines.push(`| ${escapeMd(s.name)} | ${code(s.revision ?? '-', 80)} | ${s.ready ? 'yes' : `no: ${code(s.error ?? '', 160)}`} | ${health} | ${s.url ? code(s.url, 120) : '-'} |`);
  }
  return lines;
}

/** Failures by cause: each cluster numbered (as `tdl label --cluster K` counts), with its whys. */
function clusterSection(clusters: Cluster[]): string[] {
  const lines = ['## Failures by cause', ''];
  clusters.slice(0, MAX_CLUSTERS).forEach((c, i) => {
    lines.push(`### ${escapeMd(c.category)}: ${c.count} test${c.count === 1 ? '' : 's'}${c.confidence !== undefined ? ` (confidence ${c.confidence.toFixed(2)})` : ''} · cluster ${i + 1}`, '');
    if (c.label) {
      lines.push(`Labelled **${escapeMd(c.category)}** by a person on ${escapeMd(c.label.at.slice(0, 10))}${c.label.who ? ` (${escapeMd(c.label.who, 60)})` : ''}; the rules said ${escapeMd(c.label.previousCategory)}.`, '');
    }
    lines.push(`Signature ${code(c.signature, 160)}. Tests: ${list(c.tests.length ? c.tests : [], 6)}${c.count > c.tests.length ? ` (${c.count} in all)` : ''}.`, '');
    if (c.evidence.length) lines.push(block(c.evidence.join('\n'), 6), '');
    if (c.whys.length) {
      c.whys.forEach((w, k) => lines.push(`${k + 1}. **${escapeMd(w.question, 200)}** ${escapeMd(w.answer, 400)}${w.evidence.length ? ` (evidence: ${w.evidence.slice(0, 2).map((e) => code(e, 120)).join('; ')})` : ''}`));
      lines.push('');
    }
    if (c.rootCause || c.fix) lines.push(`**Most probable root cause:** ${escapeMd(c.rootCause ?? 'unknown', 300)}. **Fix first:** ${escapeMd(c.fix ?? 'see the evidence', 300)}`, '');
    if (c.analyzer && c.analyzer !== 'rules') lines.push(`Explained by ${escapeMd(c.analyzer, 80)}${c.analyzerNote ? ` (${escapeMd(c.analyzerNote, 200)})` : ''}.`, '');
    else if (c.analyzerNote) lines.push(`Explained by the rules: ${escapeMd(c.analyzerNote, 300)}.`, '');
  });
  if (clusters.length > MAX_CLUSTERS) {
    const rest = clusters.slice(MAX_CLUSTERS);
    lines.push(`… and ${rest.length} more clusters (${rest.reduce((s, c) => s + c.count, 0)} tests) not shown.`, '');
  }
  return lines;
}

function signed(n: number): string {
  return `${n >= 0 ? '+' : ''}${n.toFixed(1)}`;
}

/** Pass rate across cycles: a table, and a Mermaid chart that renders on GitHub and GitLab. */
function progression(cycles: Array<{ n: number; passRate?: number | null }>): string[] {
  const rates = cycles.map((c) => Math.round((c.passRate ?? 0) * 1000) / 10);
  return [
    '## Pass rate across cycles',
    '',
    '```mermaid',
    'xychart-beta',
    '  title "Pass rate by cycle (%)"',
    `  x-axis [${cycles.map((c) => c.n).join(', ')}]`,
    '  y-axis "pass rate %" 0 --> 100',
    `  line [${rates.join(', ')}]`,
    '```',
  ];
}

function guards(loop: LoopDoc, cycle: CycleDoc): string[] {
  const g = loop.config.guards;
  const used = cycle.n - loop.runStartCycle + 1;
  const minutes = (Date.parse(cycle.phaseAt.done ?? loop.updatedAt) - Date.parse(loop.runStartedAt)) / 60_000;
  return [
    '## Guards',
    '',
    '| guard | used | limit |',
    '|---|---|---|',
    `| cycles | ${used} | ${g.maxCycles} |`,
    `| redeploys | ${loop.redeploys} | ${g.maxRedeploys} |`,
    `| time | ${Math.max(0, minutes).toFixed(1)} min | ${g.maxDurationMinutes} min |`,
    `| same failure in a row | see history | ${g.sameFailureCycles} cycles |`,
  ];
}

/** The report of a whole loop: the outcome, the progression, each cycle's verdict, then the last cycle. */
export function renderLoopReport(loop: LoopDoc, cycles: CycleDoc[]): string {
  const done = cycles.filter((c) => c.phase === 'done');
  const last = done.at(-1);
  const lines: string[] = [];
  lines.push(`# Loop ${escapeMd(loop.loopId)}: ${loop.status}`, '');
  lines.push(`${escapeMd(loop.statusReason ?? '', 1000)}`, '');
  const rated = done.filter((c) => c.passRate !== null && c.passRate !== undefined);
  if (rated.length > 0) {
    lines.push(`${done.length} cycle${done.length === 1 ? '' : 's'}; pass rate ${rated.map((c) => pct(c.passRate)).join(' → ')}.`, '');
  }
  lines.push('| cycle | commit | trigger | tests | passed | failed | pass rate | verdict | why |', '|---|---|---|---|---|---|---|---|---|');
  for (const c of cycles) {
    const t = c.totals;
    lines.push(
      `| ${c.n} | \`${shortCommit(c.commit)}\` | ${c.trigger ?? ''} | ${t?.tests ?? '-'} | ${t?.passed ?? '-'} | ${t ? t.failed + t.errors : '-'} | ${pct(c.passRate)} | ${c.verdict ?? c.phase} | ${escapeMd(c.verdictReason ?? (c.supersededBy ? `superseded by cycle ${c.supersededBy}` : ''), 160)} |`,
    );
  }
  lines.push('');
  if (rated.length > 1) lines.push(...progression(rated), '');
  if (last) {
    lines.push('---', '', renderCycleReport(loop, last, { progression: false }).replace(/^# /, '## Last cycle: ').replace(/^## (?!Last cycle)/gm, '### '));
  }
  return lines.join('\n');
}
