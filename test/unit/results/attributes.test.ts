import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, readResultFiles, summarizeResultFiles } from '../../../shared/results/ingest.js';
import { countJUnit, streamJUnit, type CaseOutcome } from '../../../shared/results/junit-stream.js';
import type { TestCase } from '../../../shared/results/model.js';
import { RunTally } from '../../../shared/results/tally.js';

// The reader reads a case's attributes in place (no object per tag) and counts without building
// cases (countJUnit): these are the edges where that could read something else than the XML says.

async function fileOf(xml: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tdl-attrs-'));
  const file = path.join(dir, 'report.xml');
  await writeFile(file, xml);
  return file;
}

async function casesOf(file: string, chunk?: number): Promise<TestCase[]> {
  const cases: TestCase[] = [];
  await streamJUnit(file, DEFAULT_LIMITS, (c) => void cases.push(c), undefined, chunk);
  return cases;
}

const EDGES = `<?xml version="1.0"?>
<testsuites>
<testsuite name='shop &amp; cart' tests="7">
<testcase classname='cart.&quot;Basket&quot;' name='adds &lt;2&gt; items' file="tests/cart&apos;s.py" line='12' time='1,234.5'/>
<testcase classname = "cart" name	=
  "totals > 0" time="0.0123" line="7"></testcase>
<testcase name="first" name="second" time="0.5" time="0.25" classname="dup"/>
<testcase classname="unicode" name="prix é 中文 &#128512; &#x41;&#66;" time="00012.000500" line="1.5"/>
<testcase name="odd times" classname="odd" time=" 2" line=""/>
<testcase name="cdata" classname="c"><failure message="m &amp; n" type="E"><![CDATA[left <b> & ]]> &amp; right</failure><system-out><![CDATA[out]]></system-out></testcase>
<!-- <testcase name="commented out"/> -->
<testcase name="skip" classname="c"><skipped message="why"/></testcase>
</testsuite>
</testsuites>
`;

describe('a case\'s attributes, read in place', () => {
  it('decodes entities in single- and double-quoted values, allows space around "=", keeps the last of a repeated attribute', async () => {
    const cases = await casesOf(await fileOf(EDGES));
    expect(cases.map((c) => c.name)).toEqual(['adds <2> items', 'totals > 0', 'second', 'prix é 中文 😀 AB', 'odd times', 'cdata', 'skip']);
    expect(cases[0]).toMatchObject({ suite: 'shop & cart', className: 'cart."Basket"', file: "tests/cart's.py", line: 12, durationMs: 1_234_500 });
    expect(cases[1]).toMatchObject({ className: 'cart', line: 7, durationMs: 12.3 });
    expect(cases[2]).toMatchObject({ className: 'dup', durationMs: 250 });
    // A plain decimal is read without Number(), and must round exactly as Number() does.
    expect(cases[1]!.durationMs).toBe(Number('0.0123') * 1000);
    expect(cases[3]!.durationMs).toBe(Number('00012.000500') * 1000);
    expect(cases[3]!.line).toBeUndefined();
    expect(cases[4]!.durationMs).toBe(2000);
    expect(cases[4]!.line).toBe(0);
    expect(cases[5]).toMatchObject({ status: 'failed', message: 'm & n', failureType: 'E', details: 'left <b> &  & right', output: 'out' });
    expect(cases[6]).toMatchObject({ status: 'skipped', message: 'why' });
  });

  it('reads the same cases when every tag, value, entity and CDATA section is split across reads', async () => {
    const file = await fileOf(EDGES);
    const whole = await casesOf(file);
    for (const chunk of [1, 2, 3, 5, 13, 64]) expect(await casesOf(file, chunk)).toEqual(whole);
  });

  it('names a malformed tag and its line, whatever the chunk size', async () => {
    const file = await fileOf('<testsuites>\n<testsuite name="s">\n<testcase name="a"/>\n<testcase name=a <testcase/>\n</testsuite></testsuites>\n');
    // "Near": the whole file read at once places it where the text before the tag starts (the end
    // of line 3), small reads at the tag itself; both as the reader did before it read in place.
    const message = (chunk?: number) => casesOf(file, chunk).then(() => '', (e: Error) => e.message);
    expect(await message()).toBe(`${file}: a tag that is never closed: not well-formed XML (near line 3)`);
    for (const chunk of [1, 7]) expect(await message(chunk)).toBe(`${file}: a tag that is never closed: not well-formed XML (near line 4)`);
    const cut = await fileOf('<testsuites><testsuite name="s"><testcase name="a/></testsuite></testsuites>');
    await expect(casesOf(cut)).rejects.toThrow('ends inside <testsuite>: truncated');
  });
});

