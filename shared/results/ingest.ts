import { closeSync, openSync, readSync } from 'node:fs';
import path from 'node:path';
import type { DeclaredCounts, FileRead, RejectedFile, RunSummary, StreamedRun, TestCase, TestRun } from './model.js';
import { ResultsError } from '../kernel/errors.js';
import { countJUnit, streamJUnit, type StreamLimits } from './junit-stream.js';
import { RunTally } from './tally.js';

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

/**
 * Looks at the first bytes: '<' is XML, '{' is JSON; anything else is not a report we know.
 * Read synchronously, as the reader reads (see XmlTokenizer.run): three asynchronous round trips
 * through the thread pool for 512 bytes each waited for a core on a busy machine.
 */
export async function sniffFormat(file: string): Promise<ResultFormat | { error: string }> {
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(512);
    const bytesRead = readSync(fd, head, 0, head.length, 0);
    if (bytesRead === 0) return { error: `${file}: empty file, not a test report` };
    const text = head.subarray(0, bytesRead).toString('utf8').replace(/^\uFEFF/, '').trimStart();
    if (text.startsWith('<')) return 'junit-xml';
    if (text.startsWith('{')) return 'pytest-json';
    if (head.subarray(0, bytesRead).some((b) => b === 0 || (b < 0x09))) return { error: `${file}: binary data, not a test report` };
    return { error: `${file}: neither XML nor JSON, not a test report` };
  } finally {
    closeSync(fd);
  }
}

/** Streams the cases of one file to `onCase` (a promise it returns holds the reading back); resolves with the format and the count. */
export async function readResultFile(
  file: string,
  onCase: (c: TestCase) => void | Promise<void>,
  limits: IngestLimits = DEFAULT_LIMITS,
  onProgress?: (cases: number) => void,
): Promise<{ format: ResultFormat; tests: number }> {
  const format = await sniffFormat(file);
  if (typeof format !== 'string') throw new ResultsError(format.error);
  if (format === 'pytest-json') {
    // Loaded with the first JSON report: it validates with zod, which a JUnit reading never needs.
    const { readPytestJson } = await import('./pytest-json.js');
    return { format, tests: await readPytestJson(file, limits, onCase) };
  }
  const { cases } = await streamJUnit(file, limits, onCase, onProgress);
  return { format, tests: cases };
}

/** readResultFile for a tally: counts the cases of one file into `tally` without building them (countJUnit). */
async function countResultFile(file: string, tally: RunTally, limits: IngestLimits, onProgress?: (cases: number) => void): Promise<{ format: ResultFormat; tests: number }> {
  const format = await sniffFormat(file);
  if (typeof format !== 'string') throw new ResultsError(format.error);
  if (format === 'pytest-json') {
    const { readPytestJson } = await import('./pytest-json.js');
    return { format, tests: await readPytestJson(file, limits, (c) => tally.add(c)) };
  }
  const { cases } = await countJUnit(file, limits, (c) => tally.add(c), onProgress);
  return { format, tests: cases };
}

/** Reads every file, keeping the cases; a rejected file is listed with its reason. */
export async function readResultFiles(paths: string[], limits: IngestLimits = DEFAULT_LIMITS, onProgress?: (cases: number) => void): Promise<TestRun> {
  const cases: TestCase[] = [];
  const summary = await summarizeResultFiles(paths, limits, onProgress, cases);
  return { ...summary, cases };
}

/**
 * Reads every file to count it, holding no case (or keeping them in `kept`). A file counts
 * only once it was read to its end: of a file that could not be read nothing is counted or
 * kept, and it is listed in `rejected` with its reason.
 */
