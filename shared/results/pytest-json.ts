import { readFile, stat } from 'node:fs/promises';
import { z } from 'zod';
import type { TestCase } from './model.js';
import { caseId } from './case-id.js';
import { ResultsError } from '../kernel/errors.js';
import type { StreamLimits } from './junit-stream.js';

/** The parts of a pytest-json-report file we read. */
const Phase = z
  .object({
    duration: z.number().optional(),
    outcome: z.string().optional(),
    longrepr: z.string().optional(),
    crash: z.object({ path: z.string().optional(), lineno: z.number().optional(), message: z.string().optional() }).optional(),
    stdout: z.string().optional(),
    stderr: z.string().optional(),
  })
  .passthrough();
const Report = z.object({
  tests: z.array(
    z
      .object({
        nodeid: z.string(),
        lineno: z.number().optional(),
        outcome: z.string(),
        setup: Phase.optional(),
        call: Phase.optional(),
        teardown: Phase.optional(),
        user_properties: z.array(z.unknown()).optional(),
      })
      .passthrough(),
  ),
  summary: z.record(z.string(), z.unknown()).optional(),
});

/** Reads a pytest-json-report file (JSON is parsed whole, so it is bounded by the file size limit). */
export async function readPytestJson(file: string, limits: StreamLimits, onCase: (c: TestCase) => void | Promise<void>): Promise<number> {
  const info = await stat(file);
  const max = Math.min(limits.maxFileBytes, 256 * 1024 * 1024);
  if (info.size > max) throw new ResultsError(`${file}: ${info.size} bytes, over the ${max}-byte limit for a JSON report`);
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new ResultsError(`${file}: not valid JSON (${(error as Error).message})`);
  }
  const parsed = Report.safeParse(json);
  if (!parsed.success) throw new ResultsError(`${file}: JSON, but not a pytest-json-report (${parsed.error.issues[0]?.path.join('.') || 'root'}: ${parsed.error.issues[0]?.message})`);
  if (parsed.data.tests.length > limits.maxCases) throw new ResultsError(`${file}: more than ${limits.maxCases} test cases`);
  for (const t of parsed.data.tests) {
    const parts = t.nodeid.split('::');
    const filePath = parts[0] ?? '';
    const name = parts.at(-1) ?? t.nodeid;
    const className = parts.length > 2 ? parts.slice(1, -1).join('::') : undefined;
    const phases = [t.setup, t.call, t.teardown].filter((p): p is z.infer<typeof Phase> => p !== undefined);
    const failedPhase = phases.find((p) => p.outcome === 'failed');
    const status: TestCase['status'] =
      t.outcome === 'passed' || t.outcome === 'xpassed'
        ? 'passed'
        : t.outcome === 'skipped' || t.outcome === 'xfailed'
          ? 'skipped'
          : t.outcome === 'error' || (failedPhase && failedPhase !== t.call)
            ? 'error'
            : 'failed';
    const durations = phases.map((p) => p.duration).filter((d): d is number => d !== undefined);
    const message = failedPhase?.crash?.message;
    const details = failedPhase?.longrepr;
    const output = [t.call?.stdout, t.call?.stderr].filter(Boolean).join('\n');
    const metrics: Record<string, number> = {};
    for (const p of t.user_properties ?? []) {
      if (p && typeof p === 'object') for (const [k, v] of Object.entries(p)) if (typeof v === 'number' && Number.isFinite(v)) metrics[k] = v;
    }
    const wait = onCase({
      id: caseId({ suite: filePath, className, name, file: filePath }),
      suite: filePath,
      ...(className ? { className } : {}),
      name,
      file: filePath,
      ...(t.lineno !== undefined ? { line: t.lineno } : {}),
      status,
      ...(durations.length ? { durationMs: durations.reduce((a, b) => a + b, 0) * 1000 } : {}),
      ...(message ? { message: message.slice(0, limits.maxMessageChars) } : {}),
      ...(details ? { details: details.slice(0, limits.maxMessageChars) } : {}),
      ...((message?.length ?? 0) + (details?.length ?? 0) > 2 * limits.maxMessageChars ? { detailsFullLength: (message?.length ?? 0) + (details?.length ?? 0) } : {}),
      ...(output ? { output: output.slice(0, limits.maxOutputChars) } : {}),
      ...(Object.keys(metrics).length ? { metrics } : {}),
    });
    if (wait) await wait;
  }
  return parsed.data.tests.length;
}
