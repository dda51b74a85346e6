import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { caseId, type TestCase } from './model.js';
import { ResultsError } from '../kernel/errors.js';

/**
 * A streaming JUnit XML reader, written for this one job: it scans the bytes of each read
 * chunk for tags, keeps only what the normalized model needs (copied out, so nothing pins a
 * chunk), and hands each test case to `onCase` as soon as it closes. Memory stays flat in the
 * size of the file. It refuses any DOCTYPE, so no DTD, entity expansion or external entity is
 * ever processed.
 */

export interface StreamLimits {
  maxFileBytes: number;
  /** Characters kept of a failure message and of its details, each. */
  maxMessageChars: number;
  /** Characters kept of a case's stdout/stderr. */
  maxOutputChars: number;
  maxCases: number;
}

export interface StreamSummary {
  cases: number;
  /** Duration from the root or suite `time` attributes, for runners that time suites only. */
  suiteTimeMs?: number;
}

const LT = 0x3c; // <
const GT = 0x3e; // >
const QUOT = 0x22; // "
const APOS = 0x27; // '
const AMP = 0x26; // &
const MAX_TAG_BYTES = 1024 * 1024;
const MAX_DEPTH = 256;
/** 64 KiB reads keep peak memory flat (larger chunks leave more garbage between collections). */
const CHUNK = 64 * 1024;

type Capture = 'details' | 'output' | 'property' | null;

interface CaseBuilder {
  suite: string;
  file?: string;
  className?: string;
  name: string;
  line?: number;
  durationMs?: number;
  status: TestCase['status'];
  message?: string;
  failureType?: string;
  details: TextBuffer;
  output: TextBuffer;
  flakyRuns: number;
  reruns: number;
  properties?: Record<string, string>;
}

/** Collects text up to a limit, as copies; counts what it dropped. */
class TextBuffer {
  private parts: string[] = [];
  private kept = 0;
  total = 0;
  constructor(private readonly max: number) {}
  add(text: string): void {
    this.total += text.length;
    if (this.kept >= this.max) return;
    const piece = text.length > this.max - this.kept ? text.slice(0, this.max - this.kept) : text;
    this.parts.push(piece);
    this.kept += piece.length;
  }
  value(): string | undefined {
    if (this.total === 0) return undefined;
    return this.parts.join('');
  }
}

