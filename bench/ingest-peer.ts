import { readFileSync } from 'node:fs';

/**
 * A peer's whole ingestion as a process of its own, the way `tdl results FILE --json` is ours:
 * `node ingest-peer.js PARSER FILE` loads only that parser, reads the file, counts its cases
 * and prints {"cases"}. The bench times it from spawn to exit, start-up included.
 */
async function main(): Promise<void> {
  const [parser, file] = process.argv.slice(2);
  if (!parser || !file) throw new Error('usage: ingest-peer PARSER FILE');
  let cases = 0;
  if (parser === 'fast-xml-parser') {
    const { XMLParser } = await import('fast-xml-parser');
    const doc = new XMLParser({ ignoreAttributes: false }).parse(readFileSync(file, 'utf8')) as { testsuites?: { testsuite?: unknown } };
    const suites = [doc.testsuites?.testsuite ?? []].flat() as Array<{ testcase?: unknown }>;
    cases = suites.reduce((n, s) => n + [s.testcase ?? []].flat().length, 0);
  } else if (parser === 'junit2json') {
    const { parse } = await import('junit2json');
    const out = (await parse(readFileSync(file, 'utf8'))) as { testsuite?: Array<{ testcase?: unknown[] }> };
    cases = (out.testsuite ?? []).reduce((n, s) => n + (s.testcase?.length ?? 0), 0);
  } else if (parser === 'tdl-cases') {
    // Ours with every case built (name, id, suite, failure text decoded), as the job reads them to store.
    const { readResultFile } = await import('../shared/results/ingest.js');
    cases = (await readResultFile(file, () => undefined)).tests;
  } else if (parser === 'read') {
    // The floor: a process that reads the bytes (synchronously, as every parser here does) and parses nothing.
    cases = readFileSync(file).length > 0 ? 0 : 0;
  } else {
    throw new Error(`unknown parser ${parser}`);
  }
  process.stdout.write(JSON.stringify({ cases }));
}

main().catch((error) => {
  process.stderr.write(String((error as Error).stack ?? error));
  process.exit(1);
});
