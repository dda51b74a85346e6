import { writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, findResultFiles, readResultFiles } from '../../../shared/results/ingest.js';
import { streamJUnit } from '../../../shared/results/junit-stream.js';
import type { TestCase } from '../../../shared/results/model.js';

const junit = (f: string) => path.join(import.meta.dirname, '../../fixtures/junit', f);
const results = (f: string) => path.join(import.meta.dirname, '../../fixtures/results', f);

describe('real runners\' JUnit files are read with the counts their runners meant', () => {
  // Counts read off each file by hand: elements inside comments do not count (junit4-basic and
  // junit4-complete comment out examples), and a jest suite that failed to run is one error.
  it.each([
    ['empty_java-junit.xml', 0, 0, 0, 0, 0],
    ['empty_jest-junit-empty-testsuite.xml', 0, 0, 0, 0, 0],
    ['empty_jest-junit.xml', 0, 0, 0, 0, 0],
    ['empty_phpunit-empty.xml', 0, 0, 0, 0, 0],
    ['external_java_TEST-org.apache.pulsar.AddMissingPatchVersionTest.xml', 2, 0, 1, 0, 1],
    ['external_java_empty_failures.xml', 3, 2, 1, 0, 0],
    ['external_java_junit4-basic.xml', 6, 5, 1, 0, 0],
    ['external_java_junit4-complete.xml', 8, 5, 1, 1, 1],
    ['external_java_pulsar-test-report.xml', 808, 793, 1, 0, 14],
    ['external_jest_jest-react-component-test-results.xml', 1, 1, 0, 0, 0],
    ['external_jest_jest-test-results.xml', 4239, 4207, 2, 0, 30],
    ['external_phpunit_junit-basic.xml', 9, 8, 1, 0, 0],
    ['jest-junit-eslint.xml', 1, 1, 0, 0, 0],
    ['jest-junit.xml', 6, 1, 4, 0, 1],
    ['junit-with-message.xml', 1, 0, 1, 0, 0],
    ['nette-tester_BootstrapFormRenderer-report.xml', 4, 4, 0, 0, 0],
    ['nette-tester_tester-v1.7-report.xml', 65, 61, 1, 0, 3],
    ['phpunit_phpunit-paths.xml', 6, 0, 6, 0, 0],
    ['phpunit_phpunit.xml', 12, 10, 2, 0, 0],
    ['python-xunit-pytest.xml', 10, 6, 2, 0, 2],
    ['python-xunit-unittest.xml', 8, 4, 1, 1, 2],
    ['swift-xunit.xml', 3, 2, 1, 0, 0],
    ['test-errors_jest_jest-test-results.xml', 2, 0, 0, 2, 0],
  ])('%s: %i tests, %i passed, %i failed, %i errors, %i skipped', async (file, tests, passed, failed, errors, skipped) => {
    const run = await readResultFiles([junit(file)]);
    expect(run.rejected).toEqual([]);
    expect(run.totals).toMatchObject({ tests, passed, failed, errors, skipped });
    expect(run.files).toEqual([{ path: junit(file), tests, format: 'junit-xml' }]);
  });

  it('keeps what a person needs of a failure: message, type, details, file and line, duration as written', async () => {
    const run = await readResultFiles([junit('python-xunit-unittest.xml')]);
    const failed = run.cases.find((c) => c.status === 'failed')!;
    expect(failed).toMatchObject({ message: 'failed', failureType: 'AssertionError' });
    expect(failed.details).toMatch(/^Traceback \(most recent call last\):/);
    const skipped = run.cases.filter((c) => c.status === 'skipped');
    expect(skipped[1]!.message).toBe("expected failure: (<class 'AssertionError'>, AssertionError('expected failure'), <traceback object at 0x100c125c0>)");
  });
});