export async function streamJUnit(
  file: string,
  limits: StreamLimits,
  /** Told each case as it closes; a promise it returns holds the reading back until it settles. */
  onCase: (c: TestCase) => void | Promise<void>,
  onProgress?: (cases: number) => void,
  /** Bytes per read; tests use tiny ones to put tokens across chunk boundaries. */
  chunkBytes = CHUNK,
): Promise<StreamSummary> {
  const info = await stat(file);
  if (info.size > limits.maxFileBytes) {
    throw new ResultsError(`${file}: ${info.size} bytes, over the ${limits.maxFileBytes}-byte limit for a result file`);
  }
  if (info.size === 0) throw new ResultsError(`${file}: empty file, not a test report`);

  const suites: SuiteFrame[] = [];
  const incomplete: DeclaredCounts[] = [];
  let rootDeclared: DeclaredCounts | null = null;
  const stack: string[] = [];
  let root: string | null = null;
  let current: CaseBuilder | null = null;
  let capture: Capture = null;
  let propertyName: string | null = null;
  let propertyText = '';
  let cases = 0;
  let suiteTimeMs: number | undefined;
  let carry: Buffer | null = null;
  let inCdata = false;
  let inComment = false;

  // Lines are counted only when there is an error to place: counting them costs on every tag.
  let bufStart = 0;
  let position = 0;
  const fail = (what: string): never => {
    throw new ResultsError(`${file}: ${what} (near line ${lineAt(file, bufStart + position)})`);
  };

  const text = (s: string) => {
    if (!current) return;
    if (capture === 'details') current.details.add(s);
    else if (capture === 'output') current.output.add(s);
    else if (capture === 'property') propertyText += s.slice(0, 1000);
  };

  const startTag = (raw: string, selfClosing: boolean) => {
    const sp = raw.search(/[\s/]/);
    const name = sp < 0 ? raw : raw.slice(0, sp);
    if (root === null) {
      if (name !== 'testsuites' && name !== 'testsuite') fail(`root element <${name}>: not a test report (expected <testsuites> or <testsuite>)`);
      root = name;
    }
    const attrs = sp < 0 ? null : parseAttributes(raw, sp);
    switch (name) {
      case 'testsuites':
        if (stack.length === 0 && attrs?.time !== undefined) suiteTimeMs = seconds(attrs.time);
        if (stack.length === 0) rootDeclared = declaredOf('(testsuites)', attrs);
        break;
      case 'testsuite': {
        const parent = suites.at(-1);
        const suiteName = attrs?.name ?? parent?.name ?? '(suite)';
        suites.push({ name: suiteName, file: attrs?.file ?? attrs?.filepath ?? parent?.file, declared: declaredOf(suiteName, attrs), cases: 0, flagged: false });
        if (stack.length === 0 && attrs?.time !== undefined) suiteTimeMs = seconds(attrs.time);
        if (selfClosing) closeSuite(suites, incomplete);
        break;
      }
      case 'testcase': {
        if (cases >= limits.maxCases) fail(`more than ${limits.maxCases} test cases: over the limit for one run`);
        current = newCase(attrs, suites.at(-1), limits);
        if (selfClosing) endCase();
        break;
      }
      case 'failure':
      case 'error':
        if (current) {
          current.status = name === 'failure' ? 'failed' : 'error';
          current.message = attrs?.message;
          current.failureType = attrs?.type;
          if (!selfClosing) capture = 'details';
        }
        break;
      case 'skipped':
        if (current) {
          if (current.status === 'passed') current.status = 'skipped';
          if (attrs?.message && !current.message) current.message = attrs.message;
          if (!selfClosing) capture = 'details';
        }
        break;
      case 'flakyFailure':
      case 'flakyError':
        if (current) current.flakyRuns++;
        break;
      case 'rerunFailure':
      case 'rerunError':
        if (current) current.reruns++;
        break;
      case 'system-out':
      case 'system-err':
        if (current && !selfClosing) capture = 'output';
        break;
      case 'property':
        if (current) {
          propertyName = attrs?.name ?? null;
          if (propertyName && attrs?.value !== undefined) (current.properties ??= {})[propertyName] = attrs.value.slice(0, 1000);
          else if (propertyName && !selfClosing) {
            capture = 'property';
            propertyText = '';
          }
        }
        break;
    }
    if (!selfClosing) {
      if (stack.length >= MAX_DEPTH) fail(`elements nested deeper than ${MAX_DEPTH}`);
      stack.push(name);
    }
  };

  const endTag = (name: string) => {
    const open = stack.pop();
    if (open !== name) fail(`</${name}> closes <${open ?? 'nothing'}>: not well-formed XML`);
    switch (name) {
      case 'testsuite':
        closeSuite(suites, incomplete);
        break;
      case 'testcase':
        endCase();
        break;
      case 'failure':
      case 'error':
      case 'skipped':
      case 'system-out':
      case 'system-err':
        capture = null;
        break;
      case 'property':
        if (current && propertyName && capture === 'property') (current.properties ??= {})[propertyName] = propertyText.trim();
        capture = null;
        propertyName = null;
        break;
    }
  };

  const endCase = () => {
    const c = current;
    if (!c) return;
    current = null;
    capture = null;
    cases++;
    const frame = suites.at(-1);
    if (frame) frame.cases++;
    const named = runnerNames(c);
    const details = c.details.value();
    const output = c.output.value();
    const message = c.message === undefined ? undefined : c.message.slice(0, limits.maxMessageChars);
    const full = (c.message?.length ?? 0) + c.details.total;
    const metrics = c.properties ? numericOf(c.properties) : undefined;
    // A case that failed and then passed on a rerun in the same run is flaky, not failed.
    const flaky = c.status === 'passed' && c.flakyRuns > 0;
    // Built field by field: optional fields are left out, not set to undefined.
    const out: TestCase = {
      id: caseId({ suite: named.suite, className: named.className, name: c.name, file: named.file }),
      suite: named.suite,
      name: c.name,
      status: c.status,
    };
    if (named.className !== undefined) out.className = named.className;
    if (named.file !== undefined) out.file = named.file;
    if (c.line !== undefined) out.line = c.line;
    if (c.durationMs !== undefined) out.durationMs = c.durationMs;
    if (flaky) out.flaky = true;
    if (c.flakyRuns + c.reruns > 0) out.retries = c.flakyRuns + c.reruns;
    if (message !== undefined && message !== '') out.message = message;
    if (c.failureType !== undefined) out.failureType = c.failureType;
    if (details !== undefined && details.trim() !== '') out.details = details.trim();
    if (full > (message?.length ?? 0) + (details?.length ?? 0)) out.detailsFullLength = full;
    if (output !== undefined && output.trim() !== '') out.output = output.trim();
    if (c.properties) out.properties = c.properties;
    if (metrics && Object.keys(metrics).length) out.metrics = metrics;
    const wait = onCase(out);
    if (wait) waits.push(wait);
    if (onProgress && cases % 10_000 === 0) onProgress(cases);
  };

  // Awaited after each read, so a slow consumer holds back the reading, not memory.
  const waits: Array<Promise<void>> = [];
  const stream = createReadStream(file, { highWaterMark: chunkBytes });
  let sawAnything = false;
  let finished = false;
  let consumed = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    bufStart = consumed - (carry?.length ?? 0);
    consumed += chunk.length;
    const buf: Buffer = carry ? Buffer.concat([carry, chunk]) : chunk;
    carry = null;
    position = 0;
    let i = 0;
    if (!sawAnything) {
      sawAnything = true;
      // A BOM, then optional whitespace, then '<': anything else is not XML.
      if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) i = 3;
      while (i < buf.length && (buf[i] === 0x20 || buf[i] === 0x0a || buf[i] === 0x0d || buf[i] === 0x09)) i++;
      if (i < buf.length && buf[i] !== LT) fail('does not start with "<": not XML, not a test report');
    }
    const n = buf.length;
    while (i < n) {
      if (inComment) {
        const end = buf.indexOf('-->', i, 'latin1');
        if (end < 0) {
          carry = Buffer.from(buf.subarray(Math.max(i, n - 2)));
          i = n;
          break;
        }
        inComment = false;
        i = end + 3;
        continue;
      }
      if (inCdata) {
        const end = buf.indexOf(']]>', i, 'latin1');
        const stop = end < 0 ? Math.max(i, n - 2) : end;
        if (capture) text(buf.toString('utf8', i, stop));
        if (end < 0) {
          carry = Buffer.from(buf.subarray(stop));
          i = n;
          break;
        }
        inCdata = false;
        i = end + 3;
        continue;
      }
      const lt = buf.indexOf(LT, i);
      const textEnd = lt < 0 ? n : lt;
      position = i;
      if (textEnd > i) {
        if (capture && current) {
          let stop = textEnd;
          if (lt < 0) {
            // Keep a reference cut by the chunk boundary (&am|p;) for the next round.
            const amp = buf.lastIndexOf(AMP, textEnd - 1);
            if (amp >= i && textEnd - amp < 12 && buf.indexOf(0x3b, amp) < 0) stop = amp;
          }
          text(decodeEntities(buf.toString('utf8', i, stop)));
          if (stop < textEnd) {
            carry = Buffer.from(buf.subarray(stop));
            i = n;
            break;
          }
        } else if (root === null && buf.subarray(i, textEnd).some((b) => b > 0x20)) {
          fail('text before the root element: not a test report');
        }
      }
      if (lt < 0) {
        i = n;
        break;
      }
      // A tag: find its end, minding quotes, or carry it to the next chunk.
      const next = buf[lt + 1];
      if (next === undefined) {
        carry = Buffer.from(buf.subarray(lt));
        i = n;
        break;
      }
      if (next === 0x21 /* ! */) {
        if (buf.length - lt < 9) {
          carry = Buffer.from(buf.subarray(lt));
          i = n;
          break;
        }
        if (buf.toString('latin1', lt, lt + 4) === '<!--') {
          inComment = true;
          i = lt + 4;
          continue;
        }
        if (buf.toString('latin1', lt, lt + 9) === '<![CDATA[') {
          inCdata = true;
          i = lt + 9;
          continue;
        }
        fail('declares a DOCTYPE or DTD: refused (no DTD processing, so no entity expansion or external entities)');
      }
      const end = findTagEnd(buf, lt + 1);
      if (end === -2) fail('a tag that is never closed: not well-formed XML');
      if (end < 0) {
        if (n - lt > MAX_TAG_BYTES) fail(`a tag longer than ${MAX_TAG_BYTES} bytes`);
        carry = Buffer.from(buf.subarray(lt));
        i = n;
        break;
      }
      position = lt;
      if (next === 0x3f /* ? */) {
        i = end + 1;
        continue;
      }
      if (next === 0x2f /* / */) {
        endTag(buf.toString('utf8', lt + 2, end).trim());
      } else {
        const selfClosing = buf[end - 1] === 0x2f;
        const raw = buf.toString('utf8', lt + 1, selfClosing ? end - 1 : end);
        const c0 = raw.charCodeAt(0);
        if (!((c0 >= 65 && c0 <= 90) || (c0 >= 97 && c0 <= 122) || c0 === 95)) fail(`"<${raw.slice(0, 20)}" is not a tag: not XML`);
        startTag(raw, selfClosing);
      }
      i = end + 1;
      if (root !== null && stack.length === 0) {
        // The root closed: what follows (whitespace, comments) is not ours to read.
        finished = true;
        break;
      }
    }
    if (waits.length > 0) await Promise.all(waits.splice(0));
    if (finished) break;
  }
  stream.destroy();
  if (root === null) fail('no root element: not a test report');
  if (stack.length > 0 || inCdata || inComment) fail(`ends inside <${stack.at(-1) ?? 'CDATA'}>: truncated`);
  if (cases === 0 && incomplete.length === 0 && rootDeclared && declaresAny(rootDeclared)) incomplete.push(rootDeclared);
  if (incomplete.length > 0) throw incompleteReport(file, incomplete);
  return { cases, suiteTimeMs };
}

