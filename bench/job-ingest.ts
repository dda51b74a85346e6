import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatePytestJUnit } from './ingest.js';
import { round } from './stats.js';

export interface JobIngestRow {
  /** Node's heap flags: V8's defaults, or a heap held to what a 128 MB job can afford. */
  heap: string;
  cases: number;
  mb: number;
  seconds: number;
  chunks: number;
  peakRssMb: number;
}

/** A heap for a job with 128 MB: V8's defaults let the heap grow far past what is alive. */
export const SMALL_HEAP = ['--max-old-space-size=64', '--max-semi-space-size=2'];

/**
 * The test job's path from result file to stored chunks and phase change, against the
 * Firestore emulator, each size in its own process (its peak RSS is the job's), with V8's
 * heap defaults and with SMALL_HEAP.
 */
export async function measureJobIngest(sizes: number[], env: Record<string, string>, say: (l: string) => void = () => {}): Promise<JobIngestRow[]> {
  const worker = path.join(path.dirname(fileURLToPath(import.meta.url)), 'job-worker.js');
  const dir = await mkdtemp(path.join(tmpdir(), 'tdl-job-bench-'));
  const rows: JobIngestRow[] = [];
  try {
    for (const n of sizes) {
      const file = path.join(dir, `pytest-${n}.xml`);
      await generatePytestJUnit(file, n);
      const mb = (await stat(file)).size / 1e6;
      say(`job ingest: ${n} cases, ${mb.toFixed(1)} MB, to the Firestore emulator`);
      for (const [heap, flags] of [['default', []], ['small', SMALL_HEAP]] as const) {
        const p = spawnSync(process.execPath, [...flags, worker, file], { encoding: 'utf8', maxBuffer: 1 << 20, env: { ...process.env, ...env } });
        if (p.status !== 0) throw new Error(`job worker (${heap} heap) on ${file}: ${p.stderr}`);
        const r = JSON.parse(p.stdout) as { ms: number; tests: number; chunks: number; peakRssMb: number };
        if (r.tests !== n) throw new Error(`job worker on ${file}: ${r.tests} tests stored, expected ${n}`);
        rows.push({ heap: flags.join(' ') || 'V8 defaults', cases: n, mb: round(mb), seconds: round(r.ms / 1000), chunks: r.chunks, peakRssMb: round(r.peakRssMb) });
        say(`job ingest (${heap} heap): ${rows.at(-1)!.seconds} s, ${rows.at(-1)!.peakRssMb} MB peak, ${r.chunks} chunks`);
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return rows;
}
