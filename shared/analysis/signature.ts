import { createHash } from 'node:crypto';

/**
 * A failure's signature: its deciding text with everything that varies between runs and tests
 * removed (numbers, ids, addresses, temp paths, timestamps, quoted dynamic values), so the same
 * cause failing many tests reads as one cluster and can be followed across cycles by the
 * same-failure guard.
 */

/** The statuses a test output names when it means the answer, kept in signatures. */
const HTTP_STATUSES = new Set(['200', '201', '202', '204', '301', '302', '304', '400', '401', '403', '404', '405', '409', '410', '422', '429', '500', '501', '502', '503', '504']);

/** Readable part of a signature; longer texts keep this much and get a hash of the rest. */
const PREFIX_CHARS = 120;

/** Lines that frame a failure without saying what it is. */
const FRAMING = /^(?:Traceback \(most recent call last\):|Call log:|Caused by:?$|=== RUN\b|--- FAIL:|FAIL\b|at |❯ |\^+$|[-=_~+]{5,}|-{3,} ?(?:Captured|stdout|stderr))/;

/** Replaces what differs between two occurrences of one failure with placeholders. */
export function normalize(text: string): string {
  return (
    text
      .replace(/\\(["'])/g, '$1')
      .replace(/\b\d{4}-\d{2}-\d{2}[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?\b/g, '<time>')
      .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<uuid>')
      .replace(/\b(wss?|https?):\/\/[^\s/"'`]+/gi, (_m, scheme: string) => `${scheme}://<host>`)
      .replace(/(?<![\w:])(?:\[[0-9a-f:]+\]|::1|(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4})(?::\d+)?(?![\w:])/gi, '<addr>')
      .replace(/\b(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?\b/g, '<addr>')
      .replace(/\blocalhost:\d+\b/g, '<addr>')
      .replace(/(?:\/tmp|\/var\/folders|\/private\/var|C:\\Users\\[^\\]+\\AppData\\Local\\Temp)[^\s"'`:)]*/g, '<tmp>')
      .replace(/\b0x[0-9a-f]+\b/gi, '<hex>')
      .replace(/\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,}\b/gi, '<hex>')
      // Long quoted values (ids, tokens, generated names) vary per test; short ones name things.
      .replace(/(["'`])(?=[^"'`\n]{24,}\1)[^"'`\n]*\1/g, '$1<value>$1')
      .replace(/(["'`])[\w-]*\d{3,}[\w-]*\1/g, '$1<value>$1')
      // HTTP statuses carry meaning; other numbers (ids, ports, counts, durations) do not.
      .replace(/\b\d+(?:\.\d+)?\b/g, (n) => (HTTP_STATUSES.has(n) ? n : '<n>'))
      .replace(/\s+/g, ' ')
      .trim()
  );
}

/** The first line that says what went wrong: blank lines and framing (headers, frames) skipped. */
export function meaningfulLine(text: string): string {
  // A Python traceback names the exception on its last unindented line, after the frames.
  if (/^Traceback \(most recent call last\):/m.test(text)) {
    const last = text.split(/\r?\n/).filter((l) => /^\S/.test(l) && !l.startsWith('Traceback')).pop();
    if (last) return last.trim();
  }
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  return lines.find((l) => l !== '' && !FRAMING.test(l)) ?? lines.find((l) => l !== '') ?? '';
}

/**
 * The normalized first meaningful line of `message` (or of `details` when the message says
 * nothing), short and stable: at most PREFIX_CHARS readable characters, then `#` and a hash
 * of the full normalized line when it was longer, so two long lines sharing a prefix differ.
 */
export function failureSignature(message: string | undefined, details?: string): string {
  const line = meaningfulLine(message ?? '') || meaningfulLine(details ?? '');
  const core = normalize(line);
  if (core === '') return '(no message)';
  if (core.length <= PREFIX_CHARS) return core;
  const hash = createHash('sha1').update(core).digest('hex').slice(0, 8);
  return `${core.slice(0, PREFIX_CHARS).trimEnd()}… #${hash}`;
}

/** `category: signature of the deciding text`, short enough for a document field and a heading. */
export function signatureOf(category: string, text: string): string {
  return `${category}: ${failureSignature(text)}`;
}
