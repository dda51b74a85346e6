import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { caseId, type FileRead, type RejectedFile, type RunTotals, type SuiteSummary, type TestCase, type TestRun } from './model.js';

/**
 * Reads JUnit XML result files into the normalized model. A file that is not a test report
 * is rejected with its reason, never read as zero tests. DTDs are refused outright, so no
 * entity expansion and no external entities can happen.
 */

export interface IngestLimits {
  maxFileBytes: number;
  maxMessageChars: number;
  maxOutputChars: number;
  maxCases: number;
}

export const DEFAULT_LIMITS: IngestLimits = {
  maxFileBytes: 64 * 1024 * 1024,
  maxMessageChars: 8 * 1024,
  maxOutputChars: 2 * 1024,
  maxCases: 200_000,
};

const parser = new XMLParser({
  ignoreAttributes: false,
  // A prefix keeps attributes apart from child elements of the same name (node's runner
  // writes both a `failure` attribute and a <failure> element on a test case).
  attributeNamePrefix: '@_',
  processEntities: true,
  htmlEntities: false,
  parseAttributeValue: false,
  parseTagValue: false,
  trimValues: false,
  cdataPropName: '#cdata',
  isArray: (name) => ['testsuite', 'testcase', 'failure', 'error', 'skipped', 'property', 'flakyFailure', 'flakyError', 'rerunFailure', 'rerunError'].includes(name),
});

type Node = Record<string, unknown>;

export async function readResultFiles(paths: string[], limits: IngestLimits = DEFAULT_LIMITS): Promise<TestRun> {
  const cases: TestCase[] = [];
  const files: FileRead[] = [];
  const rejected: RejectedFile[] = [];
  for (const file of paths) {
    try {
      const read = await readJUnitFile(file, limits, limits.maxCases - cases.length);
      for (const c of read) cases.push(c);
      files.push({ path: file, tests: read.length, format: 'junit-xml' });
    } catch (error) {
      const reason = (error as Error).message;
      files.push({ path: file, tests: 0, error: reason });
      rejected.push({ path: file, reason });
    }
  }
  return { cases, totals: totalsOf(cases), suites: suitesOf(cases), files, rejected };
}

async function readJUnitFile(file: string, limits: IngestLimits, room: number): Promise<TestCase[]> {
  const info = await stat(file);
  if (info.size > limits.maxFileBytes) throw new Error(`${file} is ${info.size} bytes, over the ${limits.maxFileBytes}-byte limit`);
  if (info.size === 0) throw new Error(`${file} is empty: not a test report`);
  const text = await readFile(file, 'utf8');
  if (/<!DOCTYPE/i.test(text.slice(0, 4096)) || /<!ENTITY/i.test(text)) {
    throw new Error(`${file} declares a DTD or entities; refused (no DTD processing)`);
  }
  if (!text.trimStart().startsWith('<')) throw new Error(`${file} is not XML: not a test report`);
  let doc: Node;
  try {
    doc = parser.parse(text, true) as Node;
  } catch (error) {
    throw new Error(`${file} is not well-formed XML: ${(error as Error).message.split('\n')[0]}`);
  }
  const root = (doc.testsuites ?? null) as Node | null;
  const suites = root ? asArray(root.testsuite) : asArray(doc.testsuite);
  if (!root && suites.length === 0) throw new Error(`${file} has no <testsuites> or <testsuite> root: not a test report`);
  const cases: TestCase[] = [];
  const walk = (suite: Node, parentFile?: string) => {
    const name = attr(suite, 'name') ?? 'suite';
    const suiteFile = attr(suite, 'file') ?? parentFile;
    for (const tc of asArray(suite.testcase)) {
      if (cases.length >= room) throw new Error(`${file}: more than ${limits.maxCases} test cases in the run`);
      cases.push(toCase(tc, name, suiteFile, limits));
    }
    for (const nested of asArray(suite.testsuite)) walk(nested, suiteFile);
  };
  for (const s of suites) walk(s);
  return cases;
}

