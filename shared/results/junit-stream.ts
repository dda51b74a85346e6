import { statSync } from 'node:fs';
import type { TestCase } from './model.js';
import { caseId } from './case-id.js';
import { ResultsError } from '../kernel/errors.js';
import { AttributeSpans, CHUNK, parseAttributes, scanAttributes, XmlTokenizer, type XmlHandler } from './xml-tokenizer.js';

export { decodeEntities } from './xml-tokenizer.js';

/**
 * A streaming JUnit XML reader, written for this one job: the tokenizer (xml-tokenizer.ts)
 * finds the tags; this file gives them JUnit's meaning, keeps only what the normalized model
 * needs (copied out, so nothing pins a chunk), and hands each test case to `onCase` as soon as
 * it closes. Memory stays flat in the size of the file.
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
  /** Made on the first text: most cases (self-closing, passed) have none, and two buffers per case was garbage. */
  details?: TextBuffer;
  output?: TextBuffer;
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
  return readJUnit(file, limits, (c) => onCase(toTestCase(c, limits)), false, onProgress, chunkBytes);
}

/** What a tally needs of a case: see countJUnit. */
export type CaseOutcome = Pick<TestCase, 'suite' | 'status' | 'flaky' | 'durationMs'>;

/**
 * streamJUnit for a reader that only counts: told each case's suite (as its TestCase would
 * name it), outcome and duration, and nothing else is built (no id, text or TestCase). The
 * object it is handed is reused for the next case: read it during the call, do not keep it.
 * The same checks and errors as streamJUnit; `tdl results` reads through it.
 */
export async function countJUnit(
  file: string,
  limits: StreamLimits,
  onCase: (c: CaseOutcome) => void,
  onProgress?: (cases: number) => void,
  chunkBytes = CHUNK,
): Promise<StreamSummary> {
  const outcome: CaseOutcome = { suite: '', status: 'passed', flaky: false, durationMs: undefined };
  return readJUnit(
    file,
    limits,
    (c) => {
      outcome.suite = suiteOf(c);
      outcome.status = c.status;
      outcome.flaky = c.status === 'passed' && c.flakyRuns > 0;
      outcome.durationMs = c.durationMs;
      onCase(outcome);
    },
    true,
    onProgress,
    chunkBytes,
  );
}

async function readJUnit(
  file: string,
  limits: StreamLimits,
  emit: (c: CaseBuilder) => void | Promise<void>,
  counting: boolean,
  onProgress: ((cases: number) => void) | undefined,
  chunkBytes: number,
): Promise<StreamSummary> {
  const info = statSync(file);
  if (info.size > limits.maxFileBytes) {
    throw new ResultsError(`${file}: ${info.size} bytes, over the ${limits.maxFileBytes}-byte limit for a result file`);
  }
  if (info.size === 0) throw new ResultsError(`${file}: empty file, not a test report`);
  const reader = new JUnitReader(limits, emit, counting, onProgress);
  const tokenizer = new XmlTokenizer(file, reader, chunkBytes);
  reader.attach(tokenizer);
  // Awaited after each read, so a slow consumer holds back the reading, not memory.
  await tokenizer.run(() => reader.settle());
  const incomplete = reader.incompleteSuites();
  if (incomplete.length > 0) throw incompleteReport(file, incomplete);
  return { cases: reader.cases, suiteTimeMs: reader.suiteTimeMs };
}

/** JUnit's meaning of the tags: suites, cases, their outcome, output and properties. */
class JUnitReader implements XmlHandler {
  cases = 0;
  suiteTimeMs: number | undefined;
  private readonly suites: SuiteFrame[] = [];
  private readonly incomplete: DeclaredCounts[] = [];
  private rootDeclared: DeclaredCounts | null = null;
  private current: CaseBuilder | null = null;
  private capture: Capture = null;
  private propertyName: string | null = null;
  private propertyText = '';
  private sawRoot = false;
  private waits: Array<Promise<void>> = [];
  private xml!: XmlTokenizer;
  private readonly spans = new AttributeSpans();

  constructor(
    private readonly limits: StreamLimits,
    private readonly emit: (c: CaseBuilder) => void | Promise<void>,
    /** Only counts are wanted: a case's text, messages, properties and name are not read. */
    private readonly counting: boolean,
    private readonly onProgress?: (cases: number) => void,
  ) {}

  attach(xml: XmlTokenizer): void {
    this.xml = xml;
  }

  /** Suites that declare cases but list none (the root's declaration when nothing at all is listed). */
  incompleteSuites(): DeclaredCounts[] {
    if (this.cases === 0 && this.incomplete.length === 0 && this.rootDeclared && declaresAny(this.rootDeclared)) return [this.rootDeclared];
    return this.incomplete;
  }

  settle(): Promise<void> | undefined {
    return this.waits.length > 0 ? Promise.all(this.waits.splice(0)).then(() => undefined) : undefined;
  }

  wantsText(): boolean {
    return this.capture !== null && this.current !== null && !this.counting;
  }

