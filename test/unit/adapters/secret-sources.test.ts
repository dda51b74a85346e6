import { describe, expect, it } from 'vitest';
import { EnvSecretSource, SECRET_CACHE_MS, SecretManagerSource, type SecretManagerClient } from '../../../shared/adapters/secrets/secret-sources.js';
import { NotifyError } from '../../../shared/ports/notify.js';

/** Secret Manager's client as far as the adapter calls it: names asked for, answers queued. */
function client(answers: Array<Uint8Array | string | Error>) {
  const asked: string[] = [];
  const c: SecretManagerClient = {
    async accessSecretVersion({ name }) {
      asked.push(name);
      const a = answers.shift();
      if (a instanceof Error) throw a;
      return [{ payload: { data: a } }];
    },
  };
  return { c, asked };
}

describe('secrets named in the loop config', () => {
  it('locally: the TDL_ environment variable the config names; a missing one is named, not guessed', async () => {
    const env = new EnvSecretSource({ TDL_GITHUB_TOKEN: 'ghp_local' });
    expect(await env.reveal({ env: 'TDL_GITHUB_TOKEN', secret: 'tdl-github-token' }, 'notify.github.token')).toBe('ghp_local');
    await expect(env.reveal({ env: 'TDL_SLACK_URL' }, 'notify.slack.webhookUrl')).rejects.toThrow('notify.slack.webhookUrl: environment variable TDL_SLACK_URL is not set');
    await expect(env.reveal({ secret: 'x' }, 'notify.github.token')).rejects.toThrow('notify.github.token: names no environment variable ("env")');
  });

  it('in the cloud: the latest version of the named secret in the project, kept five minutes, then read again', async () => {
    let now = 1_000_000;
    const { c, asked } = client([new TextEncoder().encode('ghp_cloud\n'), 'ghp_rotated']);
    const source = new SecretManagerSource('acme-staging', async () => c, () => now);
    expect(await source.reveal({ secret: 'tdl-github-token' }, 'notify.github.token')).toBe('ghp_cloud');
    expect(await source.reveal({ secret: 'tdl-github-token' }, 'notify.github.token')).toBe('ghp_cloud');
    now += SECRET_CACHE_MS + 1;
    expect(await source.reveal({ secret: 'tdl-github-token' }, 'notify.github.token')).toBe('ghp_rotated');
    expect(asked).toEqual(['projects/acme-staging/secrets/tdl-github-token/versions/latest', 'projects/acme-staging/secrets/tdl-github-token/versions/latest']);
  });

  it.each([
    [5, 'NOT_FOUND: Secret [projects/1/secrets/x] not found or has no versions.', false],
    [7, 'PERMISSION_DENIED: Permission denied on resource', false],
    [14, 'UNAVAILABLE: connection reset', true],
  ])('a Secret Manager error with gRPC code %i (%s) is transient: %s', async (code, details, transient) => {
    const { c } = client([Object.assign(new Error(`${code} ${details}`), { code, details })]);
    const error = await new SecretManagerSource('p', async () => c).reveal({ secret: 'x' }, 'notify.slack.webhookUrl').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotifyError);
    expect((error as NotifyError).transient).toBe(transient);
    expect((error as NotifyError).message).toBe(`notify.slack.webhookUrl: Secret Manager secret x: ${details}`);
  });
});
