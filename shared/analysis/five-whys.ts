import type { FailureCluster } from './clusters.js';
import { REMEDY, isCategory, type Category } from '../config/categories.js';
import { loggedRequests, resourceOf } from './requests.js';

export interface WhyStep {
  question: string;
  answer: string;
  /** What the answer stands on: test output, deployment state, log lines, commits. */
  evidence: string[];
}

/** What the loop knows about the cycle beyond the failures themselves. */
export interface WhyContext {
  commit?: string;
  previousCommit?: string;
  services: Array<{ name: string; ready: boolean; revision?: string; url?: string; error?: string; health?: { ok: boolean; status?: number; error?: string } }>;
  /** Case ids that failed in the previous cycle. */
  previousFailing?: string[];
  /** What the deploy step and the service printed, when captured. */
  serviceLog?: string;
}

export interface FiveWhys {
  /** From the symptom to the most probable root cause; fewer than five when the evidence stops. */
  whys: WhyStep[];
  rootCause: string;
  fix: string;
}

const MAX_LOG_LINES = 4;

/** Log lines that speak of a category even when they do not name the failing object. */
const LOG_HINTS: Partial<Record<Category, RegExp>> = {
  deployment: /\b(?:error|fatal|panic|exception|exit(?:ed)?|crash|listen|EADDRINUSE|killed|OOM|unhealthy)\b/i,
  database: /migrat|\b(?:relation|table|column|schema)\b/i,
  configuration: /\b(?:env|environment|setting|secret|not set|missing|undefined)\b/i,
  dependency: /cannot find|not found|\bmodule\b|\bpackage\b|install/i,
  auth: /\b(?:token|auth\w*|credential|api[-_ ]?key|forbidden|unauthori[sz]ed)\b/i,
};

/**
 * A rule-based five-whys chain for one cluster: from the symptom, through what the tests
 * printed, the deployment's state, the service's own output and what changed since the
 * previous cycle, to the most probable root cause. Each step carries the evidence it stands
 * on; the chain stops early rather than guess.
 */
export function fiveWhys(cluster: FailureCluster, ctx: WhyContext): FiveWhys {
  const category: Category = isCategory(cluster.category) ? cluster.category : 'unknown';
  const whys: WhyStep[] = [];
  const n = cluster.count;
  const core = cluster.signature.replace(/^[\w-]+: /, '');
  whys.push({
    question: `Why did ${n} test${n === 1 ? '' : 's'} fail?`,
    answer: `${n === 1 ? 'it failed with' : `all ${n} failed the same way`}: ${core}${cluster.suites.length > 1 ? `, across ${cluster.suites.length} suites` : ''}`,
    evidence: [firstLine(cluster.example.message) ?? cluster.evidence[0] ?? ''].filter(Boolean),
  });
  whys.push({
    question: `Why is that ${category === 'unknown' ? 'not explained' : `a ${category} failure`}?`,
    answer: cluster.rule ?? (category === 'unknown' ? 'no rule recognised it' : REMEDY[category].rootCause),
    evidence: cluster.evidence.slice(0, 3),
  });

  const health = healthStep(cluster, ctx, category);
  const served = servedStep(cluster, ctx);
  const later = [requestStep(cluster, ctx), health, served, served ? null : logStep(cluster, ctx, category), changeStep(cluster, ctx)];
  for (const step of later) if (step) whys.push(step);
  // Five steps at most: a deployment that answered says least, so it gives way first.
  if (whys.length > 5 && health && !/^no:/.test(health.answer)) whys.splice(whys.indexOf(health), 1);

  const { rootCause, fix } = conclusion(cluster, ctx, category);
  return { whys: whys.slice(0, 5), rootCause, fix };
}

/** Which requests failed, and whether the same service answered others: the passing tests' requests, from its log. */
function requestStep(cluster: FailureCluster, ctx: WhyContext): WhyStep | null {
  if (!cluster.http) return null;
  const { resource, status, requests } = cluster.http;
  const logged = ctx.serviceLog ? loggedRequests(ctx.serviceLog) : [];
  const same = logged.filter((r) => resourceOf(r.path) === resource);
  const answered = logged.filter((r) => resourceOf(r.path) !== resource && r.status < 400);
  const others = [...new Set(answered.map((r) => `/${resourceOf(r.path)}`))];
  const line = (r: { method: string; path: string; status: number }) => `${r.method} ${r.path} ${r.status}`;
  const answer =
    others.length > 0
      ? `${requests.join(', ')} answered ${status}, while the same service answered ${others.slice(0, 6).join(', ')} with ${[...new Set(answered.map((r) => r.status))].sort().join('/')}: the service ran, only /${resource} failed`
      : logged.length > 0
        ? `${requests.join(', ')} answered ${status}, and the service's log shows no other resource answering either`
        : `${requests.join(', ')} answered ${status}; whether the service's other endpoints answered is unknown (its output shows no requests)`;
  return {
    question: `Which requests failed, and did similar ones pass?`,
    answer,
    evidence: [...same.slice(0, 3).map(line), ...answered.slice(0, 3).map(line)],
  };
}

