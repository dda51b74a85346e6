import { describe, expect, it } from 'vitest';
import { createRedactor, redact } from '../../../shared/security/redact.js';
import { hostAllowed } from '../../../shared/config/loop-config.js';

describe('redact', () => {
  it.each([
    ['a bearer token', 'GET /me failed: Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U', 'GET /me failed: Authorization: [redacted]'],
    ['a password in a URL', 'connect postgres://app:s3cr3t-pw@db.internal:5432/shop failed', 'connect postgres://app:[redacted]@db.internal:5432/shop failed'],
    ['a password setting', 'DB_PASSWORD=hunter22 not accepted', 'DB_PASSWORD=[redacted] not accepted'],
    ['a JSON api key', '{"api_key": "abcd1234efgh"}', '{"api_key": "[redacted]"}'],
    ['an AWS key id', 'using AKIAIOSFODNN7EXAMPLE for upload', 'using [redacted] for upload'],
    ['a Google API key', 'key AIzaSyA1234567890abcdefghijklmnopqrstuv used', 'key [redacted] used'],
    ['a GitHub token', 'token ghp_abcdefghijklmnopqrstuvwxyz0123456789 expired', 'token [redacted] expired'],
    ['a private key', '-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----', '[redacted] private key'],
  ])('removes %s', (_name, input, expected) => {
    expect(redact(input)).toBe(expected);
  });

  it('leaves ordinary failure messages alone', () => {
    const text = 'AssertionError: expected 201 but got 503: relation "orders" does not exist (token count 3)';
    expect(redact(text)).toBe(text);
  });

  it('replaces the values of secret environment variables wherever they appear', () => {
    const r = createRedactor({ STRIPE_SECRET: 'not-a-known-shape-42', PORT: '8080', DEBUG: 'true' });
    expect(r('charge failed with not-a-known-shape-42 on port 8080')).toBe('charge failed with [redacted] on port 8080');
  });
});

describe('hostAllowed', () => {
  it.each([
    ['http://127.0.0.1:8080/healthz', true],
    ['https://shop-api-abc123-uc.a.run.app/', true],
    ['https://evil.run.app.example.com/', false],
    ['http://169.254.169.254/computeMetadata/v1', false],
    ['http://10.0.0.7/', false],
    ['not a url', false],
  ])('%s -> %s', (url, allowed) => {
    expect(hostAllowed(url, ['127.0.0.1', 'localhost', '*.run.app'])).toBe(allowed);
  });
});
