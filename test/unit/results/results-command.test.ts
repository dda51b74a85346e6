import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { resultsCommand } from '../../../cli/commands/results.js';

const results = (f: string) => path.join(import.meta.dirname, '../../fixtures/results', f);
const junit = (f: string) => path.join(import.meta.dirname, '../../fixtures/junit', f);

async function tdlResults(args: string[]): Promise<{ code: number; stdout: string }> {
  let stdout = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  try {
    return { code: await resultsCommand.run(args), stdout };
  } finally {
    spy.mockRestore();
  }
}

afterEach(() => vi.restoreAllMocks());

describe('tdl results', () => {
  it('reports a suite that declares tests but lists none as a problem with the declared counts, and exits 1', async () => {
    const { code, stdout } = await tdlResults([results('pytest-cut-short.xml'), junit('empty_jest-junit.xml'), junit('jest-junit.xml')]);
    expect(code).toBe(1);
    expect(stdout).toContain('suite "pytest" declares 14 tests (4 failures, 0 errors, 1 skipped) but lists no <testcase>: its results are missing, not zero');
    expect(stdout).toContain('6 tests: 1 passed, 4 failed, 0 errors, 1 skipped, 0 flaky');
  });

  it('--json gives each file its declared counts (null when the file was read)', async () => {
    const { code, stdout } = await tdlResults(['--json', results('pytest-cut-short.xml'), junit('empty_java-junit.xml')]);
    expect(code).toBe(1);
    const summary = JSON.parse(stdout.trim().split('\n').at(-1)!) as { tests: number; files: Array<{ tests: number; error: string | null; declared: unknown }> };
    expect(summary.tests).toBe(0);
    expect(summary.files.map((f) => [f.tests, f.error !== null, f.declared])).toEqual([
      [0, true, { tests: 14, failures: 4, errors: 0, skipped: 1 }],
      [0, false, null],
    ]);
  });
});
