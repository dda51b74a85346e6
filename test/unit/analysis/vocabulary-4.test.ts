import { describeProbes, probe as t } from './probes.js';

/** A fourth batch, written after the third passed: mixed signals, where the order of causes decides. */

describeProbes('probes, batch 4: mixed signals', [
  ['a timeout whose cause is an unresolved host (Java)', t('java.util.concurrent.TimeoutException: request timed out\nCaused by: java.net.UnknownHostException: rates.partner.example: Name or service not known'), 'network'],
  ['a 500 whose log names a missing column (Spring)', t('java.lang.AssertionError: Status expected:<200> but was:<500>', 'org.springframework.jdbc.BadSqlGrammarException: PreparedStatementCallback; bad SQL grammar [select discount from orders]; nested exception is org.postgresql.util.PSQLException: ERROR: column "discount" does not exist'), 'database'],
  ['a 500 with a product stack (Express)', t('expected 200 "OK", got 500 "Internal Server Error"', "TypeError: Cannot read properties of undefined (reading 'price')\n    at computeTotal (/app/src/cart.js:41:28)\n    at /app/src/routes/cart.js:12:19"), 'product-defect'],
  ['a 503 while the revision starts (Playwright)', t("Error: expect(received).toBe(expected) // Object.is equality\n\nExpected: 200\nReceived: 503\n\n  10 |   const res = await request.get('/api/health');\n> 11 |   expect(res.status()).toBe(200);\n     |                        ^\n    at /app/e2e/health.spec.ts:11:24"), 'deployment'],
  ['a refused connection to the database in a Go fixture', t('    main_test.go:22: connect: failed to connect to `host=localhost user=shop database=shop`: dial error (dial tcp 127.0.0.1:5432: connect: connection refused)'), 'database'],
  ['a refused connection to redis (Python)', t('redis.exceptions.ConnectionError: Error 111 connecting to localhost:6379. Connection refused.'), 'database'],
  ['a refused connection to the service (Python requests)', t("requests.exceptions.ConnectionError: HTTPConnectionPool(host='localhost', port=8000): Max retries exceeded with url: /api/orders (Caused by NewConnectionError('<urllib3.connection.HTTPConnection object at 0x7f>: Failed to establish a new connection: [Errno 111] Connection refused'))"), 'deployment'],
  ['an unresolved service host (Python requests)', t("requests.exceptions.ConnectionError: HTTPSConnectionPool(host='partner.example', port=443): Max retries exceeded with url: /v1 (Caused by NameResolutionError(\"<urllib3.connection.HTTPSConnection object at 0x7f>: Failed to resolve 'partner.example' ([Errno -2] Name or service not known)\"))"), 'network'],
  ['an assertion that shows a login form in the body (pytest)', t("E       assert 'Order #7' in '<html><body><form action=\"/accounts/login/\" method=\"post\">...'\n\ntests/test_orders.py:18: AssertionError"), 'auth'],
  ['a test expecting 401 that got 200 is a product defect', t("AssertionError: expected 200 to equal 401\n    at Context.<anonymous> (test/auth.spec.js:14:26)"), 'product-defect'],
  ['an ImportError raised in the product for a missing package (pytest)', t("ImportError while importing test module '/app/tests/test_pdf.py'.\nTraceback:\ntests/test_pdf.py:1: in <module>\n    from shop.pdf import render\nshop/pdf.py:2: in <module>\n    import reportlab\nE   ModuleNotFoundError: No module named 'reportlab'"), 'dependency'],
  ['a NameError in the spec (rspec)', t("NameError:\n  undefined local variable or method `order' for an instance of RSpec::ExampleGroups::Orders\n# ./spec/requests/orders_spec.rb:12:in `block (2 levels) in <top (required)>'"), 'test-defect'],
  ['an unset env var read by the product (Node)', t("Error: Missing required environment variable: STRIPE_SECRET_KEY\n    at requireEnv (/app/src/config.js:8:11)"), 'configuration'],
  ['a missing config file (Node)', t("Error: ENOENT: no such file or directory, open '/app/config/staging.json'\n    at Object.openSync (node:fs:596:3)\n    at loadConfig (/app/src/config.js:5:22)"), 'configuration'],
  ['a missing settings module (Django)', t("ModuleNotFoundError: No module named 'shop.settings.staging'"), 'configuration'],
  ['a wrong schema in a 400 (product)', t('AssertionError: expected 400 to equal 201', '{"error":"validation failed","details":[{"path":"quantity","message":"must be a positive integer"}]}'), 'product-defect'],
  ['an expired TLS certificate of the service (Go)', t('    e2e_test.go:19: Get "https://staging.shop.example/api/health": tls: failed to verify certificate: x509: certificate has expired or is not yet valid: current time 2026-12-03T10:00:00Z is after 2026-11-30T23:59:59Z'), 'network'],
  ['a Kotlin coroutine timeout with a cause', t('kotlinx.coroutines.TimeoutCancellationException: Timed out waiting for 5000 ms\n\tat kotlinx.coroutines.TimeoutKt.TimeoutCancellationException(Timeout.kt:191)'), 'timeout'],
  ['a 404 on a new endpoint (Go)', t('    orders_test.go:44: POST http://localhost:8080/api/orders/7/refund: got status 404 Not Found, want 200'), 'product-defect'],
  ['a lockfile out of date (npm)', t('npm ERR! `npm ci` can only install packages when your package.json and package-lock.json or npm-shrinkwrap.json are in sync. Please update your lock file with `npm install` before continuing.'), 'dependency'],
  ['a Gemfile.lock out of date', t("Bundler::GemNotFound: Could not find rack-3.1.0 in locally installed gems\nRun `bundle install` to install missing gems."), 'dependency'],
]);
