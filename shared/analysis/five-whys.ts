import type { FailureCluster } from './clusters.js';
import { REMEDY, isCategory } from './categories.js';

export interface WhyStep {
  question: string;
  answer: string;
  evidence: string[];
}

export interface WhyContext {
  commit?: string;
  previousCommit?: string;
  services: Array<{ name: string; ready: boolean; revision?: string; url?: string; error?: string; health?: { ok: boolean; status?: number; error?: string } }>;
  /** Case ids that failed in the previous cycle. */
  previousFailing?: string[];
  /** What the deploy step and the service printed, when captured. */
  deployLog?: string;
}

export interface FiveWhys {
  whys: WhyStep[];
  rootCause: string;
  fix: string;
}

/** Words of a signature worth finding in logs: table names, modules, hosts, codes. */
function keywords(cluster: FailureCluster): string[] {
  const quoted = [...cluster.signature.matchAll(/["'`]([\w.-]{3,})["'`]/g)].map((m) => m[1]!);
  const codes = [...cluster.signature.matchAll(/\b([1-5]\d\d|E[A-Z]{4,})\b/g)].map((m) => m[1]!);
  return [...new Set([...quoted, ...codes])].slice(0, 5);
}

/**
 * A rule-based five-whys chain for one cluster: from the symptom, through what the tests
 * printed, the deployment's state and what changed since the previous cycle, to the most
 * probable root cause. Each step carries the evidence it stands on; the chain stops early
 * rather than guess.
 */
export function fiveWhys(cluster: FailureCluster, ctx: WhyContext): FiveWhys {
  const whys: WhyStep[] = [];
  const n = cluster.count;
  whys.push({
    question: `Why did ${n} test${n === 1 ? '' : 's'} fail?`,
    answer: `they failed the same way (${cluster.category}): ${cluster.signature.replace(/^[\w-]+: /, '')}`,
    evidence: [cluster.example.message ?? cluster.evidence[0] ?? ''].filter(Boolean),
  });
  whys.push({
    question: 'What does the failure say?',
    answer: `${cluster.evidence[0] ?? 'no message'}; read as ${cluster.category}: ${ruleWhy(cluster)}`,
    evidence: cluster.evidence.slice(0, 3),
  });
  const unhealthy = ctx.services.filter((s) => !s.ready || s.health?.ok === false);
  if (unhealthy.length > 0) {
    whys.push({
      question: 'Was the deployment healthy?',
      answer: `no: ${unhealthy.map((s) => `${s.name} ${!s.ready ? `not ready (${s.error ?? 'no reason given'})` : `health check failed (${s.health?.status ?? s.health?.error ?? ''})`}`).join('; ')}`,
      evidence: unhealthy.map((s) => `${s.name}@${s.revision ?? '?'}: ${s.error ?? s.health?.error ?? s.health?.status ?? ''}`),
    });
  } else if (ctx.services.length > 0) {
    whys.push({
      question: 'Was the deployment healthy?',
      answer: `yes: ${ctx.services.map((s) => `${s.name}@${s.revision ?? '?'}`).join(', ')} ready and answering its health check, so the service ran and answered`,
      evidence: ctx.services.map((s) => `${s.name}: ready, health ${s.health?.status ?? 'not probed'}`),
    });
  }
  if (ctx.previousFailing) {
    const before = cluster.tests.filter((t) => ctx.previousFailing!.includes(t)).length;
    const changed = ctx.previousCommit && ctx.commit && ctx.previousCommit !== ctx.commit;
    whys.push({
      question: 'Is it new?',
      answer:
        before === 0
          ? `yes: none of these tests failed in the previous cycle${changed ? `; the commit changed ${ctx.previousCommit!.slice(0, 8)} → ${ctx.commit!.slice(0, 8)}, which is where to look` : ''}`
          : `no: ${before} of ${cluster.tests.length} already failed in the previous cycle${changed ? ` and the commit ${ctx.commit!.slice(0, 8)} did not fix them` : ' on the same commit'}`,
      evidence: changed ? [`commit ${ctx.previousCommit} → ${ctx.commit}`] : [],
    });
  }
  const words = keywords(cluster);
  const logLines = (ctx.deployLog ?? '')
    .split(/\r?\n/)
    .filter((l) => words.some((w) => l.includes(w)) || (cluster.category === 'database' && /migrat/i.test(l)))
    .slice(0, 4);
  if (logLines.length > 0) {
    whys.push({
      question: 'What did the deployment print about it?',
      answer: cluster.category === 'database' ? `its migrations ran as: ${logLines.map((l) => l.trim()).join(' / ')}; check that the missing object has a migration` : `the deploy log mentions it: ${logLines[0]!.trim()}`,
      evidence: logLines.map((l) => l.trim().slice(0, 300)),
    });
  }
  const remedy = isCategory(cluster.category) ? REMEDY[cluster.category] : REMEDY.unknown;
  return { whys: whys.slice(0, 5), rootCause: remedy.rootCause, fix: remedy.fix };
}

function ruleWhy(cluster: FailureCluster): string {
  return isCategory(cluster.category) ? REMEDY[cluster.category].rootCause : 'a rule of the loop config';
}
