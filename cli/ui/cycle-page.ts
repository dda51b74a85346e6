import type { CycleDoc, LoopDoc } from '../../shared/domain/model.js';
import { caseName, readAnalysis, type ReportAnalysis } from '../../shared/report/markdown.js';
import { badge, cut, html, layout, pct, seconds, short, when, type Html } from './html.js';

/**
 * `/loops/:id/cycles/:n`: the verdict, what failed grouped by cause with its five whys and
 * their evidence, what changed since the previous cycle, performance, the deployment. Every
 * message, log line and name here came from a test run or a deploy: all of it is escaped.
 */
export function cyclePage(loop: LoopDoc, cycle: CycleDoc, where: string): Html {
  const a = readAnalysis(cycle);
  const id = encodeURIComponent(loop.loopId);
  const t = cycle.totals;
  const body = html`<h1>${loop.loopId} · cycle ${cycle.n} ${badge(cycle.verdict ?? cycle.phase)}</h1>
<p class="reason">${cycle.verdictReason ?? 'no verdict yet'}</p>
<p><strong>Next:</strong> ${cycle.nextAction ?? 'wait for the cycle to finish'}</p>
<table class="totals">
  <thead><tr><th>phase</th><th>commit</th><th>trigger</th><th>pass rate</th><th>tests</th><th>passed</th><th>failed</th><th>errors</th><th>skipped</th><th>flaky</th><th>test time</th></tr></thead>
  <tbody><tr>
    <td>${badge(cycle.phase)}</td><td><code>${short(cycle.commit)}</code></td><td>${cycle.trigger ?? '–'}</td>
    <td class="num">${pct(cycle.passRate)}</td><td class="num">${t?.tests ?? '–'}</td><td class="num">${t?.passed ?? '–'}</td>
    <td class="num">${t?.failed ?? '–'}</td><td class="num">${t?.errors ?? '–'}</td><td class="num">${t?.skipped ?? '–'}</td>
    <td class="num">${t?.flaky ?? '–'}</td><td class="num">${seconds(t?.durationMs)}</td>
  </tr></tbody>
</table>
${cycle.reason ? html`<p class="muted">${cycle.reason}</p>` : ''}
${cycle.testJob?.skippedReason ? html`<p class="warn">Tests were not run: ${cycle.testJob.skippedReason}</p>` : ''}
${failures(a)}
${diff(a)}
${reality(a)}
${performance(a)}
${deployment(cycle)}
${phases(cycle)}
<section class="live-log"><h2>Live</h2><ol id="events" class="events"><li class="empty">Events of this loop appear here as they happen.</li></ol></section>`;
  return layout(
    { title: `${loop.loopId} cycle ${cycle.n}`, crumbs: [[loop.loopId, `/loops/${id}`], [`cycle ${cycle.n}`, `/loops/${id}/cycles/${cycle.n}`]], live: loop.loopId, where },
    body,
  );
}

function failures(a: ReportAnalysis): Html {
  if (a.clusters.length === 0 && a.failing.length === 0) return html``;
  if (a.clusters.length === 0) {
    return html`<section><h2>Failing tests</h2><table><thead><tr><th>test</th><th>message</th></tr></thead><tbody>
${a.failing.slice(0, 50).map((f) => html`<tr><td>${caseName(f.id)}</td><td><pre class="msg">${cut(f.message ?? '', 600)}</pre></td></tr>`)}
</tbody></table></section>`;
  }
  return html`<section class="clusters"><h2>Failures by cause</h2>
${a.clusters.map(
  (c) => html`<article class="cluster" data-category="${c.category}">
  <h3>${c.category}: ${c.count} test${c.count === 1 ? '' : 's'}${c.confidence !== undefined ? html` <span class="muted">confidence ${c.confidence.toFixed(2)}</span>` : ''}</h3>
  <p>Signature <code>${cut(c.signature, 200)}</code></p>
  <p>Tests: ${c.tests.slice(0, 12).map((t, i) => html`${i ? ', ' : ''}<code>${caseName(t)}</code>`)}${c.count > Math.min(12, c.tests.length) ? ` and ${c.count - Math.min(12, c.tests.length)} more` : ''}</p>
  ${c.example?.message ? html`<pre class="msg">${cut(c.example.message, 1200)}</pre>` : ''}
  ${c.evidence.length ? html`<details><summary>Evidence (${c.evidence.length})</summary><pre class="evidence">${c.evidence.map((e) => cut(e, 600)).join('\n')}</pre></details>` : ''}
  ${c.whys.length
    ? html`<ol class="whys">${c.whys.map(
        (w) => html`<li><strong>${w.question}</strong> ${w.answer}${w.evidence.length ? html`<ul class="why-evidence">${w.evidence.slice(0, 4).map((e) => html`<li><code>${cut(e, 400)}</code></li>`)}</ul>` : ''}</li>`,
      )}</ol>`
    : ''}
  ${c.rootCause || c.fix ? html`<p class="root"><strong>Most probable root cause:</strong> ${c.rootCause ?? 'unknown'}. <strong>Fix first:</strong> ${c.fix ?? 'see the evidence'}</p>` : ''}
</article>`,
)}</section>`;
}