describe('dialects', () => {
  it('Surefire reruns: a flaky failure that then passed is flaky, not failed; reruns are counted', async () => {
    const run = await readResultFiles([results('surefire-reruns.xml')]);
    expect(run.totals).toMatchObject({ tests: 3, passed: 2, failed: 1, flaky: 1 });
    const [flaky, failed] = run.cases;
    expect(flaky).toMatchObject({ name: 'paysAnOrder', status: 'passed', flaky: true, retries: 1, durationMs: 1204 });
    expect(failed).toMatchObject({ name: 'refundsAnOrder', status: 'failed', retries: 2, message: 'expected: <0> but was: <1>' });
  });

  it('PHPUnit nested suites: each case belongs to its nearest suite, with file and line; properties become metrics', async () => {
    const run = await readResultFiles([results('nested-suites.xml')]);
    expect(run.suites.map((s) => [s.name, s.tests, s.failed])).toEqual([
      ['Shop\\Tests\\CartTest', 2, 1],
      ['Shop\\Tests\\PriceTest', 1, 0],
    ]);
    expect(run.cases[1]).toMatchObject({ file: '/app/tests/CartTest.php', line: 30, details: 'Failed asserting that 1000 is identical to 900.\n/app/tests/CartTest.php:33' });
    expect(run.cases[2]).toMatchObject({ durationMs: 0, properties: { p95_ms: '41.5', note: 'measured locally' }, metrics: { p95_ms: 41.5 } });
  });

  it('go-junit-report: character references decoded, skip messages kept', async () => {
    const run = await readResultFiles([results('go-junit-report.xml')]);
    expect(run.totals).toMatchObject({ tests: 3, passed: 1, failed: 1, skipped: 1 });
    expect(run.cases[1]!.details).toBe('orders_test.go:41: got status 503, want 201');
    expect(run.cases[2]!.message).toBe('    orders_test.go:60: needs a real card\n');
  });

  it('pytest-json-report: outcomes, phases, crash messages and user properties', async () => {
    const run = await readResultFiles([results('pytest-report.json')]);
    expect(run.files[0]).toMatchObject({ format: 'pytest-json', tests: 5 });
    expect(run.totals).toMatchObject({ tests: 5, passed: 2, failed: 1, errors: 1, skipped: 1 });
    expect(run.cases[1]).toMatchObject({
      suite: 'tests/e2e/test_orders.py',
      className: 'TestOrders',
      name: 'test_total',
      message: 'AssertionError: assert 503 == 201',
      metrics: { p95_ms: 88 },
      output: 'POST /orders -> 503\n',
    });
    expect(run.cases[1]!.durationMs).toBeCloseTo(102.4, 5);
    expect(run.cases[4]).toMatchObject({ status: 'error', message: "fixture 'ws_client' not found" });
  });
});

describe('what is not a test report is refused with a reason, never read as zero tests', () => {
  it.each([
    ['billion-laughs.xml', 'declares a DOCTYPE or DTD: refused (no DTD processing, so no entity expansion or external entities)'],
    ['external-entity.xml', 'declares a DOCTYPE or DTD: refused'],
    ['truncated.xml', 'ends inside <failure>: truncated'],
    ['not-xml.txt', 'neither XML nor JSON, not a test report'],
    ['binary.xml', 'binary data, not a test report'],
    ['empty.xml', 'empty file, not a test report'],
    ['html-page.xml', 'declares a DOCTYPE or DTD: refused'],
    ['html-root.xml', 'root element <html>: not a test report (expected <testsuites> or <testsuite>)'],
    ['jest-json.json', 'JSON, but not a pytest-json-report (tests: '],
  ])('%s', async (file, reason) => {
    const run = await readResultFiles([results(file)]);
    expect(run.totals.tests).toBe(0);
    expect(run.files[0]!.error).toContain(results(file));
    expect(run.rejected[0]!.reason).toContain(reason);
  });

  it('refuses a file over the size limit, and a run over the case limit, naming the limit', async () => {
    const file = junit('external_jest_jest-test-results.xml');
    const big = await readResultFiles([file], { ...DEFAULT_LIMITS, maxFileBytes: 100_000 });
    expect(big.rejected[0]!.reason).toBe(`${file}: 615349 bytes, over the 100000-byte limit for a result file`);
    const many = await readResultFiles([file], { ...DEFAULT_LIMITS, maxCases: 1000 });
    expect(many.rejected[0]!.reason).toMatch(/more than 1000 test cases: over the limit for one run/);
    expect(many.totals.tests).toBe(0);
  });

  it('cuts a huge failure message to the configured size and records its full length', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'tdl-ingest-'));
    const file = path.join(dir, 'huge.xml');
    const stack = 'at frame\n'.repeat(200_000);
    await writeFile(file, `<testsuite name="s"><testcase name="t" time="1"><failure message="boom">${stack}</failure><system-out>${'o'.repeat(100_000)}</system-out></testcase></testsuite>`);
    const run = await readResultFiles([file], { ...DEFAULT_LIMITS, maxMessageChars: 1000, maxOutputChars: 500 });
    const c = run.cases[0]!;
    expect(c.details!.length).toBeLessThanOrEqual(1000);
    expect(c.output!.length).toBe(500);
    expect(c.detailsFullLength).toBe(4 + stack.length);
  });
});

