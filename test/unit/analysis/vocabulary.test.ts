import { describe, expect, it } from 'vitest';
import { classifyFailure } from '../../../shared/analysis/classify.js';

/**
 * One probe per word class and ecosystem: what each stack prints for one kind of cause. They
 * check that a class of words is read (a status by any assertion library, a missing package by
 * any package manager), not one project's failure.
 */
const t = (details: string) => ({ test: 't', message: details.split('\n')[0]!, details });

describe('status phrases of every common assertion library read as a status', () => {
  it.each([
    ['RestAssured', 'java.lang.AssertionError: 1 expectation failed.\nExpected status code <200> but was <503>.', 'deployment'],
    ['Newman/Postman', 'AssertionError: expected response to have status code 200 but got 503', 'deployment'],
    ['httpexpect (Go)', 'expected: status equal to:\n  200 OK\n\nactual:\n  503 Service Unavailable', 'deployment'],
    ['supertest', 'Error: expected 200 "OK", got 401 "Unauthorized"', 'auth'],
    ['Hamcrest', 'java.lang.AssertionError: \nExpected: is <200>\n     but: was <403>', 'auth'],
    ['AssertJ', 'org.opentest4j.AssertionFailedError: \nexpected: 200\n but was: 502', 'deployment'],
    ['MSTest', 'Assert.AreEqual failed. Expected:<200>. Actual:<401>.', 'auth'],
    ['Shouldly', 'response.StatusCode\n    should be\nHttpStatusCode.OK\n    but was\nHttpStatusCode.Forbidden', 'auth'],
    ['minitest assert_response', 'Expected response to be a <2XX: success>, but was a <503: Service Unavailable>', 'deployment'],
    ['Faraday', 'Faraday::UnauthorizedError: the server responded with status 401', 'auth'],
    ['urllib', 'urllib.error.HTTPError: HTTP Error 503: Service Unavailable', 'deployment'],
    ['nginx page', 'AssertionError: expected 200, body: <html><head><title>503 Service Temporarily Unavailable</title></head>', 'deployment'],
    ['a wrong number that is not a status', 'AssertionError: expected 3 to equal 2', 'product-defect'],
  ])('%s', (_lib, text, category) => expect(classifyFailure(t(text)).category).toBe(category));
});

describe('a code error is the test\'s only when its innermost own frame is a test file', () => {
  it.each([
    ['jvm', 'java.lang.NullPointerException: Cannot invoke "com.acme.shop.Order.getTotal()" because "order" is null\n\tat com.acme.shop.OrderService.total(OrderService.java:41)\n\tat com.acme.shop.OrderServiceTest.totals(OrderServiceTest.java:19)'],
    ['dotnet', 'System.NullReferenceException : Object reference not set to an instance of an object.\n   at Acme.Orders.Pricing.Apply(Order order) in /src/Acme.Orders/Pricing.cs:line 27\n   at Acme.Orders.Tests.PricingTests.AppliesCoupon() in /src/Acme.Orders.Tests/PricingTests.cs:line 15'],
    ['ruby', "NoMethodError:\n  undefined method `amount' for nil\n# ./app/models/invoice.rb:14:in `total'\n# ./spec/models/invoice_spec.rb:9:in `block (2 levels) in <top (required)>'"],
  ])('%s: raised inside the product, called by the test', (_eco, text) => expect(classifyFailure(t(text)).category).not.toBe('test-defect'));
});

