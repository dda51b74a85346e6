import { spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, round } from './stats.js';

export interface IngestRow {
  parser: string;
  cases: number;
  mb: number;
  mbPerS: number;
  peakRssMb: number;
}

export const PARSERS = ['tdl', 'fast-xml-parser', 'junit2json', 'read'] as const;

/** A pytest-style JUnit file of `n` cases (about 300 bytes each; one in ten fails with a traceback). */
export async function generatePytestJUnit(file: string, n: number): Promise<void> {
  const out = createWriteStream(file);
  const write = (s: string) => (out.write(s) ? Promise.resolve() : new Promise<void>((r) => out.once('drain', () => r())));
  await write('<?xml version="1.0" encoding="utf-8"?>\n<testsuites>\n');
  const perSuite = 1000;
  for (let s = 0; s * perSuite < n; s++) {
    const count = Math.min(perSuite, n - s * perSuite);
    await write(`<testsuite name="pytest" errors="0" failures="${Math.ceil(count / 10)}" skipped="0" tests="${count}" time="${(count * 0.0123).toFixed(3)}" timestamp="2026-11-20T10:00:00" hostname="ci">\n`);
    let block = '';
    for (let i = 0; i < count; i++) {
      const k = s * perSuite + i;
      const attrs = `classname="tests.e2e.checkout.test_module_${k % 97}.TestOrderCheckoutFlow" name="test_order_checkout_flow_with_discount_code_applied_${k}[case-${k % 13}-eu-west-1]" file="tests/e2e/checkout/test_module_${k % 97}.py" line="${(k % 400) + 1}" time="${(0.001 + (k % 50) / 1000).toFixed(4)}"`;
      if (k % 10 === 0) {
        block += `<testcase ${attrs}><failure message="AssertionError: assert 503 == 201">def test_order_flow_${k}(client):\n&gt;       assert r.status_code == 201\nE       assert 503 == 201\n\ntests/e2e/test_module_${k % 97}.py:${(k % 400) + 3}: AssertionError</failure></testcase>\n`;
      } else {
        block += `<testcase ${attrs}/>\n`;
      }
    }
    await write(block);
    await write('</testsuite>\n');
  }
  await write('</testsuites>\n');
  await new Promise<void>((r) => out.end(r));
}

/**
 * Ingestion throughput and peak memory, each parser in its own process on the same files,
 * median of `repeats` runs, in one run of the benchmark.
 */
export async function measureIngest(sizes: number[], repeats: number, say: (l: string) => void = () => {}): Promise<IngestRow[]> {
  const worker = path.join(path.dirname(fileURLToPath(import.meta.url)), 'ingest-worker.js');
  const dir = await mkdtemp(path.join(tmpdir(), 'tdl-ingest-bench-'));
  const rows: IngestRow[] = [];
  try {
    for (const n of sizes) {
      const file = path.join(dir, `pytest-${n}.xml`);
      await generatePytestJUnit(file, n);
      const mb = (await stat(file)).size / 1e6;
      say(`ingest: ${n} cases, ${mb.toFixed(1)} MB`);
      for (const parser of PARSERS) {
        const runs: Array<{ ms: number; cases: number; peakRssMb: number }> = [];
        for (let r = 0; r < repeats; r++) {
          const p = spawnSync(process.execPath, ['--max-old-space-size=4096', worker, parser, file], { encoding: 'utf8', maxBuffer: 1 << 20 });
          if (p.status !== 0) throw new Error(`${parser} on ${file}: ${p.stderr}`);
          runs.push(JSON.parse(p.stdout) as { ms: number; cases: number; peakRssMb: number });
        }
        const ms = median(runs.map((x) => x.ms));
        rows.push({ parser, cases: runs[0]!.cases, mb: round(mb), mbPerS: round(mb / (ms / 1000)), peakRssMb: round(median(runs.map((x) => x.peakRssMb))) });
        say(`ingest: ${parser}: ${rows.at(-1)!.mbPerS} MB/s, ${rows.at(-1)!.peakRssMb} MB peak`);
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return rows;
}