describe('suites that declare tests but list no <testcase>', () => {
  it.each([
    ['pytest-cut-short.xml', 'suite "pytest" declares 14 tests (4 failures, 0 errors, 1 skipped) but lists no <testcase>: its results are missing, not zero', { tests: 14, failures: 4, errors: 0, skipped: 1 }],
    ['jest-junit-no-cases.xml', 'suite "__tests__/checkout.test.js" declares 4 tests (4 failures, 0 errors, 0 skipped) but lists no <testcase>', { tests: 4, failures: 4, errors: 0, skipped: 0 }],
  ])('%s is a problem with the declared counts, not 0 tests', async (file, reason, declared) => {
    const run = await readResultFiles([results(file)]);
    expect(run.rejected).toEqual([{ path: results(file), reason: `${results(file)}: ${reason}${reason.endsWith('zero') ? '' : ': its results are missing, not zero'}`, declared }]);
    expect(run.files[0]).toMatchObject({ tests: 0, declared });
    // Nothing of the file is counted, not even the suite it did list.
    expect(run.totals.tests).toBe(0);
    expect(run.cases).toEqual([]);
  });

  it.each(['empty_java-junit.xml', 'empty_jest-junit-empty-testsuite.xml', 'empty_jest-junit.xml', 'empty_phpunit-empty.xml'])('a genuinely empty report (%s, nothing declared) is still read as 0 tests', async (file) => {
    const run = await readResultFiles([junit(file)]);
    expect(run.rejected).toEqual([]);
    expect(run.files[0]).toEqual({ path: junit(file), tests: 0, format: 'junit-xml' });
  });

  it('a parent suite that declares what its nested suites list is complete (PHPUnit)', async () => {
    const run = await readResultFiles([results('nested-suites.xml')]);
    expect(run.rejected).toEqual([]);
  });
});

