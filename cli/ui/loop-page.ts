import type { CycleDoc, LoopDoc } from '../../shared/domain/model.js';
import { passRateChart, type ChartPoint } from './chart.js';
import { badge, html, layout, pct, seconds, short, when, type Html } from './html.js';

export interface LoopPageOptions {
  where: string;
  /** The rerun/cancel forms, when the server allows actions. */
  actions?: Html;
  /** What a button just published ("deploy-requested 123"), shown once after the redirect. */
  published?: string;
}

/** `/loops/:id`: status, the pass-rate chart, every cycle with its verdict, criteria and guards. */
export function loopPage(loop: LoopDoc, cycles: CycleDoc[], options: LoopPageOptions): Html {
  const id = encodeURIComponent(loop.loopId);
  const points: ChartPoint[] = cycles
    .filter((c) => c.passRate !== null && c.passRate !== undefined && c.phase !== 'superseded')
    .map((c) => ({ cycle: c.n, passRate: c.passRate!, verdict: c.verdict }));
  const body = html`<h1>${loop.loopId} ${badge(loop.status)}</h1>
<p class="reason">${loop.statusReason ?? ''}</p>
${options.published ? html`<p class="flash">Published ${options.published}; the cycle it starts appears below as it runs.</p>` : ''}
${options.actions ?? ''}
<section>
  <h2>Pass rate by cycle</h2>
  ${passRateChart(points)}
</section>
<section>
  <h2>Cycles</h2>
  ${cycles.length ? cyclesTable(id, cycles) : html`<p class="empty">No cycle yet: waiting for the first deployment.</p>`}
</section>
<div class="columns">
  <section><h2>Criteria</h2>${criteria(loop)}</section>
  <section><h2>Guards</h2>${guards(loop)}</section>
</div>
<section class="live-log"><h2>Live</h2><ol id="events" class="events"><li class="empty">Events of this loop appear here as they happen.</li></ol></section>`;
  return layout({ title: loop.loopId, crumbs: [[loop.loopId, `/loops/${id}`]], live: loop.loopId, where: options.where }, body);
}

function cyclesTable(id: string, cycles: CycleDoc[]): Html {
  return html`<table class="cycles">
  <thead><tr><th>cycle</th><th>commit</th><th>trigger</th><th>phase</th><th>tests</th><th>passed</th><th>failed</th><th>pass rate</th><th>took</th><th>verdict</th><th>why</th></tr></thead>
  <tbody>
  ${[...cycles].reverse().map((c) => {
    const t = c.totals;
    // From the first phase the cycle entered (deploying, or testing when the deploy came from outside) to done.
    const entered = Object.values(c.phaseAt).map(Date.parse).sort((x, y) => x - y)[0];
    const took = c.phaseAt.done && entered !== undefined ? Date.parse(c.phaseAt.done) - entered : null;
    return html`<tr data-cycle="${c.n}">
    <td><a href="/loops/${id}/cycles/${c.n}">${c.n}</a></td>
    <td><code>${short(c.commit)}</code></td>
    <td>${c.trigger ?? '–'}</td>
    <td>${badge(c.phase)}</td>
    <td class="num">${t?.tests ?? '–'}</td>
    <td class="num">${t?.passed ?? '–'}</td>
    <td class="num">${t ? t.failed + t.errors : '–'}</td>
    <td class="num">${pct(c.passRate)}</td>
    <td class="num">${seconds(took)}</td>
    <td>${c.verdict ? badge(c.verdict) : '–'}</td>
    <td>${c.verdictReason ?? (c.supersededBy ? `superseded by cycle ${c.supersededBy}` : '')}</td>
  </tr>`;
  })}
  </tbody>
</table>`;
}

function criteria(loop: LoopDoc): Html {
  const c = loop.config.criteria;
  return html`<table class="kv">
  <tr><th>branch</th><td>${loop.config.branch}</td></tr>
  <tr><th>pass rate at least</th><td>${pct(c.minPassRate)}</td></tr>
  <tr><th>tests at least</th><td>${c.minTests}</td></tr>
  <tr><th>must pass</th><td>${c.mustPass.length ? c.mustPass.join(', ') : 'none named'}</td></tr>
  <tr><th>services</th><td>${loop.config.services.map((s) => `${s.name}${s.critical ? ' (critical)' : ''}`).join(', ')}</td></tr>
</table>`;
}

function guards(loop: LoopDoc): Html {
  const g = loop.config.guards;
  const used = Math.max(0, loop.currentCycle - loop.runStartCycle + 1);
  const minutes = (Date.parse(loop.endedAt ?? new Date().toISOString()) - Date.parse(loop.runStartedAt)) / 60_000;
  const last = loop.history.at(-1)?.failureSignatures ?? [];
  let same = 0;
  for (const h of [...loop.history].reverse()) {
    if (last.length === 0 || h.failureSignatures.join('\n') !== last.join('\n')) break;
    same++;
  }
  return html`<table class="kv">
  <tr><th>cycles</th><td>${used} of ${g.maxCycles}</td></tr>
  <tr><th>redeploys</th><td>${loop.redeploys} of ${g.maxRedeploys}</td></tr>
  <tr><th>time</th><td>${Math.max(0, minutes).toFixed(1)} of ${g.maxDurationMinutes} min</td></tr>
  <tr><th>same failure in a row</th><td>${same} of ${g.sameFailureCycles} cycles</td></tr>
  <tr><th>started</th><td>${when(loop.runStartedAt)}</td></tr>
  <tr><th>ended</th><td>${when(loop.endedAt)}</td></tr>
</table>`;
}