  text(s: string): void {
    if (!this.current) return;
    if (this.capture === 'details') (this.current.details ??= new TextBuffer(this.limits.maxMessageChars)).add(s);
    else if (this.capture === 'output') (this.current.output ??= new TextBuffer(this.limits.maxOutputChars)).add(s);
    else if (this.capture === 'property') this.propertyText += s.slice(0, 1000);
  }

  start(name: string, raw: string, nameEnd: number, selfClosing: boolean): void {
    if (!this.sawRoot) {
      if (name !== 'testsuites' && name !== 'testsuite') this.xml.fail(`root element <${name}>: not a test report (expected <testsuites> or <testsuite>)`);
      this.sawRoot = true;
    }
    // Cases are most of the tags: their few attributes are read in place (startCase).
    if (name === 'testcase') return this.startCase(raw, nameEnd, selfClosing);
    // Inside a case, a count needs only the elements' names (outcome, reruns).
    if (this.counting && this.current && name !== 'testsuite' && name !== 'testsuites') return this.startInCase(this.current, name, null, selfClosing);
    const attrs = nameEnd < raw.length ? parseAttributes(raw, nameEnd) : null;
    const topLevel = this.xml.stack.length === 0;
    switch (name) {
      case 'testsuites':
        if (topLevel && attrs?.time !== undefined) this.suiteTimeMs = seconds(attrs.time);
        if (topLevel) this.rootDeclared = declaredOf('(testsuites)', attrs);
        break;
      case 'testsuite': {
        const parent = this.suites.at(-1);
        const suiteName = attrs?.name ?? parent?.name ?? '(suite)';
        this.suites.push({ name: suiteName, file: attrs?.file ?? attrs?.filepath ?? parent?.file, declared: declaredOf(suiteName, attrs), cases: 0, flagged: false });
        if (topLevel && attrs?.time !== undefined) this.suiteTimeMs = seconds(attrs.time);
        if (selfClosing) closeSuite(this.suites, this.incomplete);
        break;
      }
      default:
        if (this.current) this.startInCase(this.current, name, attrs, selfClosing);
    }
  }

  private startCase(raw: string, from: number, selfClosing: boolean): void {
    if (this.cases >= this.limits.maxCases) this.xml.fail(`more than ${this.limits.maxCases} test cases: over the limit for one run`);
    const suite = this.suites.at(-1);
    const spans = this.spans;
    const count = from < raw.length ? scanAttributes(raw, from, spans) : 0;
    let file: string | undefined;
    let filepath: string | undefined;
    let className: string | undefined;
    let name: string | undefined;
    let line = -1;
    let time = -1;
    // A repeated attribute keeps its last value, as in an object of them.
    for (let k = 0; k < count; k++) {
      if (spans.is(raw, k, 'classname')) className = spans.value(raw, k);
      else if (spans.is(raw, k, 'name')) name = this.counting ? '' : spans.value(raw, k);
      else if (spans.is(raw, k, 'file')) file = spans.value(raw, k);
      else if (spans.is(raw, k, 'time')) time = k;
      else if (spans.is(raw, k, 'line')) line = k;
      else if (spans.is(raw, k, 'filepath')) filepath = spans.value(raw, k);
    }
    // Numbers read in place: a plain decimal needs no string of its own.
    const lineNo = line < 0 ? NaN : numberAt(spans, raw, line);
    this.current = {
      suite: suite?.name ?? '(suite)',
      file: file ?? filepath ?? suite?.file,
      className,
      name: name ?? '(unnamed)',
      line: Number.isInteger(lineNo) ? lineNo : undefined,
      durationMs: time < 0 ? undefined : millisecondsAt(spans, raw, time),
      status: 'passed',
      flakyRuns: 0,
      reruns: 0,
    };
    if (selfClosing) this.endCase();
  }

  /** An element inside a test case: its outcome, reruns, output or a property. */
  private startInCase(c: CaseBuilder, name: string, attrs: Record<string, string> | null, selfClosing: boolean): void {
    switch (name) {
      case 'failure':
      case 'error':
        c.status = name === 'failure' ? 'failed' : 'error';
        c.message = attrs?.message;
        c.failureType = attrs?.type;
        if (!selfClosing) this.capture = 'details';
        break;
      case 'skipped':
        if (c.status === 'passed') c.status = 'skipped';
        if (attrs?.message && !c.message) c.message = attrs.message;
        if (!selfClosing) this.capture = 'details';
        break;
      case 'flakyFailure':
      case 'flakyError':
        c.flakyRuns++;
        break;
      case 'rerunFailure':
      case 'rerunError':
        c.reruns++;
        break;
      case 'system-out':
      case 'system-err':
        if (!selfClosing) this.capture = 'output';
        break;
      case 'property':
        this.propertyName = attrs?.name ?? null;
        if (this.propertyName && attrs?.value !== undefined) (c.properties ??= {})[this.propertyName] = attrs.value.slice(0, 1000);
        else if (this.propertyName && !selfClosing) {
          this.capture = 'property';
          this.propertyText = '';
        }
        break;
    }
  }