/** What the service said at start about what it serves (json-server's resources, a framework's mapped routes). */
function servedStep(cluster: FailureCluster, ctx: WhyContext): WhyStep | null {
  if (!cluster.http || !ctx.serviceLog) return null;
  const listed = servedResources(ctx.serviceLog);
  if (listed.names.length === 0) return null;
  const { resource } = cluster.http;
  const names = listed.names.map((n) => `/${n}`).join(', ');
  return {
    question: `Does the service serve /${resource}?`,
    answer: listed.names.includes(resource)
      ? `it says so: at start it listed ${names}, so /${resource} exists and answered ${cluster.http.status} for another reason`
      : `no: at start it listed the resources it serves, ${names}, and /${resource} is not among them`,
    evidence: listed.lines.slice(0, 6),
  };
}

/** Resources a service lists at start: lines that are a URL with one path segment, or a mapped route. */
function servedResources(log: string): { names: string[]; lines: string[] } {
  const names: string[] = [];
  const lines: string[] = [];
  for (const raw of log.replace(/\x1b\[[0-9;]*m/g, '').split(/\r?\n/)) {
    const m = /^\s*https?:\/\/[^\s/]+\/([\w.-]+)\/?\s*$/.exec(raw) ?? /\bMapped \{\/([\w.-]+)/.exec(raw);
    if (m && !names.includes(m[1]!)) {
      names.push(m[1]!);
      lines.push(raw.trim());
    }
  }
  return { names, lines };
}

function healthStep(cluster: FailureCluster, ctx: WhyContext, category: Category): WhyStep | null {
  if (ctx.services.length === 0) return null;
  const unhealthy = ctx.services.filter((s) => !s.ready || s.health?.ok === false);
  if (unhealthy.length > 0) {
    return {
      question: 'Was the deployment serving?',
      answer: `no: ${unhealthy.map((s) => `${s.name} ${!s.ready ? `was not ready (${s.error ?? 'no reason given'})` : `failed its health check (${s.health?.status ?? s.health?.error ?? 'no answer'})`}`).join('; ')}${category === 'deployment' ? '' : `, which may be behind this ${category} failure too`}`,
      evidence: unhealthy.map((s) => `${s.name}@${s.revision ?? '?'}: ${s.error ?? s.health?.error ?? s.health?.status ?? 'not ready'}`),
    };
  }
  // A healthy deployment rules the service out for some causes and makes others a race.
  const target = ctx.services.find((s) => s.url && mentions(cluster, s.url));
  const names = ctx.services.map((s) => `${s.name}@${s.revision ?? '?'}`).join(', ');
  return {
    question: 'Was the deployment serving?',
    answer:
      category === 'deployment'
        ? `yes when the loop checked (${names}): the service went down or was replaced while the suite ran, or the suite called ${target ? target.name : 'an address'} that was not the deployed one`
        : `yes: ${names} ready and answering its health check, so the service ran and answered`,
    evidence: ctx.services.map((s) => `${s.name}: ready, health ${s.health?.status ?? 'not probed'}${s.url ? ` at ${s.url}` : ''}`),
  };
}

function logStep(cluster: FailureCluster, ctx: WhyContext, category: Category): WhyStep | null {
  if (!ctx.serviceLog) return null;
  const words = keywords(cluster);
  const hint = LOG_HINTS[category];
  const named: string[] = [];
  const related: string[] = [];
  for (const raw of ctx.serviceLog.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line) continue;
    if (words.some((w) => line.includes(w))) named.push(line.slice(0, 300));
    else if (hint?.test(line)) related.push(line.slice(0, 300));
  }
  const lines = [...named, ...related].slice(0, MAX_LOG_LINES);
  if (lines.length === 0) return null;
  const missing = category === 'database' ? quotedObject(cluster) : null;
  const answer =
    missing && named.length === 0
      ? `the service's output never mentions "${missing}": ${lines.join(' / ')}; nothing created it`
      : named.length > 0
        ? `the service's output names it: ${named[0]}`
        : `the service printed: ${lines[0]}`;
  return { question: 'What did the service print about it?', answer, evidence: lines };
}

function changeStep(cluster: FailureCluster, ctx: WhyContext): WhyStep | null {
  if (!ctx.previousFailing) return null;
  const previous = new Set(ctx.previousFailing);
  const before = cluster.tests.filter((t) => previous.has(t)).length;
  const changed = Boolean(ctx.previousCommit && ctx.commit && ctx.previousCommit !== ctx.commit);
  const commits = changed ? `${short(ctx.previousCommit)} → ${short(ctx.commit)}` : '';
  const answer =
    before === 0
      ? changed
        ? `yes: none of these tests failed in the previous cycle; the commit changed ${commits}, which is where to look`
        : 'yes: none of these tests failed in the previous cycle, on the same commit: the environment changed, or the tests are flaky'
      : changed
        ? `no: ${before} of ${cluster.tests.length} already failed in the previous cycle, and the commit ${short(ctx.commit)} did not fix them`
        : `no: ${before} of ${cluster.tests.length} already failed in the previous cycle, on the same commit`;
  return {
    question: 'Is it new?',
    answer,
    evidence: [changed ? `commit ${ctx.previousCommit} → ${ctx.commit}` : `commit ${ctx.commit ?? 'unknown'} in both cycles`, `${before} of ${cluster.tests.length} failed before`],
  };
}

/** The most specific cause the evidence names, else the category's usual one. */
function conclusion(cluster: FailureCluster, ctx: WhyContext, category: Category): { rootCause: string; fix: string } {
  const remedy = REMEDY[category];
  const text = [...cluster.evidence, cluster.example.message ?? ''].join('\n');
  if (cluster.http) return answerConclusion(cluster.http, ctx, remedy);
  if (category === 'deployment') {
    const down = ctx.services.find((s) => !s.ready || s.health?.ok === false);
    if (down) return { rootCause: `${down.name} was not serving: ${down.error ?? down.health?.error ?? `health ${down.health?.status ?? 'failed'}`}`, fix: remedy.fix };
  }
  if (category === 'database') {
    const object = quotedObject(cluster);
    if (object) return { rootCause: `the database has no "${object}" although the code uses it: its migration did not run, or was never written`, fix: `add or run the migration that creates "${object}" before the service starts` };
  }
  if (category === 'dependency') {
    const module = /(?:module|package)\s+['"]?([@\w./-]+)/i.exec(text)?.[1];
    if (module) return { rootCause: `"${module}" is not installed where the code runs`, fix: `add "${module}" to the dependencies (or fix its import path) and rebuild` };
  }
  if (category === 'configuration') {
    const name = /\b([A-Z][A-Z0-9]*_[A-Z0-9_]+)\b/.exec(text)?.[1];
    if (name) return { rootCause: `${name} is missing or invalid in the environment the suite or service ran in`, fix: `set ${name} (or its secret) for the environment` };
  }
  if (category === 'network') {
    const host = /(?:ENOTFOUND|lookup|host=['"]?|https?:\/\/)\s*([\w.-]+\.[a-z]{2,})/i.exec(text)?.[1];
    if (host) return { rootCause: `connections to ${host} failed below HTTP (DNS, reset or TLS)`, fix: `check that ${host} resolves and its certificate is valid from where the suite runs; retry if transient` };
  }
  return remedy;
}

/** The root cause of one resource's answer: what the service listed, else what is unknown. */
function answerConclusion(http: NonNullable<FailureCluster['http']>, ctx: WhyContext, remedy: { rootCause: string; fix: string }): { rootCause: string; fix: string } {
  const { resource, status, requests } = http;
  const listed = ctx.serviceLog ? servedResources(ctx.serviceLog).names : [];
  if (status === 404 && listed.length > 0 && !listed.includes(resource)) {
    return {
      rootCause: `the service does not serve /${resource}: ${requests.join(', ')} answered 404, and what it listed at start (${listed.map((n) => `/${n}`).join(', ')}) lacks it`,
      fix: `add /${resource} to what the service serves (its route, or the data or collection behind it) and redeploy`,
    };
  }
  if (status === 404) {
    return { rootCause: `/${resource} answered 404 (${requests.join(', ')}); why the service does not serve it is unknown: its output does not list what it serves`, fix: `find where /${resource} should be routed in the deployed revision` };
  }
  return { rootCause: `/${resource} answered ${status} (${requests.join(', ')}): ${remedy.rootCause}`, fix: remedy.fix };
}

/** Words of a cluster worth finding in logs: quoted names, modules, codes, variables. */
function keywords(cluster: FailureCluster): string[] {
  const text = [cluster.signature, ...cluster.evidence].join('\n');
  const quoted = [...text.matchAll(/["'`]([\w.@/-]{3,})["'`]/g)].map((m) => m[1]!);
  const codes = [...text.matchAll(/\b(E[A-Z]{4,}|[A-Z][A-Z0-9]*_[A-Z0-9_]{2,})\b/g)].map((m) => m[1]!);
  return [...new Set([...quoted, ...codes])].filter((w) => !/^\d+$/.test(w)).slice(0, 6);
}

/** The table, relation or column a database error names. */
function quotedObject(cluster: FailureCluster): string | null {
  const text = [...cluster.evidence, cluster.signature].join('\n').replace(/\\(["'])/g, '$1');
  const m = /(?:relation|table|column)\s+["'`]?([\w.]+)["'`]?/i.exec(text) ?? /no such table:?\s*([\w.]+)/i.exec(text);
  return m?.[1] ?? null;
}

function mentions(cluster: FailureCluster, url: string): boolean {
  let host: string;
  try {
    host = new URL(url).host;
  } catch {
    return false;
  }
  return [...cluster.evidence, cluster.example.message ?? ''].some((l) => l.includes(host));
}

function firstLine(text: string | undefined): string | undefined {
  return text?.split(/\r?\n/).find((l) => l.trim() !== '')?.trim().slice(0, 300);
}

function short(commit: string | undefined): string {
  return commit ? commit.slice(0, 8) : 'unknown';
}
