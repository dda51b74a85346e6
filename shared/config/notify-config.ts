import { z } from 'zod';

/**
 * Where the loop tells people: GitHub (commit statuses, the await-fix issue), Slack and generic
 * webhooks. Part of the loop config and stored with the loop; a secret appears here only by
 * name (a Secret Manager secret in the cloud, an environment variable locally), never its value.
 */

/** A secret by name. The cloud reads `secret` from Secret Manager; the local runtime reads `env`. */
export const SecretRef = z
  .object({
    /** The Secret Manager secret (its latest version) in the loop's project. */
    secret: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,255}$/, 'a Secret Manager secret id is letters, digits, dashes or underscores')
      .optional(),
    /** Locally: the environment variable that holds it. Only TDL_ variables, so a config cannot read others. */
    env: z
      .string()
      .regex(/^TDL_[A-Z0-9_]{1,100}$/, 'an environment variable for a secret is TDL_ followed by capitals, digits or underscores')
      .optional(),
  })
  .strict()
  .refine((r) => r.secret !== undefined || r.env !== undefined, 'name the secret: "secret" (Secret Manager) and/or "env" (an environment variable)');
export type SecretRef = z.infer<typeof SecretRef>;

const HttpsUrl = z
  .string()
  .url()
  .max(2048)
  .refine((u) => /^https?:\/\//.test(u), 'an http(s) URL');

export const GitHubSink = z
  .object({
    /** owner/name of the repository the loop's commits belong to. */
    repository: z.string().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'a repository is "owner/name"'),
    /** GitHub Enterprise Server: https://HOST/api/v3. TDL_GITHUB_API_URL overrides it (a local fake). */
    apiUrl: HttpsUrl.default('https://api.github.com'),
    /** A token that may write commit statuses and issues (fine-grained: "Commit statuses" and "Issues", read and write). */
    token: SecretRef,
    statuses: z
      .object({
        enabled: z.boolean().default(true),
        /** The status context; default `test-deploy-loop/<loopId>`, so loops on one commit do not overwrite each other. */
        context: z.string().min(1).max(100).optional(),
        /** The link of each status; `{loopId}` and `{cycle}` are replaced. No link when absent. */
        targetUrl: HttpsUrl.optional(),
      })
      .strict()
      .default({ enabled: true }),
    issues: z
      .object({
        enabled: z.boolean().default(true),
        /** Labels of the await-fix issue, so a person or a coding agent can pick it up. */
        labels: z.array(z.string().min(1).max(50)).max(10).default(['test-deploy-loop', 'await-fix']),
      })
      .strict()
      .default({ enabled: true, labels: ['test-deploy-loop', 'await-fix'] }),
  })
  .strict();
export type GitHubSink = z.infer<typeof GitHubSink>;

export const SlackSink = z
  .object({
    /** The incoming webhook's URL is its credential: a secret. */
    webhookUrl: SecretRef,
  })
  .strict();
export type SlackSink = z.infer<typeof SlackSink>;

export const WebhookSink = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,40}$/, 'a webhook name is lowercase letters, digits or dashes'),
    url: HttpsUrl,
    /** Signs each body: `X-TDL-Signature: sha256=<HMAC-SHA256 of the body>`, as GitHub signs its webhooks. */
    signingSecret: SecretRef.optional(),
  })
  .strict();
export type WebhookSink = z.infer<typeof WebhookSink>;

export const NotifyConfig = z
  .object({
    github: GitHubSink.optional(),
    slack: SlackSink.optional(),
    webhooks: z.array(WebhookSink).max(10).default([]),
    /** Each send is tried this many times, pauses doubling from firstPauseMs, before it is recorded failed. */
    retry: z
      .object({
        attempts: z.number().int().min(1).max(8).default(4),
        firstPauseMs: z.number().int().min(0).max(10_000).default(500),
      })
      .strict()
      .default({ attempts: 4, firstPauseMs: 500 }),
  })
  .strict()
  .superRefine((c, ctx) => {
    const names = c.webhooks.map((w) => w.name);
    names.forEach((n, i) => {
      if (names.indexOf(n) !== i) ctx.addIssue({ code: 'custom', path: ['webhooks', i, 'name'], message: `webhook name "${n}" is used twice` });
    });
  });
export type NotifyConfig = z.infer<typeof NotifyConfig>;

export function hasSinks(c: NotifyConfig | undefined): boolean {
  return !!c && (!!c.github || !!c.slack || c.webhooks.length > 0);
}
