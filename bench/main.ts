import { parseArgs } from 'node:util';
import os from 'node:os';
import { startEmulators } from '../shared/local/emulators.js';
import { runMain } from '../shared/process/process-group.js';
import { measureOverhead } from './overhead.js';
import { measureThroughput } from './throughput.js';
import { measureCost, PRICES } from './cost.js';
import { measureColdStart } from './cold-start.js';
import { measureIngest, type IngestRow } from './ingest.js';
import { measureAnalysis } from './analysis.js';
import { measureJobIngest, type JobIngestRow } from './job-ingest.js';
import { measureAnalysisMemory, type AnalysisMemoryRow } from './analysis-memory.js';
import { round, table } from './stats.js';

const USAGE = `Usage: npm run bench -- [--quick] [--json] [--only job-ingest|ingest|analysis-memory|throughput|overhead] [--loops N,M]

Measures, in one run on this machine: the orchestration overhead of a cycle beside its floor,
throughput with 1, 10 and 50 loops at once, the Firestore and Pub/Sub cost of a cycle at 100,
1,000 and 10,000 tests, ingestion speed and memory beside fast-xml-parser and junit2json on
10k, 100k and 500k cases, the test job's whole path from result file to Firestore (peak RSS and
seconds) at 100k and 500k cases, the analyze step's peak RSS on two stored cycles of 500k and
1M tests, and each function's cold start. --quick uses fewer cycles and sizes (for CI).
--only job-ingest (or analysis-memory) measures the test job's path (or the analysis) alone;
--only ingest the ingestion alone (each parser a whole process, timed from spawn to exit).
--only throughput (with --loops, default 1,10,50) or --only overhead measures that part alone.
--json prints one JSON object on the last line.`;

function loopCounts(option: string | undefined, quick: boolean): number[] {
  if (option === undefined) return quick ? [1, 10] : [1, 10, 50];
  const counts = option.split(',').map(Number);
  if (counts.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`bench: --loops takes positive whole numbers separated by commas, got ${option}`);
  return counts;
}

async function throughputRows(emulators: Parameters<typeof measureThroughput>[0], counts: number[], say: (line: string) => void) {
  const rows = [];
  for (const n of counts) {
    say(`throughput: ${n} loops at once`);
    rows.push(await measureThroughput(emulators, n));
  }
  return rows;
}

