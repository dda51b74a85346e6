import { describeProbes, probe as t } from './probes.js';

/** A seventh batch, written after the sixth: less common clients and drivers of each stack. */

describeProbes('probes, batch 7', [
  ['got (node): a 503', t('HTTPError: Response code 503 (Service Unavailable)\n    at Request.<anonymous> (/app/node_modules/got/dist/source/as-promise/index.js:118:42)'), 'deployment'],
  ['ky: a 401', t('HTTPError: Request failed with status code 401 Unauthorized: GET http://localhost:3000/api/me'), 'auth'],
  ['superagent: a 502', t('Error: Bad Gateway\n    at Request.callback (/app/node_modules/superagent/lib/node/index.js:857:15) {\n  status: 502,\n  response: <ref *1> Response { status: 502 }\n}'), 'deployment'],
  ['httparty: a 403', t('expected: 200\n     got: 403\n\n(compared using ==)'), 'auth'],
  ['java HttpClient: refused', t('java.net.ConnectException\n\tat java.net.http/jdk.internal.net.http.HttpClientImpl.send(HttpClientImpl.java:951)\nCaused by: java.net.ConnectException: Connection refused\n\tat java.base/sun.nio.ch.Net.pollConnect(Native Method)'), 'deployment'],
  ['java HttpClient: a handshake', t('javax.net.ssl.SSLHandshakeException: PKIX path building failed: sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid certification path to requested target'), 'network'],
  ['finch (elixir): refused', t('** (Mint.TransportError) connection refused'), 'deployment'],
  ['ecto: the sandbox not checked out', t("** (DBConnection.OwnershipError) cannot find ownership process for #PID<0.512.0>.\n\nWhen using ownership, you must manage connections in one\nof the four ways:"), 'test-defect'],
  ['pgx: a missing table', t('    repo_test.go:30: ERROR: relation "contacts" does not exist (SQLSTATE 42P01)'), 'database'],
  ['gorm: a record not found is a product answer', t('    repo_test.go:41: \n        \tError Trace:\t/src/repo_test.go:41\n        \tError:      \tReceived unexpected error:\n        \t            \trecord not found'), 'product-defect'],
  ['mongoose: a timeout buffering', t('MongooseError: Operation `contacts.find()` buffering timed out after 10000ms'), 'database'],
  ['sqlalchemy: an undefined table', t('sqlalchemy.exc.ProgrammingError: (psycopg2.errors.UndefinedTable) relation "contacts" does not exist\nLINE 1: SELECT contacts.id FROM contacts'), 'database'],
  ['rails: a missing database', t('ActiveRecord::NoDatabaseError: We could not find your database: crm_test. Available database configurations can be found in config/database.yml.'), 'database'],
  ['net/http: a read timeout', t('Net::ReadTimeout: Net::ReadTimeout with #<TCPSocket:(closed)>'), 'timeout'],
  ['guzzle: a timeout', t('GuzzleHttp\\Exception\\ConnectException: cURL error 28: Connection timed out after 5001 milliseconds'), 'timeout'],
  ['reqwest: a timeout', t('called `Result::unwrap()` on an `Err` value: reqwest::Error { kind: Request, url: "http://localhost:8080/export", source: TimedOut }'), 'timeout'],
  ['dotnet: a missing package at build', t("/src/Crm.Tests/Crm.Tests.csproj : error NU1102: Unable to find package Moq with version (>= 9.0.0)"), 'dependency'],
  ['elixir: a dependency not compiled', t('Unchecked dependencies for environment test:\n* jason (Hex package)\n  the dependency is not available, run "mix deps.get"'), 'dependency'],
  // The download failed because the proxy's name did not resolve: the deepest cause is the resolver.
  ['go: a module download whose host does not resolve', t('go: downloading github.com/jackc/pgx/v5 v5.5.0\ngo: github.com/jackc/pgx/v5@v5.5.0: Get "https://proxy.golang.org/github.com/jackc/pgx/v5/@v/v5.5.0.mod": dial tcp: lookup proxy.golang.org: no such host'), 'network'],
  ['ruby: a native extension missing', t("LoadError: libpq.so.5: cannot open shared object file: No such file or directory - /usr/local/bundle/gems/pg-1.5.4/lib/pg_ext.so"), 'dependency'],
]);