/** A case opened by <testcase>, in the suite it sits in. */
function newCase(attrs: Record<string, string> | null, suite: SuiteFrame | undefined, limits: StreamLimits): CaseBuilder {
  const lineNo = attrs?.line !== undefined ? Number(attrs.line) : NaN;
  return {
    suite: suite?.name ?? '(suite)',
    file: attrs?.file ?? attrs?.filepath ?? suite?.file,
    className: attrs?.classname,
    name: attrs?.name ?? '(unnamed)',
    line: Number.isInteger(lineNo) ? lineNo : undefined,
    durationMs: attrs?.time !== undefined ? seconds(attrs.time) : undefined,
    status: 'passed',
    details: new TextBuffer(limits.maxMessageChars),
    output: new TextBuffer(limits.maxOutputChars),
    flakyRuns: 0,
    reruns: 0,
  };
}

/** What a <testsuite> (or the root <testsuites>) says it holds, read from its attributes. */
export interface DeclaredCounts {
  suite: string;
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
}

interface SuiteFrame {
  name: string;
  file?: string;
  declared: DeclaredCounts;
  /** Cases listed inside it, nested suites' included. */
  cases: number;
  /** It or a suite inside it was already found declaring cases it does not list. */
  flagged: boolean;
}

function declaredOf(suite: string, attrs: Record<string, string> | null): DeclaredCounts {
  const count = (v: string | undefined) => {
    const n = v === undefined ? 0 : Number(v.replace(/,/g, ''));
    return Number.isInteger(n) && n > 0 ? n : 0;
  };
  return { suite, tests: count(attrs?.tests), failures: count(attrs?.failures), errors: count(attrs?.errors), skipped: count(attrs?.skipped ?? attrs?.skip ?? attrs?.disabled) };
}

