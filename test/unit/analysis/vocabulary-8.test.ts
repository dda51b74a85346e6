import { describeProbes, probe as t } from './probes.js';

/** An eighth batch, written after the seventh: e2e browser runners and API tools. */

describeProbes('probes, batch 8', [
  ['playwright: the app never came up', t('Error: page.goto: net::ERR_CONNECTION_REFUSED at http://localhost:3000/\nCall log:\n  - navigating to "http://localhost:3000/", waiting until "load"'), 'deployment'],
  ['playwright: a page that answered 502', t('Error: expect(locator).toBeVisible() failed\n\nLocator: getByRole(\'heading\', { name: \'Orders\' })\nExpected: visible\nReceived: <element(s) not found>', '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>'), 'deployment'],
  ['playwright: a click that timed out', t("Error: locator.click: Test timeout of 30000ms exceeded.\nCall log:\n  - waiting for getByRole('button', { name: 'Pay' })"), 'timeout'],
  ['playwright: a text that differs', t('Error: Timed out 5000ms waiting for expect(locator).toHaveText(expected)\n\nLocator: getByTestId(\'total\')\nExpected string: "$12.00"\nReceived string: "$11.50"'), 'product-defect'],
  ['cypress: redirected to sign in', t("AssertionError: Timed out retrying after 4000ms: expected 'https://app.example/sign-in?redirect=%2Forders' to include '/orders'"), 'auth'],
  ['cypress: a missing element is the product', t("AssertionError: Timed out retrying after 4000ms: Expected to find element: `[data-cy=order-row]`, but never found it."), 'product-defect'],
  ['selenium: an unresolved staging host', t('selenium.common.exceptions.WebDriverException: Message: unknown error: net::ERR_NAME_NOT_RESOLVED\n  (Session info: chrome=120.0.6099.109)'), 'network'],
  ['selenium: a missing driver binary', t("selenium.common.exceptions.NoSuchDriverException: Message: Unable to obtain driver for chrome using Selenium Manager."), 'dependency'],
  ['puppeteer: a missing browser', t('Error: Could not find Chrome (ver. 121.0.6167.85). This can occur if either\n 1. you did not perform an installation before running the script (e.g. `npx puppeteer browsers install chrome`) or\n 2. your cache path is incorrectly configured'), 'dependency'],
  ['testcafe: a page error', t('A JavaScript error occurred on "http://localhost:3000/checkout".\nTypeError: Cannot read properties of undefined (reading \'total\')\n    at Checkout (http://localhost:3000/static/js/main.js:1:2345)'), 'product-defect'],
  ['newman: a 401', t("AssertionError: expected response to have status code 200 but got 401"), 'auth'],
  ['k6: checks failed on 503', t("✗ status is 200\n  ↳  0% — ✓ 0 / ✗ 120\nhttp_req_failed: 100.00% ✓ 120 ✗ 0\nWARN[0003] Request Failed  error=\"Get \\\"http://orders:8080/api\\\": 503 Service Unavailable\""), 'deployment'],
  ['robot: a refused service', t("ConnectionError: HTTPConnectionPool(host='localhost', port=8000): Max retries exceeded with url: /api (Caused by NewConnectionError('<urllib3.connection.HTTPConnection object at 0x7f>: Failed to establish a new connection: [Errno 111] Connection refused'))"), 'deployment'],
  ['behave: an unset base URL', t("requests.exceptions.MissingSchema: Invalid URL 'None/api/orders': No scheme supplied. Perhaps you meant https://None/api/orders?"), 'configuration'],
  ['cucumber-js: an undefined step', t('Undefined. Implement with the following snippet:\n\n  When(\'I pay the order\', function () {\n    // Write code here that turns the phrase above into concrete actions\n    return \'pending\';\n  });'), 'test-defect'],
  ['cucumber-jvm: an ambiguous step', t('io.cucumber.core.runner.AmbiguousStepDefinitionsException: "I pay the order" matches more than one step definition:\n  "I pay the order" in com.acme.steps.OrderSteps.pay()'), 'test-defect'],
]);
