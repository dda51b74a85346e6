import { createReadStream, readFileSync } from 'node:fs';
import { streamJUnit } from '../shared/results/junit-stream.js';
import { DEFAULT_LIMITS } from '../shared/results/ingest.js';

/**
 * One measurement in a fresh process, so peak memory belongs to one parser:
 * `node ingest-worker.js PARSER FILE` prints {"ms","cases","peakRssMb"}.
 */
async function main(): Promise<void> {
  const [parser, file] = process.argv.slice(2);
  if (!parser || !file) throw new Error('usage: ingest-worker PARSER FILE');
  // Every parser's module is loaded before the clock starts: the figure is parsing only.
  const { XMLParser } = await import('fast-xml-parser');
  const { parse } = await import('junit2json');
  const started = performance.now();
  let cases = 0;
  if (parser === 'tdl') {
    await streamJUnit(file, DEFAULT_LIMITS, () => void cases++);
  } else if (parser === 'fast-xml-parser') {
    const doc = new XMLParser({ ignoreAttributes: false }).parse(readFileSync(file, 'utf8')) as { testsuites?: { testsuite?: unknown } };
    const suites = [doc.testsuites?.testsuite ?? []].flat() as Array<{ testcase?: unknown }>;
    cases = suites.reduce((n, s) => n + [s.testcase ?? []].flat().length, 0);
  } else if (parser === 'junit2json') {
    const out = (await parse(readFileSync(file, 'utf8'))) as { testsuite?: Array<{ testcase?: unknown[] }> };
    cases = (out.testsuite ?? []).reduce((n, s) => n + (s.testcase?.length ?? 0), 0);
  } else if (parser === 'read') {
    for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) cases += chunk.length > 0 ? 0 : 0;
  } else {
    throw new Error(`unknown parser ${parser}`);
  }
  const ms = performance.now() - started;
  process.stdout.write(JSON.stringify({ ms, cases, peakRssMb: process.resourceUsage().maxRSS / 1024 }));
}

main().catch((error) => {
  process.stderr.write(String((error as Error).stack ?? error));
  process.exit(1);
});
