/**
 * A failure's signature: its deciding text with everything that varies between runs and tests
 * removed (numbers, ids, addresses, temp paths, timestamps), so the same cause failing many
 * tests reads as one cluster and can be followed across cycles.
 */
/** The statuses a test output names when it means the answer, kept in signatures. */
const HTTP_STATUSES = new Set(['200', '201', '202', '204', '301', '302', '304', '400', '401', '403', '404', '405', '409', '410', '422', '429', '500', '501', '502', '503', '504']);

export function normalize(text: string): string {
  return text
    .replace(/\\(["'])/g, '$1')
    .replace(/\b\d{4}-\d{2}-\d{2}[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?\b/g, '<time>')
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<uuid>')
    .replace(/\bhttps?:\/\/[^\s/"'`]+/gi, (m) => `${m.split('://')[0]}://<host>`)
    .replace(/\b(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?\b/g, '<addr>')
    .replace(/\blocalhost:\d+\b/g, '<addr>')
    .replace(/(?:\/tmp|\/var\/folders|C:\\Users\\[^\\]+\\AppData\\Local\\Temp)[^\s"'`:)]*/g, '<tmp>')
    .replace(/\b0x[0-9a-f]+\b/gi, '<hex>')
    .replace(/\b[0-9a-f]{10,}\b/gi, '<hex>')
    // HTTP statuses carry meaning; other numbers (ids, ports, counts, durations) do not.
    .replace(/\b\d+(?:\.\d+)?\b/g, (n) => (HTTP_STATUSES.has(n) ? n : '<n>'))
    .replace(/\s+/g, ' ')
    .trim();
}

/** `category: normalized deciding text`, short enough for a document field and a heading. */
export function signatureOf(category: string, text: string): string {
  const firstLine = text.split(/\r?\n/).find((l) => l.trim() !== '') ?? '';
  const core = normalize(firstLine).slice(0, 160);
  return `${category}: ${core || '(no message)'}`;
}
