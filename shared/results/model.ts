import { z } from 'zod';

/** Outcome of one test case after retries are folded in. */
export const TestStatus = z.enum(['passed', 'failed', 'error', 'skipped']);
export type TestStatus = z.infer<typeof TestStatus>;

/**
 * One normalized test case. Field names are plain so a result chunk reads well in the
 * Firestore console. Optional fields are omitted (not null) when the runner did not
 * report them: a missing duration stays missing, 0 stays 0.
 */
export const TestCase = z.object({
  /** Stable across cycles: suite, class, name and file joined; see `caseId`. */
  id: z.string(),
  suite: z.string(),
  className: z.string().optional(),
  name: z.string(),
  file: z.string().optional(),
  line: z.number().int().optional(),
  status: TestStatus,
  /** Duration exactly as reported, in milliseconds. */
  durationMs: z.number().nonnegative().optional(),
  /** True when the case failed and then passed on a rerun in the same run. */
  flaky: z.boolean().optional(),
  /** Number of extra attempts the runner reported (rerunFailure, flakyFailure, ...). */
  retries: z.number().int().nonnegative().optional(),
  message: z.string().optional(),
  /** Failure type as the runner named it (exception class, "AssertionError", ...). */
  failureType: z.string().optional(),
  details: z.string().optional(),
  /** Full size in characters of message + details before they were cut. */
  detailsFullLength: z.number().int().nonnegative().optional(),
  /** Excerpt of captured stdout/stderr. */
  output: z.string().optional(),
  /** Test properties; numeric ones are metrics reported by the test itself. */
  properties: z.record(z.string(), z.string()).optional(),
  metrics: z.record(z.string(), z.number()).optional(),
});
export type TestCase = z.infer<typeof TestCase>;

/** What the suites of a file declared although they listed no case: the results that are missing. */
export const DeclaredCounts = z.object({
  tests: z.number().int().nonnegative(),
  failures: z.number().int().nonnegative(),
  errors: z.number().int().nonnegative(),
  skipped: z.number().int().nonnegative(),
});
export type DeclaredCounts = z.infer<typeof DeclaredCounts>;

export const RejectedFile = z.object({
  path: z.string(),
  reason: z.string(),
  /** Set when the file's suites declare cases they do not list: the cycle cannot pass on it. */
  declared: DeclaredCounts.optional(),
});
export type RejectedFile = z.infer<typeof RejectedFile>;

/** Totals of a run; `tests` counts every case, `flaky` cases are also counted as passed. */
export const RunTotals = z.object({
  tests: z.number().int().nonnegative(),
  passed: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  errors: z.number().int().nonnegative(),
  skipped: z.number().int().nonnegative(),
  flaky: z.number().int().nonnegative(),
  /** Sum of reported case durations (or suite time when cases carry none). */
  durationMs: z.number().nonnegative(),
});
export type RunTotals = z.infer<typeof RunTotals>;

export const SuiteSummary = z.object({
  name: z.string(),
  tests: z.number().int().nonnegative(),
  passed: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  errors: z.number().int().nonnegative(),
  skipped: z.number().int().nonnegative(),
  durationMs: z.number().nonnegative(),
});
export type SuiteSummary = z.infer<typeof SuiteSummary>;

export const FileRead = z.object({
  path: z.string(),
  tests: z.number().int().nonnegative(),
  format: z.string().optional(),
  error: z.string().optional(),
  declared: DeclaredCounts.optional(),
});
export type FileRead = z.infer<typeof FileRead>;

/** What a run's result files hold, counted: totals, suites and the files read or rejected. */
export interface RunSummary {
  totals: RunTotals;
  suites: SuiteSummary[];
  files: FileRead[];
  rejected: RejectedFile[];
}

/** What a test run produced: every case, with totals, suites and the files read or rejected. */
export interface TestRun extends RunSummary {
  cases: TestCase[];
}

/**
 * A test run whose cases are read as they are iterated, once, so no more of them than the
 * consumer holds is ever in memory; a `TestRun` is one too.
 */
export interface StreamedRun extends RunSummary {
  cases: Iterable<TestCase> | AsyncIterable<TestCase>;
}

/** The id that lets a case be followed across cycles: in case-id.ts, which the streaming reader loads without zod. */
export { caseId } from './case-id.js';
