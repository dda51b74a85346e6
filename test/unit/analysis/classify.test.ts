import { describe, expect, it } from 'vitest';
import { classifyFailure, ruleSet } from '../../../shared/analysis/classify.js';
import { BUILT_IN_RULES } from '../../../shared/analysis/rules.js';
import { ClassificationRule } from '../../../shared/config/loop-config.js';

describe('classifyFailure: root cause over exception type', () => {
  it.each([
    ['an assertion showing a 503', { message: 'AssertionError: expected 200 but got 503' }, 'deployment'],
    ['a Python comparison with a 503', { message: 'AssertionError: 503 != 200' }, 'deployment'],
    ['a 500 whose body names a missing relation', { message: 'expected 200 but got 500: {"error":"relation \\"orders\\" does not exist"}' }, 'database'],
    ['a 503 whose body names a missing table', { message: 'expected 201 but got 503: no such table: orders' }, 'database'],
    ['a refused WebSocket handshake', { message: 'Error: Unexpected server response: 403' }, 'auth'],
    ['an invalid token', { message: 'JsonWebTokenError: invalid token' }, 'auth'],
    ['ECONNREFUSED to the service', { message: 'Error: connect ECONNREFUSED 127.0.0.1:8080' }, 'deployment'],
    ['ECONNREFUSED to the database port', { message: 'Error: connect ECONNREFUSED 127.0.0.1:5432' }, 'database'],
    ['ECONNRESET to another host', { message: 'Error: read ECONNRESET', details: 'at TLSWrap.onStreamRead (node:internal/stream_base_commons:217:20)' }, 'network'],
    ['a missing module', { message: "Error: Cannot find module 'undici'" }, 'dependency'],
    ['a Python import error', { message: 'ImportError: cannot import name "Client" from "shopclient"' }, 'dependency'],
    ['a missing environment variable', { message: 'Error: environment variable API_URL is not set' }, 'configuration'],
    ['a mocha timeout', { message: 'Error: Timeout of 5000ms exceeded. For async tests and hooks, ensure "done()" is called' }, 'timeout'],
    ['a Playwright test timeout', { message: 'Test timeout of 30000ms exceeded.' }, 'timeout'],
    ['a Go deadline', { message: 'orders_test.go:12: context deadline exceeded' }, 'timeout'],
    ['a missing pytest fixture', { message: "fixture 'client' not found" }, 'test-defect'],
    ['a TypeError raised in the test file', { message: "TypeError: Cannot read properties of undefined (reading 'id')", details: "TypeError: Cannot read properties of undefined (reading 'id')\n    at Object.<anonymous> (/app/e2e/orders.test.ts:31:20)" }, 'test-defect'],
    ['the same TypeError after the service answered 503', { message: "TypeError: Cannot read properties of undefined (reading 'id')", details: "    at Object.<anonymous> (/app/e2e/orders.test.ts:31:20)\n  console.warn: POST /orders -> 503 Service Unavailable" }, 'deployment'],
    ['a wrong value from a healthy service', { message: 'AssertionError: expected 1000 to be 900' }, 'product-defect'],
    ['nothing recognisable', { message: 'Error: boom' }, 'unknown'],
  ])('%s', (_name, failure, category) => {
    expect(classifyFailure({ test: 't', ...failure }).category).toBe(category);
  });

  it.each([
    ['a Java wrapper that timed out over an unresolved host', { message: 'java.util.concurrent.ExecutionException: request timed out', details: 'java.util.concurrent.ExecutionException: request timed out\n\tat com.acme.X.call(X.java:10)\nCaused by: java.net.UnknownHostException: rates.example\n\t... 12 more' }, 'network'],
    ['a Python chain whose first section is the deepest', { details: "KeyError: 'PAYMENTS_URL'\n\nDuring handling of the above exception, another exception occurred:\n\nTraceback (most recent call last):\n  File \"app/boot.py\", line 3, in boot\nTimeoutError: boot timed out" }, 'configuration'],
    ['a Node [cause] under a generic wrapper', { details: "Error: seeding timed out\n    at seed (file:///t/seed.mjs:3:9) {\n  [cause]: error: relation \"tenants\" does not exist\n}" }, 'database'],
    ['a refused connection made by a database client', { message: 'Error: connect ECONNREFUSED 10.0.0.9:7000', details: 'Error: connect ECONNREFUSED 10.0.0.9:7000\n    at node_modules/pg-pool/index.js:45:11' }, 'database'],
    ['an assertion on a 500 whose printed body names a table', { message: 'AssertionError: expected 500 to be 200', output: 'body: {"error":"no such table: invoices"}' }, 'database'],
    ['a timed-out expect that shows what the page held', { message: 'Error: Timed out 5000ms waiting for expect(locator).toHaveText(expected)', details: 'Error: Timed out 5000ms waiting for expect(locator).toHaveText(expected)\n\nExpected string: "3 items"\nReceived string: "2 items"' }, 'product-defect'],
    ['a timed-out expect that ended on the login page', { details: 'Error: Timed out 5000ms waiting for expect(page).toHaveURL(expected)\n\nExpected string: "https://x.example/home"\nReceived string: "https://x.example/signin?next=%2Fhome"' }, 'auth'],
    ["an AttributeError in the test's innermost Python frame", { details: 'Traceback (most recent call last):\n  File "/src/tests/test_x.py", line 9, in test_x\n    self.api.get()\nAttributeError: \'XTests\' object has no attribute \'api\'' }, 'test-defect'],
    ['the same AttributeError raised inside the product', { details: 'Traceback (most recent call last):\n  File "/src/tests/test_x.py", line 9, in test_x\n    api.get()\n  File "/src/app/client.py", line 40, in get\n    return self.session.send()\nAttributeError: \'NoneType\' object has no attribute \'send\'' }, 'unknown'],
  ])('reads the whole cause chain: %s', (_name, failure, category) => {
    expect(classifyFailure({ test: 't', ...failure }).category).toBe(category);
  });

  it("tries the loop config's rules before the built-in ones", () => {
    const rules = [ClassificationRule.parse({ category: 'network', pattern: 'upstream flux capacitor', confidence: 0.9, why: 'ours' })];
    expect(classifyFailure({ test: 't', message: 'expected 200 but got 503: upstream flux capacitor offline' }, rules)).toMatchObject({ category: 'network', confidence: 0.9, rule: 'ours' });
    // The config's rules extend the table: what they do not match is still classified.
    expect(classifyFailure({ test: 't', message: 'Error: Unexpected server response: 403' }, rules).category).toBe('auth');
  });

  it('compiles a loop table once and never appends the built-in rules twice', () => {
    const extra = [{ category: 'auth', pattern: 'x', confidence: 0.5 }];
    expect(ruleSet(extra)).toBe(ruleSet(extra));
    expect(ruleSet(ruleSet(extra))).toHaveLength(BUILT_IN_RULES.length + 1);
    expect(ruleSet()).toBe(BUILT_IN_RULES);
  });

  it('names the lines that decided it', () => {
    const k = classifyFailure({ test: 't', message: 'request failed', details: 'at x\nError: connect ECONNREFUSED 127.0.0.1:8080\nat y' });
    expect(k).toMatchObject({ evidence: ['Error: connect ECONNREFUSED 127.0.0.1:8080'], signature: 'deployment: connect ECONNREFUSED', confidence: 0.8 });
  });

  it('every built-in rule compiles, names a category and says why', () => {
    for (const r of BUILT_IN_RULES) {
      expect(() => new RegExp(r.pattern, 'i')).not.toThrow();
      expect(ClassificationRule.safeParse(r).success, r.pattern.slice(0, 40)).toBe(true);
      expect(r.why).toBeTruthy();
    }
  });
});
