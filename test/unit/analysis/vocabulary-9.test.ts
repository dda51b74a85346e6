import { describe, expect, it } from 'vitest';
import { classifyFailure } from '../../../shared/analysis/classify.js';

/** A ninth batch, written after the eighth: whole outputs of .NET, Elixir, Rust and PHP suites. */
const t = (details: string, output?: string) => ({ test: 't', message: details.split('\n')[0]!, details, ...(output ? { output } : {}) });

describe('probes, batch 9', () => {
  it.each([
    ['xunit: a WebApplicationFactory whose host failed on a missing table', t("System.AggregateException : One or more errors occurred. (42P01: relation \"Invoices\" does not exist)\n---- Npgsql.PostgresException : 42P01: relation \"Invoices\" does not exist\n   at Npgsql.Internal.NpgsqlConnector.ReadMessageLong(Boolean async, DataRowLoadingMode dataRowLoadingMode, Boolean readingNotifications, Boolean isReadingPrependedMessage)\n   at Billing.Tests.InvoiceApiTests.CreatesInvoice() in /src/Billing.Tests/InvoiceApiTests.cs:line 33"), 'database'],
    ['xunit: a 500 whose log names EF pending changes', t("Assert.Equal() Failure: Values differ\nExpected: Created\nActual:   InternalServerError", "fail: Microsoft.EntityFrameworkCore.Database.Command[20102]\n      Failed executing DbCommand (3ms) [Parameters=[], CommandType='Text']\n      INSERT INTO \"Invoices\" (\"Total\") VALUES (@p0)\nNpgsql.PostgresException (0x80004005): 42703: column \"Total\" of relation \"Invoices\" does not exist"), 'database'],
    ['nunit: a JWT signing key missing', t("System.ArgumentNullException : IDX10000: The parameter 'key' cannot be a 'null' or an empty object.  (Parameter 'key')\n   at Microsoft.IdentityModel.Tokens.SymmetricSecurityKey..ctor(Byte[] key)\n   at Billing.Api.Startup.ConfigureServices(IServiceCollection services) in /src/Billing.Api/Startup.cs:line 41"), 'configuration'],
    ['mstest: a product value', t("Assert.AreEqual failed. Expected:<1200>. Actual:<1150>. \n   at Billing.Tests.TotalsTests.SumsLines() in /src/Billing.Tests/TotalsTests.cs:line 18"), 'product-defect'],
    ['exunit: a 401 from the API', t("** (RuntimeError) expected response with status 200, got: 401, with body:\n\"{\\\"errors\\\":{\\\"detail\\\":\\\"Unauthorized\\\"}}\"\ncode: assert json_response(conn, 200)\nstacktrace:\n  (phoenix 1.7.10) lib/phoenix/test/conn_test.ex:373: Phoenix.ConnTest.response/2\n  test/billing_web/controllers/invoice_controller_test.exs:22: (test)"), 'auth'],
    ['exunit: a missing migration', t("** (Postgrex.Error) ERROR 42P01 (undefined_table) relation \"invoices\" does not exist\n\n    query: INSERT INTO \"invoices\" (\"total\",\"inserted_at\") VALUES ($1,$2) RETURNING \"id\"\nstacktrace:\n  (ecto_sql 3.11.1) lib/ecto/adapters/sql.ex:1054: Ecto.Adapters.SQL.raise_sql_call_error/1\n  test/billing/invoices_test.exs:14: (test)"), 'database'],
    ['exunit: a product value from a context', t("Assertion with == failed\ncode:  assert invoice.status == :paid\nleft:  :pending\nright: :paid\nstacktrace:\n  test/billing/invoices_test.exs:31: (test)"), 'product-defect'],
    ['cargo: an axum test that got 503', t("thread 'health_check_works' panicked at tests/health_check.rs:21:5:\nassertion failed: response.status().is_success()\nnote: run with `RUST_BACKTRACE=1` environment variable to display a backtrace", 'GET /health_check -> 503 Service Unavailable'), 'deployment'],
    ['cargo: a missing DATABASE_URL for sqlx', t("error: set `DATABASE_URL` to use query macros online, or run `cargo sqlx prepare` to update the query cache\n  --> src/routes/invoices.rs:12:5"), 'configuration'],
    ['cargo: a product value', t("thread 'invoices::totals' panicked at tests/invoices.rs:40:5:\nassertion `left == right` failed: total of two lines\n  left: 1150\n right: 1200"), 'product-defect'],
    ['phpunit: a 419 CSRF on a form post', t("Expected response status code [302] but received 419.\nFailed asserting that 419 is identical to 302."), 'auth'],
    ['phpunit: a missing .env value for the database', t("PDOException: SQLSTATE[HY000] [2002] Connection refused\n\n/app/vendor/laravel/framework/src/Illuminate/Database/Connectors/Connector.php:65\n/app/tests/Feature/InvoiceTest.php:18"), 'database'],
    ['phpunit: a product value in JSON', t("Failed asserting that an array has the key 'total'.\n\n/app/vendor/laravel/framework/src/Illuminate/Testing/TestResponse.php:1012\n/app/tests/Feature/InvoiceTest.php:40"), 'product-defect'],
    ['pest: a type error in the test', t("TypeError: Tests\\Feature\\InvoiceTest::{closure}(): Argument #1 ($invoice) must be of type App\\Models\\Invoice, null given\n\nat tests/Feature/InvoiceTest.php:12"), 'test-defect'],
  ])('%s', (_what, failure, category) => expect(classifyFailure(failure).category).toBe(category));
});
