import type { SecretRef } from '../../config/notify-config.js';
import { ConfigError } from '../../kernel/errors.js';
import { NotifyError, type SecretSource } from '../../ports/notify.js';

/** Locally: a secret is the environment variable the loop config names in `env`. */
export class EnvSecretSource implements SecretSource {
  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  async reveal(ref: SecretRef, field: string): Promise<string> {
    if (!ref.env) throw new ConfigError(`${field}: names no environment variable ("env"), which the local runtime reads secrets from`);
    const value = this.env[ref.env];
    if (!value) throw new ConfigError(`${field}: environment variable ${ref.env} is not set`);
    return value;
  }
}

/** The one call of Secret Manager's client the adapter makes. */
export interface SecretManagerClient {
  accessSecretVersion(request: { name: string }): Promise<[{ payload?: { data?: Uint8Array | string | null } | null }, ...unknown[]]>;
}

/** How long a revealed secret is kept: a rotation reaches a warm instance within this. */
export const SECRET_CACHE_MS = 5 * 60_000;

/**
 * In the cloud: the latest version of the Secret Manager secret named in `secret`, in the
 * loop's project. The client (@google-cloud/secret-manager) is loaded on first use, since only
 * notify reads secrets; values are cached briefly per instance and never logged.
 */
export class SecretManagerSource implements SecretSource {
  private client?: Promise<SecretManagerClient>;
  private readonly cache = new Map<string, { value: string; until: number }>();

  constructor(
    private readonly projectId: string,
    private readonly createClient: () => Promise<SecretManagerClient> = defaultClient,
    private readonly now: () => number = Date.now,
  ) {}

  async reveal(ref: SecretRef, field: string): Promise<string> {
    if (!ref.secret) throw new ConfigError(`${field}: names no Secret Manager secret ("secret"), which the cloud reads secrets from`);
    const name = `projects/${this.projectId}/secrets/${ref.secret}/versions/latest`;
    const cached = this.cache.get(name);
    if (cached && cached.until > this.now()) return cached.value;
    this.client ??= this.createClient();
    let data: Uint8Array | string | null | undefined;
    try {
      const [version] = await (await this.client).accessSecretVersion({ name });
      data = version.payload?.data;
    } catch (error) {
      const e = error as { code?: number; details?: string; message?: string };
      // gRPC codes: 5 not found, 7 permission denied are for a person to fix; the rest may pass.
      const permanent = e.code === 5 || e.code === 7 || e.code === 3;
      throw new NotifyError(`${field}: Secret Manager secret ${ref.secret}: ${(e.details ?? e.message ?? String(error)).split('\n')[0]}`, { transient: !permanent });
    }
    const value = typeof data === 'string' ? data : data ? Buffer.from(data).toString('utf8') : '';
    if (!value) throw new ConfigError(`${field}: Secret Manager secret ${ref.secret} is empty`);
    this.cache.set(name, { value: value.trim(), until: this.now() + SECRET_CACHE_MS });
    return value.trim();
  }
}

async function defaultClient(): Promise<SecretManagerClient> {
  const { SecretManagerServiceClient } = await import('@google-cloud/secret-manager');
  return new SecretManagerServiceClient();
}
