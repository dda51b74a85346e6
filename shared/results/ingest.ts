import { open, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { FileRead, RejectedFile, RunTotals, SuiteSummary, TestCase, TestRun } from './model.js';
import { ResultsError } from '../errors.js';
import { streamJUnit, type StreamLimits } from './junit-stream.js';
import { readPytestJson } from './pytest-json.js';

/**
 * Reads result files into the normalized model: JUnit XML in its dialects (streamed) and
 * pytest-json-report. A file that is not a test report is rejected with its reason, never
 * read as zero tests.
 */

export type IngestLimits = StreamLimits;

export const DEFAULT_LIMITS: IngestLimits = {
  maxFileBytes: 512 * 1024 * 1024,
  maxMessageChars: 8 * 1024,
  maxOutputChars: 2 * 1024,
  maxCases: 1_000_000,
};

export type ResultFormat = 'junit-xml' | 'pytest-json';

/** Looks at the first bytes: '<' is XML, '{' is JSON; anything else is not a report we know. */
export async function sniffFormat(file: string): Promise<ResultFormat | { error: string }> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(512);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    if (bytesRead === 0) return { error: `${file}: empty file, not a test report` };
    const text = head.subarray(0, bytesRead).toString('utf8').replace(/^\uFEFF/, '').trimStart();
    if (text.startsWith('<')) return 'junit-xml';
    if (text.startsWith('{')) return 'pytest-json';
    if (head.subarray(0, bytesRead).some((b) => b === 0 || (b < 0x09))) return { error: `${file}: binary data, not a test report` };
    return { error: `${file}: neither XML nor JSON, not a test report` };
  } finally {
    await handle.close();
  }
}

/** Streams the cases of one file to `onCase`; resolves with the format and the count. */
export async function readResultFile(
  file: string,
  onCase: (c: TestCase) => void,
  limits: IngestLimits = DEFAULT_LIMITS,
  onProgress?: (cases: number) => void,
): Promise<{ format: ResultFormat; tests: number }> {
  const format = await sniffFormat(file);
  if (typeof format !== 'string') throw new ResultsError(format.error);
  if (format === 'pytest-json') return { format, tests: await readPytestJson(file, limits, onCase) };
  const { cases } = await streamJUnit(file, limits, onCase, onProgress);
  return { format, tests: cases };
}

/** Reads every file, keeping the cases; a rejected file is listed with its reason. */
export async function readResultFiles(paths: string[], limits: IngestLimits = DEFAULT_LIMITS, onProgress?: (cases: number) => void): Promise<TestRun> {
  const cases: TestCase[] = [];
  const files: FileRead[] = [];
  const rejected: RejectedFile[] = [];
  for (const file of paths) {
    const start = cases.length;
    try {
      const room = { ...limits, maxCases: limits.maxCases - start };
      const { format, tests } = await readResultFile(file, (c) => cases.push(c), room, onProgress);
      files.push({ path: file, tests, format });
    } catch (error) {
      // Nothing of a file that could not be read counts: its cases are dropped with it.
      cases.length = start;
      const reason = error instanceof ResultsError ? error.message : `${file}: ${(error as Error).message}`;
      files.push({ path: file, tests: 0, error: reason });
      rejected.push({ path: file, reason });
    }
  }
  return { cases, totals: totalsOf(cases), suites: suitesOf(cases), files, rejected };
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

