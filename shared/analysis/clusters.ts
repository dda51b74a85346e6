import type { TestCase } from '../results/model.js';
import { classifyFailure, type Classification } from './classify.js';
import type { Rule } from './rules.js';
import { CATEGORIES } from './categories.js';

export interface FailureCluster {
  signature: string;
  category: string;
  confidence: number;
  count: number;
  /** Case ids, at most MAX_IDS; `count` is the total. */
  tests: string[];
  suites: string[];
  evidence: string[];
  example: { test: string; message?: string };
}

const MAX_IDS = 50;

/** Groups the failed and errored cases by signature, largest cluster first. */
export function clusterFailures(cases: TestCase[], rules?: readonly Rule[]): FailureCluster[] {
  const clusters = new Map<string, FailureCluster>();
  for (const c of cases) {
    if (c.status !== 'failed' && c.status !== 'error') continue;
    const k: Classification = classifyFailure({ test: c.name, message: c.message, details: c.details, output: c.output, file: c.file }, rules);
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
        example: { test: c.id, message: c.message?.slice(0, 300) },
      };
      clusters.set(k.signature, cluster);
    }
    cluster.count++;
    if (cluster.tests.length < MAX_IDS) cluster.tests.push(c.id);
    if (!cluster.suites.includes(c.suite) && cluster.suites.length < 20) cluster.suites.push(c.suite);
  }
  const order = (cat: string) => {
    const i = (CATEGORIES as readonly string[]).indexOf(cat);
    return i < 0 ? CATEGORIES.length : i;
  };
  return [...clusters.values()].sort((a, b) => b.count - a.count || order(a.category) - order(b.category) || a.signature.localeCompare(b.signature));
}
