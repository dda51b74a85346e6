import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatePytestJUnit } from './ingest.js';
import { round } from './stats.js';

export interface JobIngestRow {
  cases: number;
  mb: number;
  seconds: number;
  chunks: number;
  peakRssMb: number;
}

/**
 * The test job's path from result file to stored chunks and phase change, against the
 * Firestore emulator, each size in its own process (its peak RSS is the job's).
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
      const p = spawnSync(process.execPath, ['--max-old-space-size=4096', worker, file], { encoding: 'utf8', maxBuffer: 1 << 20, env: { ...process.env, ...env } });
      if (p.status !== 0) throw new Error(`job worker on ${file}: ${p.stderr}`);
      const r = JSON.parse(p.stdout) as { ms: number; tests: number; chunks: number; peakRssMb: number };
      if (r.tests !== n) throw new Error(`job worker on ${file}: ${r.tests} tests stored, expected ${n}`);
      rows.push({ cases: n, mb: round(mb), seconds: round(r.ms / 1000), chunks: r.chunks, peakRssMb: round(r.peakRssMb) });
      say(`job ingest: ${rows.at(-1)!.seconds} s, ${rows.at(-1)!.peakRssMb} MB peak, ${r.chunks} chunks`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return rows;
}
