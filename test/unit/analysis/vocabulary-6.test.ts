import { describeProbes, probe as t } from './probes.js';

/** A sixth batch, written after the fifth: the hardest categories (test-defect, configuration, unknown) across stacks. */

describeProbes('probes, batch 6', [
  ['vitest: a mock factory without the export', t('Error: [vitest] No "sendMail" export is defined on the "../src/mailer" mock. Did you want to return the actual module?'), 'test-defect'],
  ['jest: a hoisted mock using an outer variable', t("ReferenceError: The module factory of `jest.mock()` is not allowed to reference any out-of-scope variables.\nInvalid variable access: mockSend"), 'test-defect'],
  ['pytest: a fixture with a wrong name', t("E       fixture 'db_session' not found\n>       available fixtures: cache, capfd, db, monkeypatch, tmp_path\n>       use 'pytest --fixtures [testpath]' for help on them."), 'test-defect'],
  ['pytest: an async test without the plugin', t('Failed: async def functions are not natively supported.\nYou need to install a suitable plugin for your async framework, for example:\n  - anyio\n  - pytest-asyncio'), 'test-defect'],
  ['junit: a static method source missing', t("org.junit.platform.commons.PreconditionViolationException: Could not find factory method [orderCases] in class [com.acme.shop.OrderTest]"), 'test-defect'],
  ['spock: a missing property in the spec', t("groovy.lang.MissingPropertyException: No such property: clinet for class: com.acme.shop.OrderSpec\n\tat com.acme.shop.OrderSpec.lists orders(OrderSpec.groovy:14)"), 'test-defect'],
  ['xunit: an async void test', t('System.InvalidOperationException : Test method Acme.Tests.OrderTests.Places has an async void signature; use async Task instead.'), 'test-defect'],
  ['exunit: a missing setup key', t("** (KeyError) key :conn not found in: %{async: false, case: ShopWeb.OrderControllerTest, file: \"/app/test/shop_web/controllers/order_controller_test.exs\"}\nstacktrace:\n  test/shop_web/controllers/order_controller_test.exs:21: (test)"), 'test-defect'],
  ['go: wrong arguments to a helper in the test', t('./orders_test.go:31:24: not enough arguments in call to newTestServer\n\thave ()\n\twant (*testing.T)\nFAIL\texample.com/shop [build failed]'), 'test-defect'],
  ['rust: a missing test helper', t("error[E0425]: cannot find function `spawn_app` in this scope\n  --> tests/health.rs:5:15\n   |\n5  |     let app = spawn_app().await;\n   |               ^^^^^^^^^ not found in this scope"), 'test-defect'],
  ['php: a data provider that is missing', t('The data provider specified for Tests\\Unit\\PriceTest::test_rounds is invalid\nMethod Tests\\Unit\\PriceTest::prices() does not exist'), 'test-defect'],
  ['go: a missing env var', t('    config_test.go:12: env: required environment variable "PAYMENTS_URL" is not set'), 'configuration'],
  ['python: pydantic settings v2', t("pydantic_core._pydantic_core.ValidationError: 1 validation error for AppSettings\nstripe_api_key\n  Field required [type=missing, input_value={}, input_type=dict]"), 'configuration'],
  ['node: an empty base URL in axios', t("TypeError [ERR_INVALID_URL]: Invalid URL\n    at new URL (node:internal/url:775:36)\n    at dispatchHttpRequest (/app/node_modules/axios/dist/node/axios.cjs:2968:20) {\n  code: 'ERR_INVALID_URL',\n  input: 'undefined/api/orders'\n}"), 'configuration'],
  ['dotnet: an unset connection string', t("System.InvalidOperationException : No connection string named 'Orders' could be found in the application configuration."), 'configuration'],
  ['spring: a missing profile value', t("org.springframework.beans.factory.UnsatisfiedDependencyException: Error creating bean with name 'paymentsClient'\nCaused by: org.springframework.beans.TypeMismatchException: Failed to convert value of type 'java.lang.String' to required type 'java.net.URI'; Illegal character in path at index 0: ${payments.url}"), 'configuration'],
  ['a bus error', t('Bus error (core dumped)'), 'unknown'],
  ['a python interpreter crash', t('Fatal Python error: Aborted\n\nThread 0x00007f (most recent call first):\n  File "/usr/lib/python3.11/threading.py", line 327 in wait'), 'unknown'],
  ['dotnet test host crash', t('The active test run was aborted. Reason: Test host process crashed : Unhandled exception. System.StackOverflowException'), 'unknown'],
  ['jvm crash', t('# A fatal error has been detected by the Java Runtime Environment:\n#\n#  SIGSEGV (0xb) at pc=0x00007f, pid=1, tid=12'), 'unknown'],
]);