/** The machine a JSON line was measured on, with what that part adds (load averages). */
function machine(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { cores: os.cpus().length, node: process.version, ...extra };
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, json: { type: 'boolean', default: false }, help: { type: 'boolean', default: false }, only: { type: 'string' }, loops: { type: 'string' } } });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const quick = values.quick;
  if (values.only !== undefined && values.only !== 'job-ingest' && values.only !== 'ingest' && values.only !== 'analysis-memory' && values.only !== 'throughput' && values.only !== 'overhead') {
    process.stderr.write(`bench: --only takes job-ingest, ingest, analysis-memory, throughput or overhead, got ${values.only}\n${USAGE}\n`);
    return 2;
  }
  const say = (line: string) => process.stderr.write(`bench: ${line}\n`);
  const out = values.json ? process.stderr : process.stdout;
  say(`machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown'}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`);
  const ingestSizes = quick ? [10_000, 100_000] : [10_000, 100_000, 500_000];
  if (values.only === 'ingest') {
    const ingest = await measureIngest(ingestSizes, quick ? 1 : 5, say);
    writeIngest(out, ingest);
    if (values.json) process.stdout.write(`${JSON.stringify({ ingest, machine: machine({ loadavg: os.loadavg() }) })}\n`);
    return 0;
  }
  const emulators = await startEmulators({ log: say });
  try {
    const jobSizes = quick ? [100_000] : [100_000, 500_000];
    if (values.only === 'job-ingest') {
      const job = await measureJobIngest(jobSizes, emulators, say);
      writeJobIngest(out, job);
      if (values.json) process.stdout.write(`${JSON.stringify({ job, machine: machine() })}\n`);
      return 0;
    }
    const analysisSizes = quick ? [100_000] : [500_000, 1_000_000];
    if (values.only === 'analysis-memory') {
      const analysisMemory = await measureAnalysisMemory(analysisSizes, emulators, say);
      writeAnalysisMemory(out, analysisMemory);
      if (values.json) process.stdout.write(`${JSON.stringify({ analysisMemory, machine: machine() })}\n`);
      return 0;
    }
    if (values.only === 'overhead' || values.only === 'throughput') {
      const loadBefore = os.loadavg();
      const part =
        values.only === 'overhead'
          ? { overhead: await measureOverhead(emulators, quick ? 10 : 25) }
          : { concurrency: await throughputRows(emulators, loopCounts(values.loops, quick), say) };
      out.write(`${JSON.stringify(part, null, 2)}\n`);
      if (values.json) process.stdout.write(`${JSON.stringify({ ...part, machine: machine({ loadBefore, loadAfter: os.loadavg() }) })}\n`);
      return 0;
    }
    say(`overhead: ${quick ? 10 : 25} one-cycle loops, one after another`);
    const overhead = await measureOverhead(emulators, quick ? 10 : 25);
    const concurrency = [];
    for (const n of quick ? [1, 10] : [1, 10, 50]) {
      say(`throughput: ${n} loops at once`);
      concurrency.push(await measureThroughput(emulators, n));
    }
    say('cost: one cycle at each size, Firestore client instrumented');
    const cost = await measureCost(quick ? [100, 1000] : [100, 1000, 10_000], emulators);
    const ingest = await measureIngest(ingestSizes, quick ? 1 : 3, say);
    const job = await measureJobIngest(jobSizes, emulators, say);
    say('analysis: one cycle of 10,000 failing tests');
    const analysis = measureAnalysis(10_000, quick ? 3 : 7);
    const analysisMemory = await measureAnalysisMemory(analysisSizes, emulators, say);
    say('cold start: loading each function module in a fresh process');
    const coldStartMs = measureColdStart(quick ? 3 : 7);

    out.write(`\nOrchestration overhead per cycle (deploy-finished published -> verdict stored, minus the suite's run time), ${overhead.cycles} cycles\n`);
    out.write(
      `${table(['', 'p50 ms', 'p95 ms', 'floor ms', 'ratio'], [['overhead', overhead.p50Ms, overhead.p95Ms, overhead.floorMs, overhead.ratio]])}\n`,
    );
    out.write(
      `floor = ${overhead.hopsPerCycle} push hops x ${overhead.hopMs} ms + ${overhead.transactionsPerCycle} transactions x ${overhead.transactionMs} ms (both measured just now)\n`,
    );
    out.write(`median time per phase: ${Object.entries(overhead.phasesMs).map(([k, v]) => `${k} ${v} ms`).join(', ')}\n`);
    out.write(`\nThroughput (loops at once, two cycles each)\n`);
    out.write(`${table(['loops', 'cycles', 'seconds', 'cycles/min', 'p95 overhead ms', 'problems'], concurrency.map((c) => [c.loops, c.cycles, c.seconds, c.cyclesPerMinute, c.p95OverheadMs, c.problems.length ? c.problems.slice(0, 2).join('; ') : 'none']))}\n`);
    out.write(`\nCost per cycle (prices: Firestore reads $${PRICES.firestoreReadsPer100k}/100k, writes $${PRICES.firestoreWritesPer100k}/100k, deletes $${PRICES.firestoreDeletesPer100k}/100k; Pub/Sub $${PRICES.pubsubPerTiB}/TiB, 1 KB minimum; functions $${PRICES.functionInvocationsPerMillion}/M invocations)\n`);
    out.write(`${table(['tests', 'reads', 'writes', 'deletes', 'chunks', 'messages', 'USD / 1000 cycles'], cost.map((c) => [c.tests, c.reads, c.writes, c.deletes, c.resultChunks, c.messages, c.usdPer1000Cycles]))}\n`);
    writeIngest(out, ingest);
    writeJobIngest(out, job);
    out.write(`\nAnalysis of a cycle with ${analysis.failingTests} failing tests: ${analysis.medianMs} ms (median), ${analysis.clusters} clusters shown, ${Math.round(analysis.analysisBytes / 1024)} KB stored\n`);
    writeAnalysisMemory(out, analysisMemory);
    out.write(`\nCold start (module load, median): ${Object.entries(coldStartMs).map(([k, v]) => `${k} ${v} ms`).join(', ')}\n`);
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ overhead, ingest, job, concurrency, cost, analysis, analysisMemory, coldStartMs, prices: PRICES, machine: machine() })}\n`);
    }
    return 0;
  } finally {
    await emulators.stop();
  }
}

function writeIngest(out: NodeJS.WritableStream, ingest: IngestRow[]): void {
  out.write(`\nIngestion (generated pytest-style JUnit; each parser a whole process, timed from spawn to exit: tdl is \`tdl results FILE --json\`, which counts; tdl-cases builds every case, as the job does; median)\n`);
  out.write(`${table(['parser', 'cases', 'MB', 'ms', 'ms above read', 'MB/s', 'peak RSS MB'], ingest.map((r) => [r.parser, r.cases, r.mb, r.ms, r.aboveReadMs, r.mbPerS, r.peakRssMb]))}\n`);
  for (const n of [...new Set(ingest.map((r) => r.mb))]) {
    const at = ingest.filter((r) => r.mb === n);
    const peers = at.filter((r) => r.parser === 'fast-xml-parser' || r.parser === 'junit2json');
    const whole = Math.min(...peers.map((r) => r.ms));
    const above = Math.min(...peers.map((r) => r.aboveReadMs));
    for (const ours of at.filter((r) => r.parser === 'tdl' || r.parser === 'tdl-cases')) {
      out.write(`${n} MB: ${ours.parser} ${round(whole / ours.ms, 2)}x the best peer's whole process, ${round(above / ours.aboveReadMs, 2)}x above the read floor\n`);
    }
  }
}

function writeJobIngest(out: NodeJS.WritableStream, rows: JobIngestRow[]): void {
  out.write(`\nTest job, result file to Firestore emulator (tdl job in its own process: read, store chunks, phase change)\n`);
  out.write(`${table(['node heap flags', 'cases', 'MB', 'seconds', 'chunks', 'peak RSS MB'], rows.map((r) => [r.heap, r.cases, r.mb, r.seconds, r.chunks, r.peakRssMb]))}\n`);
}

function writeAnalysisMemory(out: NodeJS.WritableStream, rows: AnalysisMemoryRow[]): void {
  out.write(`\nAnalyze step on two stored cycles (Firestore emulator, the function's wiring in its own process; 1 % failing, 100 tests renamed)\n`);
  out.write(`${table(['tests a cycle', 'seconds', 'peak RSS MB', 'failing', 'removed'], rows.map((r) => [r.tests, r.seconds, r.peakRssMb, r.failing, r.removed]))}\n`);
}

runMain('bench', main);
