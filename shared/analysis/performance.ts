import type { PerformanceMeasurement } from '../domain/model.js';
import type { PerformanceTarget } from '../config/loop-config.js';
import type { TestCase } from '../results/model.js';


export type { PerformanceMeasurement };

export interface PerformanceResult {
  name: string;
  statistic: 'p50' | 'p95' | 'max';
  measuredMs: number | null;
  targetMs: number;
  met: boolean;
  /** The figure a test reported for the same thing (a JUnit property), if any. */
  reportedMs: number | null;
  note?: string;
}

/** Percentile by nearest rank. */
export function percentile(samples: number[], p: number): number | null {
  if (samples.length === 0) return null;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function summarizeSamples(target: PerformanceTarget, samples: number[], errors: number): PerformanceMeasurement {
  const round = (n: number | null) => (n === null ? null : Math.round(n * 10) / 10);
  return {
    name: target.name,
    service: target.service,
    path: target.path,
    requests: samples.length + errors,
    errors,
    p50Ms: round(percentile(samples, 50)),
    p95Ms: round(percentile(samples, 95)),
    maxMs: round(samples.length ? Math.max(...samples) : null),
  };
}

/** The first figure any case reported for each metric a target names (`reportedAs`), gathered one case at a time. */
export class ReportedMetrics {
  private readonly wanted: string[];
  private readonly found = new Map<string, number>();

  constructor(targets: readonly PerformanceTarget[]) {
    this.wanted = [...new Set(targets.flatMap((t) => (t.reportedAs ? [t.reportedAs] : [])))];
  }

  add(c: TestCase): void {
    if (!c.metrics || this.found.size === this.wanted.length) return;
    for (const m of this.wanted) if (!this.found.has(m) && c.metrics[m] !== undefined) this.found.set(m, c.metrics[m]);
  }

  get(metric: string): number | null {
    return this.found.get(metric) ?? null;
  }
}

/**
 * Judges each target on the loop's own measurement, never on a figure a test reported;
 * a reported figure is shown beside it and a large disagreement is flagged.
 */
export function judgePerformance(targets: PerformanceTarget[], measured: PerformanceMeasurement[], cases: readonly TestCase[] | ReportedMetrics): PerformanceResult[] {
  let reportedMetrics = cases;
  if (!(reportedMetrics instanceof ReportedMetrics)) {
    reportedMetrics = new ReportedMetrics(targets);
    for (const c of cases as readonly TestCase[]) reportedMetrics.add(c);
  }
  const figures = reportedMetrics;
  return targets.map((t) => {
    const m = measured.find((x) => x.name === t.name);
    const value = m ? (t.statistic === 'p50' ? m.p50Ms : t.statistic === 'max' ? m.maxMs : m.p95Ms) : null;
    const reported = t.reportedAs ? figures.get(t.reportedAs) : null;
    const notes: string[] = [];
    if (!m) notes.push('not measured: the service was not deployed');
    else if (m.errors > 0) notes.push(`${m.errors} of ${m.requests} requests failed`);
    if (reported !== null && value !== null && Math.abs(reported - value) > Math.max(5, 0.5 * value)) {
      notes.push(`a test reported ${reported} ms, the loop measured ${value} ms: the reported figure is not trusted`);
    }
    return {
      name: t.name,
      statistic: t.statistic,
      measuredMs: value,
      targetMs: t.maxMs,
      met: value !== null && value <= t.maxMs && (m?.errors ?? 0) === 0,
      reportedMs: reported,
      ...(notes.length ? { note: notes.join('; ') } : {}),
    };
  });
}