function idList(ids: string[] | undefined): Html {
  if (!ids?.length) return html`<span class="muted">none</span>`;
  return html`${ids.slice(0, 20).map((t, i) => html`${i ? ', ' : ''}<code>${caseName(t)}</code>`)}${ids.length > 20 ? ` and ${ids.length - 20} more` : ''}`;
}

function diff(a: ReportAnalysis): Html {
  const d = a.diff;
  if (!d) return html``;
  return html`<section><h2>Since the previous cycle</h2><table class="kv diff">
  <tr><th>fixed</th><td>${idList(d.fixed)}</td></tr>
  <tr><th>newly failing</th><td>${idList(d.regressions)}</td></tr>
  <tr><th>still failing</th><td>${idList(d.stillFailing)}</td></tr>
  <tr><th>flaky</th><td>${idList(d.flaky)}</td></tr>
  <tr><th>added</th><td>${idList(d.added)}</td></tr>
  <tr><th>removed</th><td>${idList(d.removed)}</td></tr>
</table></section>`;
}

function reality(a: ReportAnalysis): Html {
  if (a.reality.length === 0) return html``;
  return html`<section><h2>Are the tests real?</h2><ul>${a.reality.map((r) => html`<li>${badge(r.severity)} ${r.message}${r.tests.length ? html`: ${idList(r.tests.slice(0, 5))}` : ''}</li>`)}</ul></section>`;
}

function performance(a: ReportAnalysis): Html {
  if (a.performance.length === 0) return html``;
  return html`<section><h2>Performance, measured by the loop</h2><table>
  <thead><tr><th>target</th><th>measured</th><th>limit</th><th>met</th><th>reported by tests</th></tr></thead><tbody>
  ${a.performance.map(
    (p) => html`<tr><td>${p.name}</td><td class="num">${p.measuredMs == null ? 'n/a' : `${p.statistic ?? ''} ${p.measuredMs.toFixed(1)} ms`}</td><td class="num">${p.targetMs ?? '–'} ms</td>
    <td>${p.met === undefined ? '–' : p.met ? badge('succeeded') : badge('failed')}</td><td>${p.reportedMs == null ? '–' : `${p.reportedMs} ms`}${p.note ? ` (${p.note})` : ''}</td></tr>`,
  )}
  </tbody></table></section>`;
}

function deployment(cycle: CycleDoc): Html {
  return html`<section><h2>Deployment</h2>
<p>Build <code>${cycle.buildId ?? '–'}</code> of <code>${short(cycle.commit)}</code> on ${cycle.branch ?? '–'}</p>
<table><thead><tr><th>service</th><th>revision</th><th>ready</th><th>health</th><th>URL</th></tr></thead><tbody>
${cycle.services.map((s) => {
  const h = cycle.health.find((x) => x.service === s.name);
  return html`<tr><td>${s.name}</td><td><code>${s.revision ?? '–'}</code></td><td>${s.ready ? 'yes' : html`no: <code>${s.error ?? ''}</code>`}</td>
  <td>${h ? (h.ok ? `ok (${h.status ?? ''}, ${h.latencyMs ?? '?'} ms)` : html`failing: <code>${String(h.status ?? h.error ?? '')}</code>`) : 'not probed'}</td><td><code>${s.url ?? '–'}</code></td></tr>`;
})}
</tbody></table>
${cycle.deployLogExcerpt ? html`<details><summary>What the deploy step printed</summary><pre class="log">${cut(cycle.deployLogExcerpt, 8000)}</pre></details>` : ''}
${cycle.rejected.length ? html`<h3>Result files that could not be read</h3><ul>${cycle.rejected.map((r) => html`<li><code>${r.path}</code>: ${r.reason}</li>`)}</ul>` : ''}
${cycle.suites.length ? html`<h3>Suites</h3><table><thead><tr><th>suite</th><th>tests</th><th>passed</th><th>failed</th><th>errors</th><th>skipped</th><th>time</th></tr></thead><tbody>
${cycle.suites.slice(0, 50).map((s) => html`<tr><td>${s.name}</td><td class="num">${s.tests}</td><td class="num">${s.passed}</td><td class="num">${s.failed}</td><td class="num">${s.errors}</td><td class="num">${s.skipped}</td><td class="num">${seconds(s.durationMs)}</td></tr>`)}
</tbody></table>` : ''}
</section>`;
}

function phases(cycle: CycleDoc): Html {
  const entries = Object.entries(cycle.phaseAt).sort(([, x], [, y]) => x.localeCompare(y));
  return html`<section><h2>Phases</h2><table class="kv">${entries.map(([phase, at]) => html`<tr><th>${phase}</th><td>${when(at)}</td></tr>`)}
${cycle.overheadMs !== undefined ? html`<tr><th>orchestration overhead</th><td>${cycle.overheadMs} ms</td></tr>` : ''}</table></section>`;
}
