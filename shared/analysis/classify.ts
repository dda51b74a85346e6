import { failureLinks } from './cause-chain.js';
import { BUILT_IN_RULES, CONNECTION_CATEGORIES, CONNECTION_TARGETS, type Rule } from './rules.js';
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

interface Decision {
  rule: Rule;
  link: string;
  match: RegExpExecArray;
}

/** An assertion's failure is the symptom: any cause named elsewhere in the failure explains it. */
const isSymptom = (rule: Rule) => rule.category === 'product-defect';

/**
 * Classifies one failed test. Its text is read as a chain of causes, deepest first (see
 * cause-chain.ts); in each link the first rule that matches is that link's reading, rules
 * tried in order (a loop config's own first, then the built-in ones, whose order encodes root
 * cause over symptom: see rules.ts). The deepest link that names a cause decides; an
 * assertion decides only when no link names a cause, so a 500 whose body or printed log names
 * a missing table is a database failure. A failed connection is then read by what it
 * connected to (see CONNECTION_TARGETS). The evidence is the line(s) the match is on; the
 * signature is built from the matched text, so failures with one cause share it.
 */
export function classifyFailure(input: FailureInput, rules: readonly Rule[] = BUILT_IN_RULES): Classification {
  const links = failureLinks(input, SCAN_CHARS);
  const decision = decide(links, compile(ruleSet(rules)));
  if (!decision) {
    const first = firstLine(input);
    return { category: 'unknown', confidence: 0.3, signature: signatureOf('unknown', first), evidence: first ? [first] : [] };
  }
  const target = connectionTarget(decision, links);
  const rule = target ?? decision.rule;
  // Assertions are told apart by their first line (two wrong values are two defects);
  // causes by what matched (one refused handshake is one cause, whatever the test asserted).
  const decisive = rule.category === 'product-defect' ? firstLine(input) : decision.match[0];
  return {
    category: rule.category,
    confidence: rule.confidence,
    signature: signatureOf(rule.category, decisive),
    evidence: linesAround(decision.link, decision.match.index, decision.match[0].length),
    ...(rule.why ? { rule: rule.why } : {}),
  };
}

function decide(links: readonly string[], compiled: readonly Compiled[]): Decision | null {
  let symptom: Decision | null = null;
  for (const link of links) {
    for (const { rule, regex } of compiled) {
      const match = regex.exec(link);
      if (!match) continue;
      if (!isSymptom(rule)) return { rule, link, match };
      symptom ??= { rule, link, match };
      break;
    }
  }
  return symptom;
}

const compiledTargets = CONNECTION_TARGETS.map((t) => ({ ...t, regex: new RegExp(t.pattern, 'i') }));

/** An HTTP(S) URL on the line that failed: the connection was an HTTP request, whatever else the text names. */
const HTTP_TARGET = /\bhttps?:\/\//i;

/** A connection that failed (refused, unresolved, timed out) is about what it connected to. */
function connectionTarget(decision: Decision, links: readonly string[]): Rule | null {
  if (!CONNECTION_CATEGORIES.includes(decision.rule.category)) return null;
  const { link, match } = decision;
  const end = link.indexOf('\n', match.index + match[0].length);
  const line = link.slice(link.lastIndexOf('\n', match.index) + 1, end < 0 ? link.length : end);
  if (HTTP_TARGET.test(line)) return null;
  const all = links.join('\n');
  return compiledTargets.find((t) => t.regex.test(all)) ?? null;
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
    // pytest marks the lines of an error with `E` in the margin; the evidence is the line itself.
    .map((l) => l.trim().replace(/^E\s{2,}/, '').slice(0, 300))
    .filter(Boolean);
  // A match across a message and a stack frame: its first and last lines are the evidence.
  return lines.length > 3 ? [lines[0]!, lines[lines.length - 1]!] : lines;
}