function declaresAny(d: DeclaredCounts): boolean {
  return d.tests + d.failures + d.errors + d.skipped > 0;
}

/** Ends the innermost suite: one that declares cases but lists none (nor do its suites) is noted. */
function closeSuite(suites: SuiteFrame[], incomplete: DeclaredCounts[]): void {
  const s = suites.pop();
  if (!s) return;
  if (s.cases === 0 && !s.flagged && declaresAny(s.declared)) {
    incomplete.push(s.declared);
    s.flagged = true;
  }
  const parent = suites.at(-1);
  if (parent) {
    parent.cases += s.cases;
    parent.flagged ||= s.flagged;
  }
}

/**
 * A report whose suites declare tests but list no <testcase> is not "0 tests": the run was cut
 * short or its reporter dropped the cases. Refused, with what the suites declared, so the
 * cycle does not count it as passing.
 */
function incompleteReport(file: string, incomplete: DeclaredCounts[]): ResultsError {
  const shown = incomplete.slice(0, 3).map((d) => `suite "${d.suite.slice(0, 120)}" declares ${describeDeclared(d)} but lists no <testcase>`);
  const more = incomplete.length > 3 ? `; and ${incomplete.length - 3} more suites like it` : '';
  const declared = incomplete.reduce((t, d) => ({ tests: t.tests + d.tests, failures: t.failures + d.failures, errors: t.errors + d.errors, skipped: t.skipped + d.skipped }), { tests: 0, failures: 0, errors: 0, skipped: 0 });
  return new ResultsError(`${file}: ${shown.join('; ')}${more}: its results are missing, not zero`, { path: file, declared });
}

function describeDeclared(d: DeclaredCounts): string {
  const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
  return `${plural(d.tests, 'test')} (${plural(d.failures, 'failure')}, ${plural(d.errors, 'error')}, ${d.skipped} skipped)`;
}

/** pytest's default suite name: every case of a run sits under it, whatever its file. */
const PYTEST_SUITE = 'pytest';