describe('counting without building cases (what `tdl results` does)', () => {
  it('counts what the cases read whole count, suites named as the cases name them, at any chunk size', async () => {
    const pytest = `<testsuites><testsuite name="pytest" tests="5">
<testcase classname="tests.test_a.TestB" name="x" file="tests/test_a.py" time="0.1"/>
<testcase classname="tests.test_a.TestB" name="y" time="0.2"><failure message="no">boom &lt;here&gt;</failure></testcase>
<testcase classname="tests.sub.test_c" name="z" time="0.3"><skipped/></testcase>
<testcase classname="" name="w" time="0.4"><error message="e"/></testcase>
<testcase classname="tests.test_a.TestB" name="f" file="other/test_a.py"><flakyFailure message="once"/></testcase>
</testsuite></testsuites>`;
    const files = [await fileOf(pytest), await fileOf(EDGES)];
    const held = await readResultFiles(files);
    const counted = await summarizeResultFiles(files);
    expect(counted.totals).toEqual(held.totals);
    expect(counted.suites).toEqual(held.suites);
    expect(counted.files).toEqual(held.files);
    expect(counted.suites.map((s) => s.name)).toEqual(['tests/test_a.py', 'tests/sub/test_c.py', 'pytest', 'other/test_a.py', 'shop & cart']);
    expect(counted.totals).toMatchObject({ tests: 12, passed: 7, failed: 2, errors: 1, skipped: 2, flaky: 1 });
    for (const chunk of [1, 3, 64]) {
      const tally = new RunTally();
      const seen: CaseOutcome[] = [];
      await countJUnit(files[0]!, DEFAULT_LIMITS, (c) => {
        tally.add(c);
        seen.push({ ...c });
      }, undefined, chunk);
      expect(seen.map((c) => c.status)).toEqual(['passed', 'failed', 'skipped', 'error', 'passed']);
      expect(tally.suites()).toEqual((await summarizeResultFiles([files[0]!])).suites);
    }
  });

  it('refuses what reading whole refuses, with the same reason', async () => {
    const declared = await fileOf('<testsuites><testsuite name="s" tests="3" failures="1"></testsuite></testsuites>');
    const mismatched = await fileOf('<testsuites>\n<testsuite name="s">\n<testcase name="a">\n</testsuite></testsuites>');
    const files = [declared, mismatched];
    const counted = await summarizeResultFiles(files);
    expect(counted.rejected).toEqual((await readResultFiles(files)).rejected);
    expect(counted.rejected.map((r) => r.reason)).toEqual([
      `${declared}: suite "s" declares 3 tests (1 failure, 0 errors, 0 skipped) but lists no <testcase>: its results are missing, not zero`,
      `${mismatched}: </testsuite> closes <testcase>: not well-formed XML (near line 4)`,
    ]);
    await expect(summarizeResultFiles([declared], { ...DEFAULT_LIMITS, maxCases: 0 })).resolves.toMatchObject({ totals: { tests: 0 } });
    const many = await fileOf(`<testsuite name="s">${'<testcase name="t"/>'.repeat(3)}</testsuite>`);
    const limited = await summarizeResultFiles([many], { ...DEFAULT_LIMITS, maxCases: 2 });
    expect(limited.rejected[0]!.reason).toContain('more than 2 test cases: over the limit for one run');
  });
});
