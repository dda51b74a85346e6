import { z } from 'zod';
import { ConfigError } from '../kernel/errors.js';
import { describeIssues } from './loop-config.js';

/** The environment of a function instance or the test job, read once at cold start. */
export const RuntimeEnv = z.object({
  GOOGLE_CLOUD_PROJECT: z.string().min(1, 'set GOOGLE_CLOUD_PROJECT to the project id (locally any "demo-" id)'),
  TDL_FIRESTORE_DATABASE: z.string().default('(default)'),
  /** Cloud: the Cloud Run Job that runs the suite. */
  TDL_TEST_JOB: z.string().optional(),
  TDL_REGION: z.string().default('us-central1'),
  /** Local: the local runtime's job endpoint that stands in for the Cloud Run Admin API. */
  TDL_LOCAL_JOBS_URL: z.string().url().optional(),
  /** Local: the folder where the local deployer captures what each service revision prints. */
  TDL_LOCAL_SERVICE_LOGS: z.string().min(1).optional(),
  /** Cloud: `cloud-logging` reads what the Cloud Run services printed for the five whys (needs roles/logging.viewer). */
  TDL_SERVICE_LOGS: z.enum(['none', 'cloud-logging']).default('none'),
  TDL_HEALTH_TIMEOUT_MS: z.coerce.number().int().positive().default(5000),
  /** Replaces every loop's GitHub API URL: a local fake GitHub (`tdl local --fake-github` sets it). */
  TDL_GITHUB_API_URL: z.string().url().optional(),
  /** Where secrets named in loop configs are read; default: the environment on the emulators, else Secret Manager. */
  TDL_SECRET_SOURCE: z.enum(['env', 'secret-manager']).optional(),
  /**
   * Cloud: `metadata` has the probes (and the test job, for the suite) carry ID tokens from the
   * metadata server, for private services; `none` (the default, locally) sends requests bare.
   */
  TDL_ID_TOKENS: z.enum(['none', 'metadata'], { message: 'TDL_ID_TOKENS must be "none" or "metadata"' }).default('none'),
  PUBSUB_EMULATOR_HOST: z.string().optional(),
  FIRESTORE_EMULATOR_HOST: z.string().optional(),
});
export type RuntimeEnv = z.infer<typeof RuntimeEnv>;

export function loadRuntimeEnv(env: NodeJS.ProcessEnv = process.env): RuntimeEnv {
  const parsed = RuntimeEnv.safeParse(env);
  if (!parsed.success) throw new ConfigError(`environment: ${describeIssues(parsed.error)}`);
  return parsed.data;
}
