import { spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { packageRoot } from '../shared/local/function-hosts.js';
import { median, round } from './stats.js';

export interface IngestRow {
  parser: string;
  cases: number;
  mb: number;
  /** Spawn to exit, median. */
  ms: number;
  /** `ms` minus the same size's `read` median: what parsing adds above a process that starts Node and reads the file. */
  aboveReadMs: number;
  mbPerS: number;
  peakRssMb: number;
}

/**
 * `tdl` counts, as `tdl results` does (no TestCase built); `tdl-cases` builds every TestCase
 * with its failure text, as the job does when it stores them: the fair match for the peers,
 * which build a whole document.
 */
export const PARSERS = ['tdl', 'tdl-cases', 'fast-xml-parser', 'junit2json', 'read'] as const;

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
 * Ingestion throughput and peak memory of whole processes, median of `repeats` runs on the same
 * files: ours is `tdl results FILE --json` as a user runs it, each peer a process that loads
 * only its parser (ingest-peer.ts). Each is timed from spawn to exit, so the process's start-up
 * and module loading count, as they do for whoever runs it; each reports its own peak RSS.
 * `read` is the floor: a process started the same way that reads the file and parses nothing;
 * each row's `aboveReadMs` is its median minus that floor's median for the same file.
 */
export async function measureIngest(sizes: number[], repeats: number, say: (l: string) => void = () => {}): Promise<IngestRow[]> {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const peer = path.join(here, 'ingest-peer.js');
  const peakRss = pathToFileURL(path.join(here, 'peak-rss.js')).href;
  const tdl = path.join(packageRoot(), 'bin', 'tdl.js');
  const argvOf = (parser: string, file: string) => (parser === 'tdl' ? [tdl, 'results', file, '--json'] : [peer, parser, file]);
  const dir = await mkdtemp(path.join(tmpdir(), 'tdl-ingest-bench-'));
  const rows: IngestRow[] = [];
  try {
    for (const n of sizes) {
      const file = path.join(dir, `pytest-${n}.xml`);
      await generatePytestJUnit(file, n);
      const mb = (await stat(file)).size / 1e6;
      say(`ingest: ${n} cases, ${mb.toFixed(1)} MB (load average ${loadavg().map((l) => l.toFixed(1)).join(' ')})`);
      // Interleaved (tdl, fxp, junit2json, read, tdl, ...) so that a change in the machine's load
      // falls on every parser alike; each figure is the median of its `repeats` runs.
      const runs = new Map<string, Array<{ ms: number; cases: number; peakRssMb: number }>>(PARSERS.map((p) => [p, []]));
      for (let r = 0; r < repeats; r++) {
        for (const parser of PARSERS) {
          // The peers hold the whole document: without room they die at 500k cases. The same
          // flags and the same peak-RSS import for every process, the read floor included.
          const started = performance.now();
          const p = spawnSync(process.execPath, ['--max-old-space-size=4096', '--import', peakRss, ...argvOf(parser, file)], { encoding: 'utf8', maxBuffer: 1 << 20 });
          const ms = performance.now() - started;
          if (p.status !== 0) throw new Error(`${parser} on ${file}: exit ${p.status}: ${p.stderr}`);
          const cases = (JSON.parse(p.stdout.trim().split('\n').at(-1)!) as { cases?: number; tests?: number });
          const peak = Number(/peak-rss-mb ([\d.]+)\s*$/.exec(p.stderr)?.[1]);
          runs.get(parser)!.push({ ms, cases: cases.cases ?? cases.tests ?? 0, peakRssMb: peak });
        }
      }
      const readMs = median(runs.get('read')!.map((x) => x.ms));
      for (const parser of PARSERS) {
        const of = runs.get(parser)!;
        if (parser !== 'read' && of[0]!.cases !== n) throw new Error(`${parser} on ${file}: ${of[0]!.cases} cases, expected ${n}`);
        const ms = median(of.map((x) => x.ms));
        rows.push({ parser, cases: of[0]!.cases, mb: round(mb), ms: round(ms), aboveReadMs: round(ms - readMs), mbPerS: round(mb / (ms / 1000)), peakRssMb: round(median(of.map((x) => x.peakRssMb))) });
        const row = rows.at(-1)!;
        say(`ingest: ${parser}: ${row.ms} ms (${row.aboveReadMs} above read; runs ${of.map((x) => Math.round(x.ms)).join(' ')}), ${row.mbPerS} MB/s, ${row.peakRssMb} MB peak`);
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return rows;
}
