/**
 * Keeps secrets out of Firestore and reports: what a test or a deploy step printed is stored
 * only after tokens, keys and passwords in it are replaced by a marker.
 */

const MARK = '[redacted]';

type Replace = (match: string, ...groups: string[]) => string;
const whole: Replace = () => MARK;

/** Shapes of secrets that show up in test output and logs, each with what replaces it. */
const RULES: Array<{ pattern: RegExp; replace: Replace }> = [
  { pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g, replace: () => `${MARK} private key` },
  // Keep the header name so the line stays readable.
  {
    pattern: /\b(authorization|proxy-authorization)(["']?\s*[:=]\s*["']?)(?:bearer|basic|token)?\s*[A-Za-z0-9._~+/=-]{8,}/gi,
    replace: (_m, name, sep) => `${name}${sep}${MARK}`,
  },
  { pattern: /\bbearer\s+[A-Za-z0-9._~+/=-]{12,}/gi, replace: whole },
  { pattern: /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, replace: whole }, // JWT
  { pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g, replace: whole }, // AWS access key id
  { pattern: /\bAIza[0-9A-Za-z_-]{35}\b/g, replace: whole }, // Google API key
  { pattern: /\bya29\.[0-9A-Za-z_-]{20,}/g, replace: whole }, // Google OAuth access token
  { pattern: /\bgh[pousr]_[A-Za-z0-9]{30,}\b/g, replace: whole }, // GitHub tokens
  { pattern: /\bxox[abprs]-[A-Za-z0-9-]{10,}/g, replace: whole }, // Slack tokens
  { pattern: /\bsk_(?:live|test)_[A-Za-z0-9]{16,}/g, replace: whole }, // Stripe keys
  // key=value and "key": "value" where the key names a secret: keep the key.
  {
    pattern: /\b([A-Za-z0-9_.-]*(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|client[_-]?secret)[A-Za-z0-9_.-]*)(["']?\s*[:=]\s*["']?)[^\s"'&,;}{]{3,}/gi,
    replace: (_m, key, sep) => `${key}${sep}${MARK}`,
  },
  // user:password@host in URLs: keep the user and host.
  { pattern: /\b([a-z][a-z0-9+.-]*:\/\/[^:/\s@]+:)[^@\s/]{2,}@/gi, replace: (_m, prefix) => `${prefix}${MARK}@` },
];

export interface Redactor {
  (text: string): string;
}

/** Environment variable names whose values are secrets wherever they appear. */
const SECRET_NAME = /(TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIALS?)/i;

/**
 * A redactor that also replaces the literal values of secret-looking environment variables
 * (at least 6 characters, so that "1" or "true" are left alone).
 */
export function createRedactor(env: Record<string, string | undefined> = {}): Redactor {
  const literals = Object.entries(env)
    .filter(([name, value]) => SECRET_NAME.test(name) && value && value.length >= 6)
    .map(([, value]) => value!)
    .sort((a, b) => b.length - a.length);
  return (text: string) => {
    if (!text) return text;
    let out = text;
    for (const literal of literals) out = out.split(literal).join(MARK);
    for (const { pattern, replace } of RULES) out = out.replace(pattern, replace as (m: string, ...g: string[]) => string);
    return out;
  };
}

export const redact: Redactor = createRedactor();
