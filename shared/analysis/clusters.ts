import type { TestCase } from '../results/model.js';
import { classifyFailure } from './classify.js';
import type { Rule } from './rules.js';
import { severityRank } from '../config/categories.js';

/** Failures that share one signature: one cause, however many tests it broke. */
export interface FailureCluster {
  signature: string;
  category: string;
  confidence: number;
  /** Every failing case in the cluster; `tests` lists at most MAX_IDS of them. */
  count: number;
  tests: string[];
  suites: string[];
  evidence: string[];
  example: { test: string; message?: string };
  /** Why the deciding rule means this category. */
  rule?: string;
}

const MAX_IDS = 50;
const MAX_SUITES = 20;
const MAX_EXAMPLE_CHARS = 300;

const failing = (c: TestCase) => c.status === 'failed' || c.status === 'error';

/**
 * Groups the failed and errored cases by signature, largest cluster first and, among equals,
 * the most severe category first. Lists are cut so that 10,000 failures stay a small document.
 */
export function clusterFailures(cases: readonly TestCase[], rules?: readonly Rule[]): FailureCluster[] {
  const clusters = new Map<string, FailureCluster>();
  for (const c of cases) {
    if (!failing(c)) continue;
    const k = classifyFailure({ test: c.name, message: c.message, details: c.details, output: c.output, file: c.file }, rules);
    let cluster = clusters.get(k.signature);
    if (!cluster) {
      cluster = {
        signature: k.signature,
        category: k.category,
        confidence: k.confidence,
        count: 0,
        tests: [],
        suites: [],
        evidence: k.evidence,
        example: { test: c.id, ...(c.message ? { message: c.message.slice(0, MAX_EXAMPLE_CHARS) } : {}) },
        ...(k.rule ? { rule: k.rule } : {}),
      };
      clusters.set(k.signature, cluster);
    }
    cluster.count++;
    if (cluster.tests.length < MAX_IDS) cluster.tests.push(c.id);
    if (cluster.suites.length < MAX_SUITES && !cluster.suites.includes(c.suite)) cluster.suites.push(c.suite);
  }
  return [...clusters.values()].sort(
    (a, b) => b.count - a.count || severityRank(a.category) - severityRank(b.category) || a.signature.localeCompare(b.signature),
  );
}