  end(name: string): void {
    switch (name) {
      case 'testsuite':
        closeSuite(this.suites, this.incomplete);
        break;
      case 'testcase':
        this.endCase();
        break;
      case 'failure':
      case 'error':
      case 'skipped':
      case 'system-out':
      case 'system-err':
        this.capture = null;
        break;
      case 'property':
        if (this.current && this.propertyName && this.capture === 'property') (this.current.properties ??= {})[this.propertyName] = this.propertyText.trim();
        this.capture = null;
        this.propertyName = null;
        break;
    }
  }

  private endCase(): void {
    const c = this.current;
    if (!c) return;
    this.current = null;
    this.capture = null;
    this.cases++;
    const frame = this.suites.at(-1);
    if (frame) frame.cases++;
    const wait = this.emit(c);
    if (wait) this.waits.push(wait);
    if (this.onProgress && this.cases % 10_000 === 0) this.onProgress(this.cases);
  }
}

/** The normalized case, built field by field: optional fields are left out, not set to undefined. */
function toTestCase(c: CaseBuilder, limits: StreamLimits): TestCase {
  const details = c.details?.value();
  const output = c.output?.value();
  const message = c.message === undefined ? undefined : c.message.slice(0, limits.maxMessageChars);
  const full = (c.message?.length ?? 0) + (c.details?.total ?? 0);
  const metrics = c.properties ? numericOf(c.properties) : undefined;
  // A case that failed and then passed on a rerun in the same run is flaky, not failed.
  const flaky = c.status === 'passed' && c.flakyRuns > 0;
  const named = namesOf(c);
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
  return out;
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

/**
 * runnerNames, remembered per suite, class and file: a run repeats a few hundred of them over
 * its cases, and working each out again was a tenth of the reading of a 10,000-case file.
 */
const NAMED = new Map<string, Map<string | undefined, ReturnType<typeof runnerNames>>>();
let remembered = 0;
function namesOf(c: { suite: string; className?: string; file?: string }): ReturnType<typeof runnerNames> {
  if (c.suite !== PYTEST_SUITE || !c.className) return { suite: c.suite, className: c.className, file: c.file };
  // Keyed by class, then file: no key string is built per case.
  let byFile = NAMED.get(c.className);
  if (!byFile) NAMED.set(c.className, (byFile = new Map()));
  let named = byFile.get(c.file);
  if (!named) {
    if (++remembered > 10_000) {
      NAMED.clear();
      remembered = 0;
    }
    byFile.set(c.file, (named = runnerNames(c)));
  }
  return named;
}

/** namesOf(c).suite, without the lookup when it is the case's file (pytest with a `file` attribute). */
function suiteOf(c: { suite: string; className?: string; file?: string }): string {
  if (c.suite !== PYTEST_SUITE || !c.className) return c.suite;
  return c.file ?? namesOf(c).suite;
}

/** Where the module path of a dotted Python classname ends: at its first capitalized part (a class). */
function firstClassIndex(parts: string[]): number {
  const i = parts.findIndex((p, k) => k > 0 && /^[A-Z]/.test(p));
  return i < 0 ? parts.length : i;
}

/** `time` in seconds, as runners write it ("0.013", "1,234.5"), to milliseconds. */
function seconds(value: string): number | undefined {
  if (value === '') return undefined;
  const n = value.includes(',') ? Number(value.replace(/,/g, '')) : Number(value);
  return Number.isFinite(n) && n >= 0 && value.trim() !== '' ? n * 1000 : undefined;
}

const POWERS_OF_TEN = Array.from({ length: 16 }, (_, i) => 10 ** i);

/**
 * Number() of s[start, end) when it is a plain decimal ("0.0123", "17"), as nearly all of a
 * report's times and lines are; -1 for anything else. Up to 15 digits are an exact integer, a
 * power of ten up to 10^15 is exact, and one division of exact operands rounds as Number() does.
 */
function plainDecimal(s: string, start: number, end: number): number {
  let m = 0;
  let digits = 0;
  let fraction = -1;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) {
      m = m * 10 + (c - 0x30);
      digits++;
      if (fraction >= 0) fraction++;
    } else if (c === 0x2e && fraction < 0) fraction = 0;
    else return -1;
  }
  if (digits === 0 || digits > 15) return -1;
  return fraction > 0 ? m / POWERS_OF_TEN[fraction]! : m;
}

/** Number() of attribute `k`'s decoded value. */
function numberAt(spans: AttributeSpans, raw: string, k: number): number {
  const plain = plainDecimal(raw, spans.at[4 * k + 2]!, spans.at[4 * k + 3]!);
  return plain >= 0 ? plain : Number(spans.value(raw, k));
}

/** seconds() of attribute `k`'s decoded value. */
function millisecondsAt(spans: AttributeSpans, raw: string, k: number): number | undefined {
  const plain = plainDecimal(raw, spans.at[4 * k + 2]!, spans.at[4 * k + 3]!);
  return plain >= 0 ? plain * 1000 : seconds(spans.value(raw, k));
}

function numericOf(props: Record<string, string>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(props)) {
    const n = Number(v);
    if (v.trim() !== '' && Number.isFinite(n)) out[k] = n;
  }
  return out;
}
