import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { classifyFailure } from '../../../shared/analysis/classify.js';
import { CATEGORIES } from '../../../shared/config/categories.js';

const Labelled = z.object({ runner: z.string(), test: z.string(), message: z.string(), details: z.string(), label: z.enum(CATEGORIES) });
const rows = readFileSync(path.join(import.meta.dirname, '../../fixtures/failures/labelled.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((line) => Labelled.parse(JSON.parse(line)));

describe('classification on the labelled set (pytest, jest, vitest, node, JUnit 5, Go, Playwright)', () => {
  const results = rows.map((r) => ({ ...r, got: classifyFailure(r).category }));
  const per = Object.fromEntries(
    CATEGORIES.map((c) => {
      const of = results.filter((r) => r.label === c);
      return [c, { n: of.length, correct: of.filter((r) => r.got === c).length }];
    }),
  );

  it('covers every category with real runners\' output', () => {
    expect(rows.length).toBeGreaterThanOrEqual(60);
    for (const c of CATEGORIES) expect(per[c]!.n, c).toBeGreaterThanOrEqual(4);
    expect(new Set(rows.map((r) => r.runner))).toEqual(new Set(['pytest', 'jest', 'vitest', 'node', 'junit5', 'go', 'playwright']));
  });

  it('is at least 90 % accurate overall and 75 % in every category', () => {
    const table = Object.entries(per).map(([c, v]) => `${c.padEnd(15)} ${String(v.correct).padStart(3)}/${String(v.n).padEnd(3)} ${((v.correct / v.n) * 100).toFixed(1)} %`);
    table.push(`${'overall'.padEnd(15)} ${String(results.filter((r) => r.got === r.label).length).padStart(3)}/${String(results.length).padEnd(3)}`);
    const misses = results.filter((r) => r.got !== r.label).map((r) => `${r.label} read as ${r.got}: ${r.runner} ${r.test}`);
    console.log(`accuracy per category:\n${table.join('\n')}\n${misses.join('\n')}`);
    const correct = results.filter((r) => r.got === r.label).length;
    expect(correct / results.length).toBeGreaterThanOrEqual(0.9);
    for (const [c, v] of Object.entries(per)) expect(v.correct / v.n, c).toBeGreaterThanOrEqual(0.75);
  });
});