function toCase(tc: Node, suite: string, suiteFile: string | undefined, limits: IngestLimits): TestCase {
  const failure = first(tc.failure) ?? first(tc.rerunFailure);
  const error = first(tc.error) ?? first(tc.rerunError);
  const skipped = tc.skipped !== undefined;
  const flakyRuns = asArray(tc.flakyFailure).length + asArray(tc.flakyError).length;
  const reruns = asArray(tc.rerunFailure).length + asArray(tc.rerunError).length;
  const status: TestCase['status'] = failure ? 'failed' : error ? 'error' : skipped ? 'skipped' : 'passed';
  const problem = failure ?? error;
  const message = problem ? (attr(problem, 'message') ?? '') : undefined;
  const details = problem ? textOf(problem) : undefined;
  const full = (message?.length ?? 0) + (details?.length ?? 0);
  const time = attr(tc, 'time');
  const durationMs = time !== undefined && time.trim() !== '' && Number.isFinite(Number(time.replace(/,/g, ''))) ? Number(time.replace(/,/g, '')) * 1000 : undefined;
  const properties = Object.fromEntries(
    asArray((tc.properties as Node | undefined)?.property).map((p) => [attr(p, 'name') ?? '', attr(p, 'value') ?? textOf(p)]),
  );
  const metrics = Object.fromEntries(
    Object.entries(properties)
      .filter(([, v]) => v.trim() !== '' && Number.isFinite(Number(v)))
      .map(([k, v]) => [k, Number(v)]),
  );
  const out = [textOf(tc['system-out']), textOf(tc['system-err'])].filter(Boolean).join('\n');
  const name = attr(tc, 'name') ?? '(unnamed)';
  const className = attr(tc, 'classname');
  const file = attr(tc, 'file') ?? suiteFile;
  const line = Number(attr(tc, 'line'));
  return {
    id: caseId({ suite, className, name, file }),
    suite,
    className,
    name,
    file,
    line: Number.isInteger(line) ? line : undefined,
    status,
    durationMs,
    flaky: status === 'passed' && flakyRuns > 0 ? true : undefined,
    retries: flakyRuns + reruns > 0 ? flakyRuns + reruns : undefined,
    message: message?.slice(0, limits.maxMessageChars),
    failureType: problem ? attr(problem, 'type') : undefined,
    details: details?.slice(0, limits.maxMessageChars),
    detailsFullLength: full > 2 * limits.maxMessageChars || (details?.length ?? 0) > limits.maxMessageChars ? full : undefined,
    output: out ? out.slice(-limits.maxOutputChars) : undefined,
    properties: Object.keys(properties).length ? properties : undefined,
    metrics: Object.keys(metrics).length ? metrics : undefined,
  };
}

export function totalsOf(cases: TestCase[]): RunTotals {
  const t: RunTotals = { tests: cases.length, passed: 0, failed: 0, errors: 0, skipped: 0, flaky: 0, durationMs: 0 };
  for (const c of cases) {
    if (c.status === 'passed') t.passed++;
    else if (c.status === 'failed') t.failed++;
    else if (c.status === 'error') t.errors++;
    else t.skipped++;
    if (c.flaky) t.flaky++;
    t.durationMs += c.durationMs ?? 0;
  }
  t.durationMs = Math.round(t.durationMs * 1000) / 1000;
  return t;
}

export function suitesOf(cases: TestCase[]): SuiteSummary[] {
  const by = new Map<string, SuiteSummary>();
  for (const c of cases) {
    let s = by.get(c.suite);
    if (!s) by.set(c.suite, (s = { name: c.suite, tests: 0, passed: 0, failed: 0, errors: 0, skipped: 0, durationMs: 0 }));
    s.tests++;
    s[c.status === 'error' ? 'errors' : c.status]++;
    s.durationMs += c.durationMs ?? 0;
  }
  return [...by.values()];
}

/** Files under `root` matching any glob (`*`, `**`, `?`), relative to root, sorted. */
export async function findResultFiles(root: string, globs: string[]): Promise<string[]> {
  const patterns = globs.map(globToRegExp);
  const found: string[] = [];
  const walk = async (dir: string, rel: string, depth: number): Promise<void> => {
    if (depth > 12) return;
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.name === 'node_modules' || e.name === '.git') continue;
      const relPath = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(path.join(dir, e.name), relPath, depth + 1);
      else if (e.isFile() && patterns.some((p) => p.test(relPath))) found.push(path.join(root, relPath));
    }
  };
  await walk(root, '', 0);
  return found.sort();
}

export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i]!;
    if (ch === '*' && glob[i + 1] === '*') {
      re += glob[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += glob[i + 2] === '/' ? 2 : 1;
    } else if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else re += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

function asArray(v: unknown): Node[] {
  if (v === undefined || v === null) return [];
  return (Array.isArray(v) ? v : [v]).map((x) => (typeof x === 'object' && x !== null ? (x as Node) : { '#text': String(x) }));
}

function first(v: unknown): Node | undefined {
  return asArray(v)[0];
}

function attr(node: Node | undefined, name: string): string | undefined {
  const value = node ? str(node[`@_${name}`]) : undefined;
  return value === undefined ? undefined : decodeEntities(value);
}

const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** The parser leaves attribute values encoded: decode the XML entities and character references. */
function decodeEntities(value: string): string {
  if (!value.includes('&')) return value;
  return value.replace(/&(?:#x([0-9a-f]+)|#(\d+)|(lt|gt|amp|quot|apos));/gi, (m, hex: string, dec: string, named: string) => {
    if (named) return NAMED[named.toLowerCase()] ?? m;
    const code = hex ? parseInt(hex, 16) : Number(dec);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : m;
  });
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}

function textOf(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map(textOf).join('\n');
  const n = v as Node;
  return [str(n['#text']), textOf(n['#cdata'])].filter(Boolean).join('');
}
