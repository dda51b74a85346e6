import { z } from 'zod';
import { ClusterLabel } from '../domain/labels.js';
import type { FailureCluster } from './clusters.js';
import type { ClassificationRule } from '../config/loop-config.js';

export { ClusterLabel };

/** The cluster's label, when a person gave one: what reports and status show. */
export interface LabelMark {
  by: 'person';
  at: string;
  who?: string;
  previousCategory: string;
  cycle: number;
}

export type LabelledCluster<C extends FailureCluster> = C & { label?: LabelMark };

/**
 * Gives each cluster the category of the latest label with its signature. The signature is
 * kept, so the same-failure guard still follows the failure across the relabelling.
 */
export function applyLabels<C extends FailureCluster>(clusters: readonly C[], labels: readonly ClusterLabel[]): Array<LabelledCluster<C>> {
  if (labels.length === 0) return [...clusters];
  const latest = new Map<string, ClusterLabel>();
  for (const l of [...labels].sort((a, b) => a.labelledAt.localeCompare(b.labelledAt))) latest.set(l.signature, l);
  return clusters.map((c) => {
    const l = latest.get(c.signature);
    if (!l) return c;
    const label: LabelMark = { by: 'person', at: l.labelledAt, previousCategory: c.category, cycle: l.cycle, ...(l.labelledBy ? { who: l.labelledBy } : {}) };
    return { ...c, category: l.category, confidence: 1, rule: l.why ?? `labelled ${l.category} by a person on ${l.labelledAt.slice(0, 10)}`, label };
  });
}

/** What each placeholder of a normalized signature stood for (signature.ts). */
const PLACEHOLDERS: Record<string, string> = {
  '<n>': String.raw`\d+(?:\.\d+)?`,
  '<hex>': String.raw`(?:0x)?[0-9a-f]+`,
  '<uuid>': String.raw`[0-9a-f-]{36}`,
  '<time>': String.raw`\d{4}-\d{2}-\d{2}[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?`,
  '<addr>': String.raw`[\w.:\[\]-]+`,
  '<host>': String.raw`[^\s/"'\x60]+`,
  '<tmp>': String.raw`\S+`,
  '<value>': String.raw`[^"'\x60\n]*`,
};

/** A regular expression matching the failures a signature stands for (case-insensitive, as rules are). */
export function patternOf(signature: string): string {
  const core = signature.replace(/^[\w-]+: /, '').replace(/… #[0-9a-f]{8}$/, '');
  return core
    .split(/(<n>|<hex>|<uuid>|<time>|<addr>|<host>|<tmp>|<value>)/)
    .map((part, i) => {
      if (i % 2 === 1) return PLACEHOLDERS[part]!;
      return part
        .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
        .replace(/["']/g, String.raw`\\?["']`)
        .replace(/ /g, String.raw`\s+`);
    })
    .join('');
}

/** The labels as `classification.rules` for a loop config: most recent verdict per signature. */
export function rulesFromLabels(labels: readonly ClusterLabel[]): ClassificationRule[] {
  const latest = new Map<string, ClusterLabel>();
  for (const l of [...labels].sort((a, b) => a.labelledAt.localeCompare(b.labelledAt))) latest.set(l.signature, l);
  return [...latest.values()].map((l) => ({
    category: l.category,
    pattern: patternOf(l.signature),
    confidence: 0.95,
    why: l.why ?? `labelled ${l.category} by a person on ${l.labelledAt.slice(0, 10)} (cycle ${l.cycle}, was ${l.previousCategory})`,
  }));
}

/** What `tdl label` reads of a stored cluster. */
const StoredCluster = z.object({
  signature: z.string(),
  category: z.string(),
  tests: z.array(z.string()).default([]),
  label: z.object({ previousCategory: z.string() }).partial().optional(),
});

/**
 * A person's label for cluster `k` (1-based, as reports number them) of a stored cycle, or
 * why there is none to label. The category the rules gave is kept, even when the cluster
 * had already taken an earlier label.
 */
export function labelFor(
  cycle: { n: number; analysis?: Record<string, unknown> },
  k: number,
  verdict: { category: ClusterLabel['category']; why?: string; by?: string; at: string },
): ClusterLabel | { problem: string } {
  const clusters = z.array(StoredCluster).safeParse(cycle.analysis?.clusters ?? []);
  if (!clusters.success) return { problem: `cycle ${cycle.n}'s analysis holds no readable clusters` };
  const list = clusters.data;
  if (list.length === 0) return { problem: `cycle ${cycle.n} has no failure clusters${cycle.analysis ? '' : ' (it was not analyzed yet)'}` };
  const c = list[k - 1];
  if (!c) return { problem: `cycle ${cycle.n} has ${list.length} cluster${list.length === 1 ? '' : 's'}: --cluster is 1 to ${list.length}` };
  return ClusterLabel.parse({
    signature: c.signature,
    category: verdict.category,
    ...(verdict.why ? { why: verdict.why.slice(0, 500) } : {}),
    previousCategory: c.label?.previousCategory ?? c.category,
    labelledAt: verdict.at,
    ...(verdict.by ? { labelledBy: verdict.by } : {}),
    cycle: cycle.n,
    cluster: k,
    ...(c.tests[0] ? { example: c.tests[0] } : {}),
  });
}
