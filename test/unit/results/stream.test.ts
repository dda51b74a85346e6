import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openResultFiles, readResultFiles } from '../../../shared/results/ingest.js';
import { pull } from '../../../shared/results/pull.js';
import type { TestCase } from '../../../shared/results/model.js';

const results = (f: string) => path.join(import.meta.dirname, '../../fixtures/results', f);
const junit = (f: string) => path.join(import.meta.dirname, '../../fixtures/junit', f);

async function all<T>(items: AsyncIterable<T> | Iterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of items) out.push(x);
  return out;
}

function junitOf(n: number, suite = 's'): string {
  const cases = Array.from({ length: n }, (_, i) => `<testcase classname="c" name="t${i}" time="0.001"/>`).join('\n');
  return `<testsuites><testsuite name="${suite}">\n${cases}\n</testsuite></testsuites>\n`;
}

describe('openResultFiles: the run counted first, its cases read again as they are consumed', () => {
  it('hands on the same cases, totals and suites as reading everything into memory, a bad file rejected with its reason', async () => {
    const files = [junit('external_jest_jest-test-results.xml'), results('truncated.xml'), results('pytest-report.json'), results('not-xml.txt'), results('surefire-reruns.xml')];
    const held = await readResultFiles(files);
    const streamed = await openResultFiles(files);
    expect(streamed.rejected).toEqual(held.rejected);
    expect(streamed.rejected.map((r) => path.basename(r.path))).toEqual(['truncated.xml', 'not-xml.txt']);
    expect(streamed.files).toEqual(held.files);
    expect(streamed.totals).toEqual(held.totals);
    expect(streamed.suites).toEqual(held.suites);
    expect(await all(streamed.cases)).toEqual(held.cases);
  });

  it('hands every case on again when read a second time, as a record retried after a fault reads them', async () => {
    const files = [junit('external_jest_jest-test-results.xml'), results('pytest-report.json')];
    const run = await openResultFiles(files);
    const first = await all(run.cases);
    expect(first.length).toBe(run.totals.tests);
    expect(await all(run.cases)).toEqual(first);
  });

  it('counts nothing of a file cut after thousands of good cases, and never hands them on', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'tdl-stream-'));
    const good = path.join(dir, 'good.xml');
    const cut = path.join(dir, 'cut.xml');
    await writeFile(good, junitOf(1500, 'good'));
    const whole = junitOf(5000, 'cut');
    await writeFile(cut, whole.slice(0, Math.floor(whole.length * 0.9)));
    const run = await openResultFiles([cut, good]);
    expect(run.totals.tests).toBe(1500);
    expect(run.suites.map((s) => s.name)).toEqual(['good']);
    expect(run.rejected).toEqual([{ path: cut, reason: expect.stringMatching(/cut\.xml: ends inside <testsuite>: truncated/) }]);
    const cases = await all(run.cases);
    expect(cases).toHaveLength(1500);
    expect(cases.every((c) => c.suite === 'good')).toBe(true);
  });

  it('fails the iteration, naming the file, when a file changed after it was counted', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'tdl-stream-'));
    const file = path.join(dir, 'grows.xml');
    await writeFile(file, junitOf(10));
    const run = await openResultFiles([file]);
    await writeFile(file, junitOf(12));
    await expect(all(run.cases)).rejects.toThrow(`${file}: changed after it was first read: more than the 10 cases counted then`);
    await writeFile(file, junitOf(8));
    const again = await openResultFiles([file]);
    await writeFile(file, junitOf(5));
    await expect(all(again.cases)).rejects.toThrow(`${file}: changed after it was first read: 8 cases then, 5 now`);
  });
});

describe('pull: a pushing reader turned into an iterable that holds it back', () => {
  it('keeps the reader at most the read-ahead in front of a slow consumer', async () => {
    let pushed = 0;
    let furthestAhead = 0;
    let consumed = 0;
    const items = pull<number>(async (push) => {
      for (let i = 0; i < 1000; i++) {
        pushed++;
        furthestAhead = Math.max(furthestAhead, pushed - consumed);
        const wait = push(i);
        if (wait) await wait;
      }
    }, 50);
    const seen: number[] = [];
    for await (const x of items) {
      consumed++;
      seen.push(x);
      if (x % 100 === 0) await new Promise((r) => setTimeout(r, 1));
    }
    expect(seen).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    // What was queued (up to 50) plus what the consumer took and has not finished with.
    expect(furthestAhead).toBeLessThanOrEqual(100);
  });

  it('passes the reader\'s error on after the items read before it', async () => {
    const items = pull<number>(async (push) => {
      await push(1);
      await push(2);
      throw new Error('disk gone');
    });
    const seen: number[] = [];
    await expect((async () => {
      for await (const x of items) seen.push(x);
    })()).rejects.toThrow('disk gone');
    expect(seen).toEqual([1, 2]);
  });

  it('stops the reader when the consumer stops', async () => {
    let reader: Promise<unknown> = Promise.resolve();
    const items = pull<TestCase | number>((push) => {
      reader = (async () => {
        for (let i = 0; ; i++) {
          const wait = push(i);
          if (wait) await wait;
        }
      })();
      return reader;
    }, 10);
    for await (const x of items) if (x === 25) break;
    await expect(reader).rejects.toThrow('the consumer stopped reading');
  });
});
