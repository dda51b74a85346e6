import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { classifyFailure } from '../../../shared/analysis/classify.js';
import { CATEGORIES } from '../../../shared/config/categories.js';

const Labelled = z.object({
  runner: z.string(),
  test: z.string(),
  message: z.string(),
  details: z.string(),
  /** What the test printed (system-out), where the runner keeps a response body or a log line. */
  output: z.string().optional(),
  label: z.enum(CATEGORIES),
});
type Row = z.infer<typeof Labelled>;

function read(file: string): Row[] {
  return readFileSync(path.join(import.meta.dirname, '../../fixtures/failures', file), 'utf8')
    .trim()
    .split('\n')
    .map((line, i) => {
      const parsed = Labelled.safeParse(JSON.parse(line));
      if (!parsed.success) throw new Error(`${file}:${i + 1}: ${parsed.error.message}`);
      return parsed.data;
    });
}

const RUNNERS_WE_READ = ['pytest', 'jest', 'vitest', 'node', 'junit5', 'go', 'playwright'];

/**
 * The labelled sets, by when they were written. `labelled.jsonl` grew together with the rules
 * (a regression guard); `written-before-rule-changes.jsonl` was written and measured before the
 * rules it then drove were changed (round 1); `held-out-round-1.jsonl` was written after round
 * 1's freeze (26f2573) and measured once there, 23/48 (47.9 %), before round 2's changes: it
 * was held out in round 1 and is seen data in round 2. A blind set written after round 2's
 * freeze is kept outside this repository and measured once by someone else.
 */
const SPLITS = [
  { name: 'grew with the rules', file: 'labelled.jsonl', minRows: 60, runners: RUNNERS_WE_READ, minOverall: 0.9, minPerCategory: 0.75 },
  { name: 'written before the rule changes', file: 'written-before-rule-changes.jsonl', minRows: 60, runners: RUNNERS_WE_READ, minOverall: 0.9, minPerCategory: 0.75 },
  // Measured once in round 1 (23/48) before round 2 changed any rule; round 2's rules were then driven by it.
  { name: 'held out in round 1, measured 23/48 before round 2', file: 'held-out-round-1.jsonl', minRows: 30, runners: ['rspec', 'phpunit', 'mocha', 'kotest', 'ginkgo', 'testng'], minOverall: 0.9, minPerCategory: 0.75 },
  // Written for round 2 before any of its rule changes and measured then (33/71); it drove them.
  { name: 'written before round 2, measured 33/71 before its changes', file: 'written-before-round-2.jsonl', minRows: 60, runners: ['xunit', 'nunit', 'cargo', 'exunit', 'minitest', 'rspec', 'phpunit', 'pest', 'kotest', 'go', 'pytest'], minOverall: 0.9, minPerCategory: 0.75 },
  // Written blind by someone who read neither the rules nor the other sets, while round 2 changed
  // the rules, and measured once after they were frozen (80a4685): the estimate on unseen input.
  // No rule may change to pass it; the next round moves it up with the sets that drove the rules.
  { name: 'held out in round 2, written blind, measured after the freeze', file: 'held-out-round-2.jsonl', minRows: 90, runners: [], minOverall: null, minPerCategory: null },
] as const;

function table(rows: Row[]): { text: string; correct: number; per: Record<string, { n: number; correct: number }> } {
  const results = rows.map((r) => ({ ...r, got: classifyFailure(r).category }));
  const per: Record<string, { n: number; correct: number }> = {};
  for (const c of CATEGORIES) {
    const of = results.filter((r) => r.label === c);
    if (of.length > 0) per[c] = { n: of.length, correct: of.filter((r) => r.got === c).length };
  }
  const correct = results.filter((r) => r.got === r.label).length;
  const lines = Object.entries(per).map(([c, v]) => `${c.padEnd(15)} ${String(v.correct).padStart(3)}/${String(v.n).padEnd(3)} ${((v.correct / v.n) * 100).toFixed(1)} %`);
  lines.push(`${'overall'.padEnd(15)} ${String(correct).padStart(3)}/${String(results.length).padEnd(3)} ${((correct / results.length) * 100).toFixed(1)} %`);
  const misses = results.filter((r) => r.got !== r.label).map((r) => `  ${r.label} read as ${r.got}: ${r.runner} ${r.test}`);
  return { text: `${lines.join('\n')}${misses.length ? `\nmisses:\n${misses.join('\n')}` : ''}`, correct, per };
}

describe.each(SPLITS)('classification on the labelled set $name ($file)', (split) => {
  const rows = read(split.file);

  it("covers every category with real runners' output", () => {
    expect(rows.length).toBeGreaterThanOrEqual(split.minRows);
    for (const c of CATEGORIES) expect(rows.filter((r) => r.label === c).length, c).toBeGreaterThanOrEqual(4);
    for (const runner of split.runners) expect(rows.some((r) => r.runner === runner), runner).toBe(true);
  });

  it('prints its accuracy per category and meets its targets', () => {
    const { text, correct, per } = table(rows);
    console.log(`accuracy per category, ${split.name} (${split.file}):\n${text}`);
    if (split.minOverall !== null) expect(correct / rows.length).toBeGreaterThanOrEqual(split.minOverall);
    if (split.minPerCategory !== null) for (const [c, v] of Object.entries(per)) expect(v.correct / v.n, c).toBeGreaterThanOrEqual(split.minPerCategory);
  });
});