export async function summarizeResultFiles(
  paths: string[],
  limits: IngestLimits = DEFAULT_LIMITS,
  onProgress?: (cases: number) => void,
  kept?: TestCase[],
): Promise<RunSummary> {
  const tally = new RunTally();
  const files: FileRead[] = [];
  const rejected: RejectedFile[] = [];
  for (const file of paths) {
    const start = kept?.length ?? 0;
    const fileTally = new RunTally();
    try {
      const room = { ...limits, maxCases: limits.maxCases - tally.totals().tests };
      // Counting alone builds no case (countJUnit); keeping them reads them whole.
      const { format, tests } = kept
        ? await readResultFile(
            file,
            (c) => {
              fileTally.add(c);
              kept.push(c);
            },
            room,
            onProgress,
          )
        : await countResultFile(file, fileTally, room, onProgress);
      tally.merge(fileTally);
      files.push({ path: file, tests, format });
    } catch (error) {
      if (kept) kept.length = start;
      const reason = reasonOf(file, error);
      const declared = declaredOf(error);
      files.push({ path: file, tests: 0, error: reason, ...(declared ? { declared } : {}) });
      rejected.push({ path: file, reason, ...(declared ? { declared } : {}) });
    }
  }
  return { totals: tally.totals(), suites: tally.suites(), files, rejected };
}

/**
 * The run in constant memory: every file is read once to check and count it, holding no
 * case; its `cases` read the files that passed again, as they are iterated, at most
 * `readAhead` cases ahead of the consumer. Reading twice costs about a second per 100 MB and
 * keeps a bad file's cases from ever reaching the consumer, which may already have stored
 * what came before them. A file that changed between the two readings fails the iteration.
 */
export async function openResultFiles(
  paths: string[],
  limits: IngestLimits = DEFAULT_LIMITS,
  onProgress?: (cases: number) => void,
  readAhead = 1000,
): Promise<StreamedRun> {
  const summary = await summarizeResultFiles(paths, limits, onProgress);
  // Re-iterable: each reading opens the files again, so a `record` retried after a transient
  // fault stores every case, not what an exhausted iterator has left.
  return { ...summary, cases: { [Symbol.asyncIterator]: () => rereadCases(summary.files, limits, readAhead) } };
}

async function* rereadCases(files: FileRead[], limits: IngestLimits, readAhead: number): AsyncGenerator<TestCase> {
  // Loaded by the first iteration: counting files (`tdl results`) never needs it.
  const { pull } = await import('./pull.js');
  for (const f of files) {
    if (f.error !== undefined) continue;
    const changed = (what: string) => new ResultsError(`${f.path}: changed after it was first read: ${what}`, { path: f.path });
    let seen = 0;
    try {
      yield* pull<TestCase>(
        (push) =>
          readResultFile(
            f.path,
            (c) => {
              if (++seen > f.tests) throw changed(`more than the ${f.tests} cases counted then`);
              return push(c);
            },
            limits,
          ),
        readAhead,
      );
    } catch (error) {
      if (error instanceof ResultsError && error.message.startsWith(`${f.path}: changed`)) throw error;
      const reason = reasonOf(f.path, error);
      throw new ResultsError(changed(reason.startsWith(`${f.path}: `) ? reason.slice(f.path.length + 2) : reason).message, { cause: error, path: f.path });
    }
    if (seen !== f.tests) throw changed(`${f.tests} cases then, ${seen} now`);
  }
}

/** The counts a refused file's suites declared without listing their cases, if that is why it was refused. */
function declaredOf(error: unknown): DeclaredCounts | undefined {
  if (!(error instanceof ResultsError)) return undefined;
  // Checked by hand rather than with the zod schema: the reading path stays free of zod.
  const d = error.context.declared as Partial<Record<keyof DeclaredCounts, unknown>> | undefined;
  const count = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;
  if (!d || !count(d.tests) || !count(d.failures) || !count(d.errors) || !count(d.skipped)) return undefined;
  return { tests: d.tests, failures: d.failures, errors: d.errors, skipped: d.skipped };
}

function reasonOf(file: string, error: unknown): string {
  return error instanceof ResultsError ? error.message : `${file}: ${(error as Error).message}`;
}

export { totalsOf, suitesOf } from './tally.js';

/** Files under `root` matching any glob (`*`, `**`, `?`), relative to root, sorted. */
export async function findResultFiles(root: string, globs: string[]): Promise<string[]> {
  const patterns = globs.map(globToRegExp);
  // Loaded here: reading a file (`tdl results`) never needs the promise API's module.
  const { readdir } = await import('node:fs/promises');
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

