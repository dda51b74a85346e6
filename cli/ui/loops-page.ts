import type { LoopSummary } from '../commands/status.js';
import { badge, html, layout, pct, when, type Html } from './html.js';

/** `/`: every loop with its status, current cycle and phase, pass rate and next action. */
export function loopsPage(loops: LoopSummary[], where: string): Html {
  const body = loops.length
    ? html`<h1>Loops</h1>
<table class="loops">
  <thead><tr><th>loop</th><th>status</th><th>cycle</th><th>phase</th><th>pass rate</th><th>next action</th><th>updated</th></tr></thead>
  <tbody>
  ${loops.map(
    (l) => html`<tr data-loop="${l.loopId}">
    <td><a href="/loops/${encodeURIComponent(l.loopId)}">${l.loopId}</a></td>
    <td>${badge(l.status)}</td>
    <td class="num">${l.cycle}</td>
    <td>${l.phase ? badge(l.phase) : '–'}</td>
    <td class="num">${pct(l.passRate)}</td>
    <td>${l.nextAction}</td>
    <td class="time">${when(l.updatedAt)}</td>
  </tr>`,
  )}
  </tbody>
</table>`
    : html`<h1>Loops</h1><p class="empty">No loops in ${where} yet. Start one with <code>npm start</code> or <code>tdl register</code>.</p>`;
  return layout({ title: 'loops', where, live: '*' }, body);
}
