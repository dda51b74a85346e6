/**
 * The id that lets a case be followed across cycles. In a module of its own, without zod, so the
 * streaming reader (and `tdl results`, which loads only the reader) does not load the schemas.
 */
export function caseId(parts: { suite: string; className?: string; name: string; file?: string }): string {
  return `${parts.suite}::${parts.className ?? ''}::${parts.name}::${parts.file ?? ''}`;
}