describe('each ecosystem names its causes', () => {
  it.each([
    // dependency
    ['python: a module lacks a name after an upgrade', "AttributeError: module 'numpy' has no attribute 'float'", 'dependency'],
    ['python: a distribution is not installed', "importlib.metadata.PackageNotFoundError: No package metadata was found for shop-client", 'dependency'],
    ['node: a native addon built for another Node', "Error: The module '/app/node_modules/bcrypt/lib/binding/napi-v3/bcrypt_lib.node'\nwas compiled against a different Node.js version using\nNODE_MODULE_VERSION 108.", 'dependency'],
    ['ruby: an activated gem conflicts', 'Gem::LoadError: You have already activated rack 3.0.8, but your Gemfile requires rack 2.2.8.', 'dependency'],
    ['php: the platform does not match', 'Composer detected issues in your platform: Your Composer dependencies require a PHP version ">= 8.2.0".', 'dependency'],
    ['dotnet: a NuGet package is not found', 'error NU1101: Unable to find package Acme.Client. No packages exist with this id in source(s): nuget.org', 'dependency'],
    ['rust: a crate is not found', 'error: no matching package named `serde_jsn` found\nlocation searched: registry `crates-io`', 'dependency'],
    // configuration
    ['python: requests without a base URL', "requests.exceptions.MissingSchema: Invalid URL '/api/orders': No scheme supplied. Perhaps you meant https:///api/orders?", 'configuration'],
    ['jvm: a relative URI', 'java.lang.IllegalArgumentException: URI is not absolute\n\tat java.base/java.net.URL.fromURI(URL.java:719)', 'configuration'],
    ['dotnet: HttpClient without a BaseAddress', 'System.InvalidOperationException : An invalid request URI was provided. Either the request URI must be an absolute URI or BaseAddress must be set.', 'configuration'],
    ['rust: reqwest without a base', 'called `Result::unwrap()` on an `Err` value: reqwest::Error { kind: Builder, source: RelativeUrlWithoutBase }', 'configuration'],
    ['php: curl with no URL', 'GuzzleHttp\\Exception\\RequestException: cURL error 3: URL using bad/illegal format or missing URL', 'configuration'],
    ['django: an empty secret', 'django.core.exceptions.ImproperlyConfigured: The SECRET_KEY setting must not be empty.', 'configuration'],
    ['dotnet: a missing configuration section', "System.InvalidOperationException : Section 'Jwt' not found in configuration.", 'configuration'],
    ['laravel: a bad app key', 'RuntimeException: Unsupported cipher or incorrect key length. Supported ciphers are: aes-128-cbc, aes-256-cbc.', 'configuration'],
    ['go: viper without its file', 'config_test.go:14: Config File "config" Not Found in "[/app]"', 'configuration'],
    ['node: dotenv-safe', 'MissingEnvVarsError: The following variables were defined in .env.example but are not present in the environment:\n  API_KEY', 'configuration'],
    // auth
    ['spring security', 'Full authentication is required to access this resource', 'auth'],
    ['devise', 'expected "You need to sign in or sign up before continuing." to include "Orders"', 'auth'],
    ['django rest framework', "AssertionError: {'detail': 'Authentication credentials were not provided.'} != {'id': 3}", 'auth'],
    ['pyjwt', 'jwt.exceptions.ExpiredSignatureError: Signature has expired', 'auth'],
    ['aws', 'ExpiredTokenException: The security token included in the request is expired', 'auth'],
    ['csrf', 'AssertionError: expected "Forbidden (CSRF token missing.)" to equal "OK"', 'auth'],
    // database
    ['oracle', 'java.sql.SQLSyntaxErrorException: ORA-00942: table or view does not exist', 'database'],
    ['mysql', "Mysql2::Error::ConnectionError: Can't connect to MySQL server on 'db' (115)", 'database'],
    ['sql server', "Microsoft.Data.SqlClient.SqlException : Login failed for user 'shop'.", 'database'],
    ['prisma', "Error: P1001: Can't reach database server at `db:5432`", 'database'],
    ['postgres role', 'psql: error: connection to server on socket "/var/run/postgresql/.s.PGSQL.5432" failed: FATAL:  role "shop" does not exist', 'database'],
    ['sqlite locked', 'sqlite3.OperationalError: database is locked', 'database'],
    ['mongo', 'MongoNetworkError: connect ECONNREFUSED 127.0.0.1:27017', 'database'],
    ['elasticsearch', 'ResponseError: index_not_found_exception: [index_not_found_exception] Reason: no such index [orders]', 'database'],
    // network
    ['jvm: SSLException', 'javax.net.ssl.SSLException: Unsupported or unrecognized SSL message', 'network'],
    ['jvm: an expired certificate', 'java.security.cert.CertificateExpiredException: NotAfter: Sun Jan 01 00:00:00 UTC 2025', 'network'],
    ['go: an idle connection closed', 'Post "https://partner.example/v1": http: server closed idle connection', 'network'],
    ['elixir: a TLS alert', '** (Mint.TransportError) {:tls_alert, {:unknown_ca, ~c"TLS client: In state certify received SERVER ALERT: Fatal - Unknown CA"}}', 'network'],
    // timeout
    ['nunit', 'Test exceeded Timeout value of 30000ms', 'timeout'],
    ['mstest', "Test 'ExportsYear' exceeded execution timeout period.", 'timeout'],
    ['dotnet: a cancelled request', 'System.Threading.Tasks.TaskCanceledException : A task was canceled.\n   at System.Net.Http.HttpClient.SendAsync(HttpRequestMessage request)', 'timeout'],
    // deployment
    ['envoy', 'AssertionError: expected 200 got 504: upstream request timeout', 'deployment'],
    ['dotnet: refused', 'System.Net.Http.HttpRequestException : No connection could be made because the target machine actively refused it. (localhost:5001)', 'deployment'],
    // test-defect
    ['rspec: a factory that is not registered', 'KeyError:\n  Factory not registered: "employe"\n# ./spec/requests/employees_spec.rb:5', 'test-defect'],
    ['mocha: done twice', 'Error: done() called multiple times in test <Orders places an order>', 'test-defect'],
    ['mocha: overspecified', 'Error: Resolution method is overspecified. Specify a callback *or* return a Promise; not both.', 'test-defect'],
    ['jest: no tests', 'Your test suite must contain at least one test.', 'test-defect'],
    ['xunit: fixture data', 'The following constructor parameters did not have matching fixture data: DatabaseFixture db', 'test-defect'],
    ['moq: a non-virtual member', 'System.NotSupportedException : Unsupported expression: x => x.Total\nNon-overridable members (here: Order.get_Total) may not be used in setup / verification expressions.', 'test-defect'],
    ['mockery: a method the mock lacks', 'Mockery\\Exception\\BadMethodCallException: Method Mockery_0_App_Gateway::charge() does not exist on this mock object', 'test-defect'],
    ['testcontainers: a port before start', 'java.lang.IllegalStateException: Mapped port can only be obtained after the container is started\n\tat com.acme.shop.OrderIT.setUp(OrderIT.java:22)', 'test-defect'],
    ['rust: unwrap on None in a test', "thread 'orders::lists' panicked at tests/orders.rs:22:41:\ncalled `Option::unwrap()` on a `None` value", 'test-defect'],
    ['php: a wrong argument type to a test helper', 'TypeError: Tests\\Feature\\OrderTest::makeOrder(): Argument #1 ($total) must be of type int, string given, called in /app/tests/Feature/OrderTest.php on line 31', 'test-defect'],
    ['go: a nil pointer whose first own frame is the test', 'panic: runtime error: invalid memory address or nil pointer dereference [recovered]\n[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x6b2c1a]\n\ngoroutine 7 [running]:\ntesting.tRunner.func1.2({0x6f1e40, 0x8f5a10})\n\t/usr/local/go/src/testing/testing.go:1545 +0x238\npanic({0x6f1e40?, 0x8f5a10?})\n\t/usr/local/go/src/runtime/panic.go:914 +0x21f\nexample.com/shop/e2e.TestRefund(0xc0001a2000)\n\t/src/shop/e2e/refund_test.go:31 +0x1a', 'test-defect'],
    ['groovy: a method the test calls that does not exist', 'groovy.lang.MissingMethodException: No signature of method: com.acme.shop.OrderSpec.placeOrdr() is applicable for argument types: () values: []\n\tat com.acme.shop.OrderSpec.places an order(OrderSpec.groovy:18)', 'test-defect'],
    ['jest: a helper of the test that is not there', "Cannot find module '../support/factories' from 'test/orders.test.ts'", 'test-defect'],
    ['jest: a package that is not installed', "Cannot find module 'supertest' from 'test/orders.test.ts'", 'dependency'],
    ['python: a tests module that is not there', "ModuleNotFoundError: No module named 'tests.factories'", 'test-defect'],
    ['php: a test support class that is not there', 'Error: Class "Tests\\Support\\OrderFactory" not found\n\n/app/tests/Feature/OrderTest.php:12', 'test-defect'],
    ['go: Fail after the test completed', 'panic: Fail in goroutine after TestCheckout has completed', 'test-defect'],
    // product-defect
    ['capybara', 'expected to find text "Paid" in "Order #7 Pending"', 'product-defect'],
    ['minitest refute', 'Expected [] to not be empty.', 'product-defect'],
    ['assertj', 'java.lang.AssertionError: \nExpecting actual:\n  "pending"\nto be equal to:\n  "shipped"', 'product-defect'],
    ['hamcrest', 'java.lang.AssertionError: \nExpected: is "shipped"\n     but: was "pending"', 'product-defect'],
    ['shouldly', 'order.Status\n    should be\n"shipped"\n    but was\n"pending"', 'product-defect'],
    ['exunit match', 'match (=) failed\ncode:  assert {:ok, _} = Orders.ship(order)\nright: {:error, :not_paid}', 'product-defect'],
    ['mockito: a call the product did not make', 'Wanted but not invoked:\ngateway.charge(1200);\n-> at com.acme.shop.Gateway.charge(Gateway.java:12)\nActually, there were zero interactions with this mock.', 'product-defect'],
    ['jest: a call the product did not make', 'expect(jest.fn()).toHaveBeenCalledWith(...expected)\n\nExpected: 1200\n\nNumber of calls: 0', 'product-defect'],
    ['a bare HTTP status', 'Error: HTTP 401 while fetching /api/me', 'auth'],
    ['pytest without AssertionError', 'E       assert 1150 == 1200\nE        +  where 1150 = total()', 'product-defect'],
  ])('%s', (_what, text, category) => expect(classifyFailure(t(text)).category).toBe(category));
});