describe('suites and names as each runner\'s users know them', () => {
  it('pytest: suites are files, classes stay classes, ids read as node ids', async () => {
    const run = await readResultFiles([results('pytest-three-files.xml')]);
    expect(run.suites.map((s) => [s.name, s.tests, s.failed])).toEqual([
      ['tests/test_comments.py', 2, 2],
      ['tests/test_posts.py', 1, 0],
      ['tests/api/test_users.py', 2, 0],
    ]);
    expect(run.cases.map((c) => [c.suite, c.className, c.name, c.file])).toEqual([
      ['tests/test_comments.py', undefined, 'test_list_comments', 'tests/test_comments.py'],
      ['tests/test_comments.py', 'TestCommentThreads', 'test_replies[post-1]', 'tests/test_comments.py'],
      ['tests/test_posts.py', undefined, 'test_list_posts', 'tests/test_posts.py'],
      ['tests/api/test_users.py', undefined, 'test_get_user', 'tests/api/test_users.py'],
      ['tests/api/test_users.py', 'TestUserAdmin', 'test_promote', 'tests/api/test_users.py'],
    ]);
  });

  it('pytest JUnit and pytest-json-report give one case the same id', async () => {
    const { runnerNames } = await import('../../../shared/results/junit-stream.js');
    const { caseId } = await import('../../../shared/results/model.js');
    const fromJunit = runnerNames({ suite: 'pytest', className: 'tests.e2e.test_orders.TestOrders' });
    expect(fromJunit).toEqual({ suite: 'tests/e2e/test_orders.py', className: 'TestOrders', file: 'tests/e2e/test_orders.py' });
    const json = await readResultFiles([results('pytest-report.json')]);
    expect(json.cases.map((c) => c.id)).toContain(caseId({ ...fromJunit, name: 'test_create' }));
  });

  it.each([
    [{ suite: 'tests/test_comments.py', name: 'test_list_comments', file: 'tests/test_comments.py' }, 'tests/test_comments.py::test_list_comments'],
    [{ suite: 'tests/test_cart.py', className: 'TestCart::TestEmpty', name: 'test_total[0]', file: 'tests/test_cart.py' }, 'tests/test_cart.py::TestCart::TestEmpty::test_total[0]'],
    [{ suite: '__tests__/cart.test.js', className: 'cart', name: 'adds an item' }, '__tests__/cart.test.js › adds an item'],
  ])('reports name %j as %s', async (parts, shown) => {
    const { caseName } = await import('../../../shared/report/markdown.js');
    const { caseId } = await import('../../../shared/results/model.js');
    expect(caseName(caseId(parts))).toBe(shown);
  });

  it.each([
    ['python-xunit-pytest.xml', ['tests/test_lib.py', 'custom_classname.py']],
    ['python-xunit-unittest.xml', ['TestAcme-20251114214921']],
    ['jest-junit.xml', ['__tests__\\main.test.js', '__tests__\\second.test.js']],
    ['external_java_junit4-basic.xml', ['Tests.Registration', 'Tests.Authentication']],
  ])('%s: suites %j', async (file, suites) => {
    const run = await readResultFiles([junit(file)]);
    expect(run.suites.map((s) => s.name)).toEqual(suites);
  });
});

describe('the stream reader', () => {
  it('gives the same cases whatever the chunk boundaries', async () => {
    const file = results('surefire-reruns.xml');
    const read = async (chunk?: number) => {
      const cases: TestCase[] = [];
      // Re-chunk by copying the file through small writes: the reader's own chunk is 1 MiB.
      const dir = await mkdtemp(path.join(tmpdir(), 'tdl-chunks-'));
      const copy = path.join(dir, 'x.xml');
      const { readFile } = await import('node:fs/promises');
      const bytes = await readFile(file);
      await writeFile(copy, bytes);
      await streamJUnit(copy, DEFAULT_LIMITS, (c) => void cases.push(c), undefined, chunk);
      return cases;
    };
    const whole = await read();
    for (const size of [1, 7, 64]) expect(await read(size)).toEqual(whole);
  });
});

describe('findResultFiles', () => {
  it('matches globs relative to the working directory', async () => {
    const root = path.join(import.meta.dirname, '../../fixtures');
    const found = await findResultFiles(root, ['results/*.xml', 'results/**/*.json']);
    expect(found.map((f) => path.relative(root, f))).toEqual([
      'results/billion-laughs.xml',
      'results/binary.xml',
      'results/empty.xml',
      'results/external-entity.xml',
      'results/go-junit-report.xml',
      'results/html-page.xml',
      'results/html-root.xml',
      'results/jest-json.json',
      'results/jest-junit-no-cases.xml',
      'results/nested-suites.xml',
      'results/pytest-cut-short.xml',
      'results/pytest-report.json',
      'results/pytest-three-files.xml',
      'results/surefire-reruns.xml',
      'results/truncated.xml',
    ]);
  });
});
