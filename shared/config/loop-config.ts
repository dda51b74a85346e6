import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { LoopId } from '../chain/messages.js';
import { ConfigError } from '../kernel/errors.js';
import { CATEGORIES } from './categories.js';
import { NotifyConfig } from './notify-config.js';

/** A command is an argv array: it is never passed through a shell. */
const Command = z.array(z.string().min(1)).min(1);

const CommandStep = z.object({
  command: Command,
  timeoutSeconds: z.number().positive().max(86_400).default(600),
  env: z.record(z.string(), z.string()).default({}),
});

export const ServiceConfig = z.object({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'a service name is lowercase letters, digits or dashes'),
  /** A critical service that fails to deploy fails the cycle; others may fail without it. */
  critical: z.boolean().default(true),
  /** Local runtime: the command that serves it. It gets PORT in its environment. */
  start: CommandStep.optional(),
  healthPath: z.string().startsWith('/').default('/'),
  readyTimeoutSeconds: z.number().positive().max(3600).default(30),
});
export type ServiceConfig = z.infer<typeof ServiceConfig>;

export const PerformanceTarget = z.object({
  /** Name shown in the report, e.g. "api p95". */
  name: z.string().min(1),
  service: z.string().min(1),
  path: z.string().startsWith('/'),
  statistic: z.enum(['p50', 'p95', 'max']).default('p95'),
  maxMs: z.number().positive(),
  requests: z.number().int().positive().max(1000).default(50),
  /** A metric (JUnit property) in which a test reports the same figure, shown beside the measured one. */
  reportedAs: z.string().optional(),
});
export type PerformanceTarget = z.infer<typeof PerformanceTarget>;

export const Criteria = z.object({
  /** Passed / executed (skipped excluded), 0..1. */
  minPassRate: z.number().min(0).max(1).default(1),
  minTests: z.number().int().nonnegative().default(1),
  /** Suites or test names (exact, or a prefix ending in `*`) that must pass. */
  mustPass: z.array(z.string().min(1)).default([]),
  performance: z.array(PerformanceTarget).default([]),
  /** End-to-end passes faster than this are not real. */
  minRealTestMs: z.number().nonnegative().default(1),
  requireRealTests: z.boolean().default(true),
});
export type Criteria = z.infer<typeof Criteria>;

export const Guards = z.object({
  maxCycles: z.number().int().positive().max(100).default(6),
  /** Fail when the same failure signature persists this many cycles although the commit changed. */
  sameFailureCycles: z.number().int().min(2).max(100).default(3),
  maxRedeploys: z.number().int().nonnegative().max(100).default(3),
  maxDurationMinutes: z.number().positive().max(10_080).default(120),
});
export type Guards = z.infer<typeof Guards>;

export const Deadlines = z.object({
  deploySeconds: z.number().positive().default(600),
  testSeconds: z.number().positive().default(1800),
  analysisSeconds: z.number().positive().default(300),
});
export type Deadlines = z.infer<typeof Deadlines>;

export const ClassificationRule = z.object({
  category: z.enum(CATEGORIES),
  /** Regular expression, matched case-insensitively against message and details. */
  pattern: z
    .string()
    .min(1)
    .refine((p) => {
      try {
        new RegExp(p, 'i');
        return true;
      } catch {
        return false;
      }
    }, 'not a valid regular expression'),
  confidence: z.number().min(0).max(1).default(0.8),
  why: z.string().optional(),
});
export type ClassificationRule = z.infer<typeof ClassificationRule>;

/**
 * The optional model-backed analyzer: Gemini on Vertex AI explains the largest clusters, the
 * rules explain the rest and any cluster the model fails on, is slow on or unsure about.
 */
export const ModelAnalysis = z.object({
  provider: z.literal('vertex-gemini'),
  /** A Gemini model id, e.g. "gemini-2.5-flash". */
  model: z.string().regex(/^[\w.@-]+$/, 'a model id is letters, digits, dots, dashes or @'),
  location: z.string().regex(/^[a-z0-9-]+$/, 'a Vertex AI location such as us-central1 or global').default('us-central1'),
  /** The project whose Vertex AI is called; the functions' own project when absent. */
  project: z.string().min(1).optional(),
  /** One call's limit; a slower answer is dropped and the rules explain the cluster. */
  timeoutMs: z.number().int().positive().max(60_000).default(15_000),
  /** Clusters (largest first) the model is asked about; the rest keep the rules' whys. */
  maxClusters: z.number().int().positive().max(20).default(5),
  /** Answers less confident than this are treated as unsure. */
  minConfidence: z.number().min(0).max(1).default(0.5),
});
export type ModelAnalysis = z.infer<typeof ModelAnalysis>;

