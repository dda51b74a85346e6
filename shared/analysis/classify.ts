import { BUILT_IN_RULES, type Rule } from './rules.js';
import { signatureOf } from './signature.js';

/** One failed test as a runner reported it. */
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
  /** 0..1: how sure the deciding rule is; 0.3 when no rule matched. */
  confidence: number;
  /** `category: normalized deciding text`: the same for every failure with this cause. */
  signature: string;
  /** The lines that decided it, trimmed, at most three. */
  evidence: string[];
  /** Why the deciding rule means this category. */
  rule?: string;
}

interface Compiled {
  rule: Rule;
  regex: RegExp;
}

const compiledCache = new WeakMap<readonly Rule[], Compiled[]>();
const tableCache = new WeakMap<readonly Rule[], Rule[]>();
/** Tables that already end with the built-in rules, so they are not appended twice. */
const completeTables = new WeakSet<readonly Rule[]>([BUILT_IN_RULES]);

function compile(rules: readonly Rule[]): Compiled[] {
  let compiled = compiledCache.get(rules);
  if (!compiled) {
    compiled = rules.map((rule) => ({ rule, regex: new RegExp(rule.pattern, 'i') }));
    compiledCache.set(rules, compiled);
  }
  return compiled;
}

/**
 * The table a loop uses: its config's rules first (a team's knowledge of its own system
 * outranks the generic rules), then the built-in table. The same `extra` array gives the same
 * table, so its regular expressions are compiled once.
 */
export function ruleSet(extra: readonly Rule[] = []): Rule[] {
  if (extra.length === 0) return BUILT_IN_RULES;
  if (completeTables.has(extra)) return extra as Rule[];
  let table = tableCache.get(extra);
  if (!table) {
    table = [...extra, ...BUILT_IN_RULES];
    tableCache.set(extra, table);
    completeTables.add(table);
  }
  return table;
}

/** Cut each text: classification looks at the start of long outputs, where the cause is named. */
const SCAN_CHARS = 16 * 1024;

/**
 * Classifies one failed test by the first rule that matches its message, details or output.
 * `rules` are a loop config's own rules, tried before the built-in ones (a table from
 * `ruleSet` is used as it is). Rule order encodes root cause over symptom (see rules.ts).
 * The evidence is the line(s) the match is on; the signature is built from the matched text,
 * so failures with one cause share it even when their assertion lines differ.
 */
export function classifyFailure(input: FailureInput, rules: readonly Rule[] = BUILT_IN_RULES): Classification {
  const text = [input.message, input.details, input.output]
    .filter((t): t is string => Boolean(t))
    .map((t) => t.slice(0, SCAN_CHARS))
    .join('\n');
  for (const { rule, regex } of compile(ruleSet(rules))) {
    const m = regex.exec(text);
    if (!m) continue;
    // Assertions are told apart by their first line (two wrong values are two defects);
    // causes by what matched (one refused handshake is one cause, whatever the test asserted).
    const decisive = rule.category === 'product-defect' ? firstLine(input) : m[0];
    return {
      category: rule.category,
      confidence: rule.confidence,
      signature: signatureOf(rule.category, decisive),
      evidence: linesAround(text, m.index, m[0].length),
      ...(rule.why ? { rule: rule.why } : {}),
    };
  }
  const first = firstLine(input);
  return {
    category: 'unknown',
    confidence: 0.3,
    signature: signatureOf('unknown', first),
    evidence: first ? [first] : [],
  };
}

function firstLine(input: FailureInput): string {
  const text = input.message?.trim() || input.details?.trim() || input.output?.trim() || '';
  return (text.split(/\r?\n/).find((l) => l.trim() !== '') ?? '').trim().slice(0, 300);
}

/** The lines a match spans (a rule may match across a message and its stack frame), at most three. */
function linesAround(text: string, index: number, length: number): string[] {
  const start = text.lastIndexOf('\n', index) + 1;
  let end = text.indexOf('\n', index + length);
  if (end < 0) end = text.length;
  const lines = text
    .slice(start, end)
    .split('\n')
    .map((l) => l.trim().slice(0, 300))
    .filter(Boolean);
  // A match across a message and a stack frame: its first and last lines are the evidence.
  return lines.length > 3 ? [lines[0]!, lines[lines.length - 1]!] : lines;
}
