import { html, type Html } from './html.js';

export interface ChartPoint {
  cycle: number;
  passRate: number;
  verdict?: string;
}

const W = 720;
const H = 240;
const PAD = { left: 56, right: 40, top: 30, bottom: 32 };

/**
 * The pass rate across cycles as an SVG line chart, drawn on the server: one circle per cycle
 * (data-cycle, data-pass-rate), a 0-100 % axis, the cycle numbers below. No script, no library.
 */
export function passRateChart(points: ChartPoint[]): Html {
  if (points.length === 0) return html`<p class="empty">No cycle has a pass rate yet.</p>`;
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const step = points.length > 1 ? plotW / (points.length - 1) : 0;
  const x = (i: number) => round(PAD.left + (points.length > 1 ? i * step : plotW / 2));
  const y = (rate: number) => round(PAD.top + (1 - Math.min(1, Math.max(0, rate))) * plotH);
  const line = points.map((p, i) => `${x(i)},${y(p.passRate)}`).join(' ');
  const grid = [0, 0.25, 0.5, 0.75, 1];
  return html`<svg class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="pass rate by cycle">
  <title>Pass rate by cycle: ${points.map((p) => `cycle ${p.cycle} ${(p.passRate * 100).toFixed(1)} %`).join(', ')}</title>
  ${grid.map((g) => html`<line class="grid" x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(g)}" y2="${y(g)}"></line><text class="axis" x="${PAD.left - 6}" y="${y(g) + 4}" text-anchor="end">${g * 100} %</text>`)}
  <polyline class="line" points="${line}"></polyline>
  ${points.map(
    (p, i) => html`<g class="point ${p.verdict ?? ''}" data-cycle="${p.cycle}" data-pass-rate="${p.passRate}">
    <circle cx="${x(i)}" cy="${y(p.passRate)}" r="5"><title>cycle ${p.cycle}: ${(p.passRate * 100).toFixed(1)} %${p.verdict ? `, ${p.verdict}` : ''}</title></circle>
    <text class="value" x="${x(i)}" y="${round(Math.max(12, y(p.passRate) - 10))}" text-anchor="middle">${(p.passRate * 100).toFixed(1)} %</text>
    <text class="axis" x="${x(i)}" y="${H - 10}" text-anchor="middle">cycle ${p.cycle}</text>
  </g>`,
  )}
</svg>`;
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