export const AnalysisConfig = z.object({ model: ModelAnalysis.optional() });
export type AnalysisConfig = z.infer<typeof AnalysisConfig>;

export const LoopConfig = z.object({
  loopId: LoopId,
  branch: z.string().min(1).default('main'),
  /** Working copy the commands run in, relative to the config file. */
  workdir: z.string().default('.'),
  /** Local runtime: runs once before the loop (for example to prepare a working copy). */
  setup: CommandStep.optional(),
  /** Prints the commit being deployed; defaults to `git rev-parse HEAD`. */
  commit: CommandStep.optional(),
  /** Build or migrate before the services start. */
  deploy: CommandStep.optional(),
  services: z.array(ServiceConfig).min(1),
  /**
   * Hosts the loop may reach (health probes, the suite's service URLs): exact names or
   * `*.suffix`. A deployment message naming any other host is refused.
   */
  allowedHosts: z.array(z.string().min(1)).min(1).default(['127.0.0.1', 'localhost', '*.run.app']),
  tests: CommandStep.extend({
    /** Globs (relative to workdir) of the result files the suite writes. */
    results: z.array(z.string().min(1)).min(1),
  }),
  /** Stands in for the person or agent who pushes a fix after `await-fix`. */
  fix: CommandStep.optional(),
  criteria: Criteria.default(Criteria.parse({})),
  guards: Guards.default(Guards.parse({})),
  deadlines: Deadlines.default(Deadlines.parse({})),
  classification: z.object({ rules: z.array(ClassificationRule).default([]) }).default({ rules: [] }),
  /** Commit statuses, the await-fix issue, Slack and webhooks (shared/config/notify-config.ts). */
  notify: NotifyConfig.default(NotifyConfig.parse({})),
  /** Off unless `analysis.model` is set: the rules alone explain failures. */
  analysis: AnalysisConfig.default({}),
});
export type LoopConfig = z.infer<typeof LoopConfig>;
export type LoopConfigInput = z.input<typeof LoopConfig>;

/** What the cloud side needs of a loop's config, stored on the loop document. */
export type StoredLoopConfig = Pick<LoopConfig, 'criteria' | 'guards' | 'deadlines' | 'classification' | 'allowedHosts' | 'notify'> & {
  services: Array<Pick<ServiceConfig, 'name' | 'critical' | 'healthPath'>>;
  /** null, not absent, when off: `tdl register` merges into the stored config, and must turn a model off too. */
  analysis: { model: ModelAnalysis | null };
};

export function storedConfig(c: LoopConfig): StoredLoopConfig {
  return {
    criteria: c.criteria,
    guards: c.guards,
    deadlines: c.deadlines,
    classification: c.classification,
    analysis: { model: c.analysis.model ?? null },
    allowedHosts: c.allowedHosts,
    notify: c.notify,
    services: c.services.map((s) => ({ name: s.name, critical: s.critical, healthPath: s.healthPath })),
  };
}

/** Formats zod issues as `field.path: message` lines. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((i) => `${i.path.length ? i.path.map(String).join('.') : '(root)'}: ${i.message}`)
    .join('; ');
}

export function parseLoopConfig(raw: unknown, source = 'loop config'): LoopConfig {
  const parsed = LoopConfig.safeParse(raw);
  if (!parsed.success) throw new ConfigError(`${source}: ${describeIssues(parsed.error)}`, { source });
  return parsed.data;
}

export interface LoadedLoopConfig {
  config: LoopConfig;
  /** Absolute path of the config file. */
  file: string;
  /** Absolute working directory. */
  workdir: string;
}

export async function loadLoopConfig(file: string): Promise<LoadedLoopConfig> {
  const abs = path.resolve(file);
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch (cause) {
    throw new ConfigError(`cannot read loop config ${abs}: ${(cause as Error).message}`, { source: abs, cause });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw new ConfigError(`${abs} is not valid JSON: ${(cause as Error).message}`, { source: abs, cause });
  }
  const config = parseLoopConfig(raw, abs);
  return { config, file: abs, workdir: path.resolve(path.dirname(abs), config.workdir) };
}

/** Whether `url`'s host is one the loop config allows. */
export function hostAllowed(url: string, allowed: readonly string[]): boolean {
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase();
  } catch {
    return false;
  }
  return allowed.some((a) => (a.startsWith('*.') ? host.endsWith(a.slice(1).toLowerCase()) : host === a.toLowerCase()));
}
