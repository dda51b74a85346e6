import { BUILT_IN_RULES, type Rule } from './rules.js';
import { signatureOf } from './signature.js';

export interface FailureInput {
  runner?: string;
  test: string;
  message?: string;
  details?: string;
  output?: string;
  file?: string;
}

export interface Classification {
  category: string;
  confidence: number;
  signature: string;
  /** The lines that decided it, trimmed. */
  evidence: string[];
  /** Why the deciding rule means this category. */
  rule?: string;
}

interface Compiled {
  rule: Rule;
  regex: RegExp;
}

const compiledCache = new WeakMap<readonly Rule[], Compiled[]>();

function compile(rules: readonly Rule[]): Compiled[] {
  let compiled = compiledCache.get(rules);
  if (!compiled) {
    compiled = rules.map((rule) => ({ rule, regex: new RegExp(rule.pattern, 'i') }));
    compiledCache.set(rules, compiled);
  }
  return compiled;
}

/** Loop-config rules first, then the built-in table; the same array gives the same compiled set. */
export function ruleSet(extra: readonly Rule[] = []): Rule[] {
  return extra.length ? [...extra, ...BUILT_IN_RULES] : BUILT_IN_RULES;
}

/** Cut each text: classification looks at the start of long outputs, where the cause is named. */
const SCAN_CHARS = 16 * 1024;

/**
 * Classifies one failed test by the first rule that matches its message, details or output.
 * The evidence is the line(s) the match is on; the signature is built from them, so failures
 * with one cause share it even when their assertion lines differ.
 */
export function classifyFailure(input: FailureInput, rules: readonly Rule[] = BUILT_IN_RULES): Classification {
  const text = [input.message, input.details, input.output]
    .filter((t): t is string => Boolean(t))
    .map((t) => t.slice(0, SCAN_CHARS))
    .join('\n');
  for (const { rule, regex } of compile(rules)) {
    const m = regex.exec(text);
    if (!m) continue;
    const evidence = linesAround(text, m.index, m[0].length);
    // Assertions and unknowns are told apart by their first line; causes by what matched.
    const decisive = rule.category === 'product-defect' ? firstLine(input) : m[0];
    return {
      category: rule.category,
      confidence: rule.confidence,
      signature: signatureOf(rule.category, decisive),
      evidence,
      rule: rule.why,
    };
  }
  return {
    category: 'unknown',
    confidence: 0.3,
    signature: signatureOf('unknown', firstLine(input)),
    evidence: firstLine(input) ? [firstLine(input)] : [],
  };
}

function firstLine(input: FailureInput): string {
  const text = input.message?.trim() || input.details?.trim() || input.output?.trim() || '';
  return (text.split(/\r?\n/).find((l) => l.trim() !== '') ?? '').trim().slice(0, 300);
}

function linesAround(text: string, index: number, length: number): string[] {
  const start = text.lastIndexOf('\n', index) + 1;
  let end = text.indexOf('\n', index + length);
  if (end < 0) end = text.length;
  return text
    .slice(start, end)
    .split('\n')
    .map((l) => l.trim().slice(0, 300))
    .filter(Boolean)
    .slice(0, 3);
}