/**
 * Suites and names as the runner's users know them. pytest puts every case under one suite
 * "pytest" with a dotted classname (tests.test_comments, tests.test_cart.TestCart): the file
 * becomes the suite and the classes the class, so ids read as pytest node ids
 * (tests/test_comments.py::test_list_comments). Other runners' suites are kept as written.
 */
export function runnerNames(c: { suite: string; className?: string; file?: string }): { suite: string; className?: string; file?: string } {
  if (c.suite !== PYTEST_SUITE || !c.className) return { suite: c.suite, className: c.className, file: c.file };
  const parts = c.className.split('.').filter(Boolean);
  const fromFile = c.file?.replace(/\\/g, '/').replace(/\.py$/, '').split('/');
  const moduleLength = fromFile && fromFile.every((m, i) => parts[i] === m) ? fromFile.length : firstClassIndex(parts);
  const file = c.file ?? `${parts.slice(0, moduleLength).join('/')}.py`;
  const classes = parts.slice(moduleLength);
  return { suite: file, ...(classes.length ? { className: classes.join('::') } : {}), file };
}

/** Where the module path of a dotted Python classname ends: at its first capitalized part (a class). */
function firstClassIndex(parts: string[]): number {
  const i = parts.findIndex((p, k) => k > 0 && /^[A-Z]/.test(p));
  return i < 0 ? parts.length : i;
}

/** The '>' that ends the tag starting at `from`, skipping quoted attribute values; -1 if not in `buf`. */
function findTagEnd(buf: Buffer, from: number): number {
  let j = from;
  for (;;) {
    const gt = buf.indexOf(GT, j);
    if (gt < 0) return -1;
    // Only a quote before the '>' can hide it; jump over each quoted value with indexOf.
    let q = -1;
    for (let k = j; k < gt; k++) {
      const b = buf[k]!;
      if (b === QUOT || b === APOS) {
        q = k;
        break;
      }
      if (b === LT) return -2; // a tag opened inside a tag: not well-formed
    }
    if (q < 0) return gt;
    const close = buf.indexOf(buf[q]!, q + 1);
    if (close < 0) return -1;
    j = close + 1;
  }
}

/** The 1-based line of a byte offset, read from the file again: only for error messages. */
function lineAt(file: string, offset: number): number {
  const fd = openSync(file, 'r');
  try {
    const block = Buffer.alloc(64 * 1024);
    let line = 1;
    for (let at = 0; at < offset; ) {
      const n = readSync(fd, block, 0, Math.min(block.length, offset - at), at);
      if (n <= 0) break;
      for (let j = block.indexOf(0x0a, 0); j >= 0 && j < n; j = block.indexOf(0x0a, j + 1)) line++;
      at += n;
    }
    return line;
  } finally {
    closeSync(fd);
  }
}

/** name="value" pairs of a start tag, values decoded. */
function parseAttributes(raw: string, from: number): Record<string, string> {
  const attrs: Record<string, string> = {};
  let i = from;
  const n = raw.length;
  while (i < n) {
    const eq = raw.indexOf('=', i);
    if (eq < 0) break;
    const name = raw.slice(i, eq).trim();
    let q = eq + 1;
    while (q < n && raw.charCodeAt(q) <= 0x20) q++;
    const quote = raw[q];
    if (quote !== '"' && quote !== "'") break;
    const close = raw.indexOf(quote, q + 1);
    if (close < 0) break;
    attrs[name] = decodeEntities(raw.slice(q + 1, close));
    i = close + 1;
  }
  return attrs;
}

const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** The five predefined entities and character references; anything else is left as written. */
export function decodeEntities(value: string): string {
  if (!value.includes('&')) return value;
  return value.replace(/&(?:#x([0-9a-f]{1,6})|#(\d{1,7})|(lt|gt|amp|quot|apos));/gi, (m, hex: string, dec: string, named: string) => {
    if (named) return NAMED[named.toLowerCase()] ?? m;
    const code = hex ? parseInt(hex, 16) : Number(dec);
    return code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff) ? String.fromCodePoint(code) : m;
  });
}

/** `time` in seconds, as runners write it ("0.013", "1,234.5"), to milliseconds. */
function seconds(value: string): number | undefined {
  if (value === '') return undefined;
  const n = value.includes(',') ? Number(value.replace(/,/g, '')) : Number(value);
  return Number.isFinite(n) && n >= 0 && value.trim() !== '' ? n * 1000 : undefined;
}

function numericOf(props: Record<string, string>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(props)) {
    const n = Number(v);
    if (v.trim() !== '' && Number.isFinite(n)) out[k] = n;
  }
  return out;
}
