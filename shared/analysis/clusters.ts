import type { TestCase } from '../results/model.js';
import { classifyFailure, type Classification } from './classify.js';
import type { Rule } from './rules.js';
import { severityRank } from '../config/categories.js';
import { requestOf, resourceOf, type HttpRequest } from './requests.js';

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
  /** When the failures are one resource's answer: its name, the status and the requests seen (`GET /comments/{id}`). */
  http?: { resource: string; status: number; requests: string[] };
}

const MAX_IDS = 50;
const MAX_SUITES = 20;
const MAX_REQUESTS = 10;
const MAX_EXAMPLE_CHARS = 300;

/** The categories read from what a resource answered: one resource answering one status is one cause (a service that is down answers every resource alike, and keeps its own signature). */
const ANSWER_CATEGORIES = new Set(['product-defect', 'auth']);

const failing = (c: TestCase) => c.status === 'failed' || c.status === 'error';

interface Read {
  c: TestCase;
  k: Classification;
  request: HttpRequest;
}

/**
 * Groups the failed and errored cases by cause, largest cluster first and, among equals, the
 * most severe category first. The cause is the signature of the deciding text, except for
 * failures read from an HTTP answer: those hitting one resource (`/comments`, `/comments/1`,
 * `/posts/1/comments`) with one status are one cluster, however their assertions are worded
 * (`assert 404 == 200`, `AssertionError: {}`, `assert 0 == 2` on the same request). A failure
 * whose text names the request but not the status takes the status other failures of the
 * same request (or resource) show. Lists are cut so that 10,000 failures stay a small document.
 */
export function clusterFailures(cases: readonly TestCase[], rules?: readonly Rule[]): FailureCluster[] {
  const reads: Read[] = [];
  for (const c of cases) {
    if (!failing(c)) continue;
    const k = classifyFailure({ test: c.name, message: c.message, details: c.details, output: c.output, file: c.file }, rules);
    const request = ANSWER_CATEGORIES.has(k.category) ? requestOf([c.message, c.details, c.output].filter(Boolean).join('\n')) : {};
    reads.push({ c, k, request });
  }
  fillStatuses(reads);
  const clusters = new Map<string, FailureCluster>();
  for (const { c, k, request } of reads) {
    const http = request.path && request.status ? { resource: resourceOf(request.path), status: request.status } : null;
    const signature = http ? `${k.category}: /${http.resource} answered ${http.status}` : k.signature;
    let cluster = clusters.get(signature);
    if (!cluster) {
      cluster = newCluster(signature, k, c);
      if (http) cluster.http = { ...http, requests: [] };
      clusters.set(signature, cluster);
    }
    cluster.count++;
    if (cluster.tests.length < MAX_IDS) cluster.tests.push(c.id);
    if (cluster.suites.length < MAX_SUITES && !cluster.suites.includes(c.suite)) cluster.suites.push(c.suite);
    const seen = `${request.method ?? '?'} ${request.path}`;
    if (cluster.http && cluster.http.requests.length < MAX_REQUESTS && !cluster.http.requests.includes(seen)) cluster.http.requests.push(seen);
  }
  return [...clusters.values()].sort(
    (a, b) => b.count - a.count || severityRank(a.category) - severityRank(b.category) || a.signature.localeCompare(b.signature),
  );
}

/**
 * One request answers one status within a cycle: a failure that shows its request but not the
 * status takes the status other failures of the same request show, else of the same resource.
 */
function fillStatuses(reads: Read[]): void {
  const known = new Map<string, number>();
  const keys = (r: HttpRequest) => [`${r.method ?? '?'} ${r.path}`, `resource ${resourceOf(r.path!)}`];
  for (const { request } of reads) {
    if (!request.path || !request.status) continue;
    for (const k of keys(request)) if (!known.has(k)) known.set(k, request.status);
  }
  for (const { request } of reads) {
    if (!request.path || request.status) continue;
    const status = keys(request).map((k) => known.get(k)).find((s) => s !== undefined);
    if (status) request.status = status;
  }
}

function newCluster(signature: string, k: Classification, c: TestCase): FailureCluster {
  return {
    signature,
    category: k.category,
    confidence: k.confidence,
    count: 0,
    tests: [],
    suites: [],
    evidence: k.evidence,
    example: { test: c.id, ...(c.message ? { message: c.message.slice(0, MAX_EXAMPLE_CHARS) } : {}) },
    ...(k.rule ? { rule: k.rule } : {}),
  };
}
