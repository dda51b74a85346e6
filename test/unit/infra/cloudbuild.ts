import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { root } from './hcl.js';

export interface BuildStep {
  id: string;
  name: string;
  script?: string;
  args?: string[];
  entrypoint?: string;
  env?: string[];
  timeout?: string;
  automapSubstitutions?: boolean;
  [field: string]: unknown;
}
export interface BuildConfig {
  substitutions: Record<string, string>;
  options?: { automapSubstitutions?: boolean; substitutionOption?: string };
  timeout?: string;
  steps: BuildStep[];
  [field: string]: unknown;
}

export async function loadCloudbuild(file = path.join(root, 'cloudbuild.yaml')): Promise<BuildConfig> {
  return parseYaml(await readFile(file, 'utf8')) as BuildConfig;
}

/** Cloud Build's default substitutions (build config docs, "Substituting variable values"). */
export const BUILT_IN_SUBSTITUTIONS = [
  'PROJECT_ID', 'PROJECT_NUMBER', 'BUILD_ID', 'LOCATION', 'TRIGGER_NAME', 'COMMIT_SHA', 'REVISION_ID', 'SHORT_SHA',
  'REPO_NAME', 'REPO_FULL_NAME', 'BRANCH_NAME', 'TAG_NAME', 'REF_NAME', 'TRIGGER_BUILD_CONFIG_PATH',
  'SERVICE_ACCOUNT_EMAIL', 'SERVICE_ACCOUNT', '_HEAD_BRANCH', '_BASE_BRANCH', '_HEAD_REPO_URL', '_PR_NUMBER',
] as const;

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Where cloudbuild.yaml would not mean what its shell code says, by Cloud Build's rules:
 * - outside `script` (args, env, entrypoint …) Cloud Build substitutes every `$NAME` and
 *   `${NAME}` before the shell sees it; a shell variable there must be written `$$NAME`, or it
 *   becomes '' (ALLOW_LOOSE) or fails the build;
 * - a `script` is not substituted: substitutions reach it as environment variables only with
 *   automapSubstitutions, and `$$` in it is the shell's process id, not an escaped `$`.
 */
export function substitutionProblems(build: BuildConfig): string[] {
  const known = new Set<string>([...BUILT_IN_SUBSTITUTIONS, ...Object.keys(build.substitutions ?? {})]);
  const problems: string[] = [];
  const templated = (where: string, text: string) => {
    for (const m of text.matchAll(/\$(\$|\{([^}]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g)) {
      if (m[1] === '$') continue;
      const name = m[2] ?? m[3]!;
      if (!NAME.test(name)) problems.push(`${where}: Cloud Build cannot read "${m[0]}" (not a substitution); write "$${m[0]}" for the shell`);
      else if (!known.has(name)) problems.push(`${where}: "${m[0]}" is not a substitution, so Cloud Build replaces it before the shell runs; write "$${m[0]}" for a shell variable`);
    }
  };
  const script = (where: string, text: string, automap: boolean) => {
    for (const m of text.matchAll(/\$\$(?=[A-Za-z_{])/g)) {
      const at = text.slice(m.index, m.index + 20).split('\n')[0];
      problems.push(`${where}: "${at}" is the shell's process id followed by text: scripts are not substituted, so write a single "$"`);
    }
    for (const m of text.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)) {
      const name = m[1]!;
      if (/^_[A-Z0-9_]+$/.test(name) && !known.has(name)) problems.push(`${where}: reads ${name}, which is not declared under substitutions`);
      else if (known.has(name) && !automap) problems.push(`${where}: reads substitution ${name} as an environment variable, which needs automapSubstitutions: true`);
    }
  };
  const walk = (where: string, value: unknown, automap: boolean): void => {
    if (typeof value === 'string') templated(where, value);
    else if (Array.isArray(value)) value.forEach((v, i) => walk(`${where}[${i}]`, v, automap));
    else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(`${where}.${k}`, v, automap);
  };
  build.steps.forEach((step, i) => {
    const where = `step ${step.id ?? i}`;
    const automap = step.automapSubstitutions ?? build.options?.automapSubstitutions ?? false;
    for (const [field, value] of Object.entries(step)) {
      if (field === 'script' && typeof value === 'string') script(`${where} script`, value, automap);
      else walk(`${where} ${field}`, value, automap);
    }
  });
  for (const [field, value] of Object.entries(build)) {
    if (field !== 'steps' && field !== 'substitutions') walk(field, value, false);
  }
  return problems;
}

/** The topics cloudbuild.yaml publishes to. */
export function publishedTopics(build: BuildConfig): string[] {
  const text = build.steps.map((s) => [s.script ?? '', ...(s.args ?? [])].join('\n')).join('\n');
  return [...new Set([...text.matchAll(/gcloud pubsub topics publish\s+"?([\w.-]+)/g)].map((m) => m[1]!))].sort();
}
