/**
 * The words each ecosystem prints for one kind of cause, as regular-expression sources, one
 * table per kind, one row per ecosystem. They are written from what those ecosystems' runtimes,
 * clients and test libraries print (their exception classes and messages), not from one
 * project's failures: a rule built from a table holds on a project nobody here has seen.
 * rules.ts orders the kinds (root cause over symptom); this file only says what each is called.
 */

/** A row: an ecosystem, or a kind of tool every ecosystem shares (native libraries, browsers, mocks, BDD, clouds). */
export type Ecosystem = 'any' | 'python' | 'node' | 'jvm' | 'go' | 'ruby' | 'php' | 'dotnet' | 'rust' | 'elixir' | 'native' | 'browsers' | 'mocks' | 'bdd' | 'cloud';
export type Vocabulary = Partial<Record<Ecosystem, readonly string[]>>;

/** One alternation of every ecosystem's words. */
export function anyOf(vocabulary: Vocabulary): string {
  return `(?:${Object.values(vocabulary).flat().join('|')})`;
}

const raw = String.raw;

// ---------------------------------------------------------------------------------------------
// HTTP statuses as assertion libraries and HTTP clients print the answer's status.

/**
 * What introduces the ACTUAL value in an assertion's message, per library: pytest and Node
 * print it first (`assert 503 == 200`, `503 !== 200`); these markers name it elsewhere.
 */
export const ACTUAL_VALUE: Vocabulary = {
  // jest `Received: 503`, testify `actual  : 503`, xUnit `Actual:   503`, NUnit `But was:  503`,
  // rspec `got: 503` / `but it was :unauthorized (401)`, minitest `but was a <302: Found>`,
  // Hamcrest `but: was <401>`, axios/Faraday/reqwest `status code 403` / `Status(401)`.
  any: ['got', 'received', 'actual', 'returned', 'answered', 'responded with', raw`status(?: code)?`, 'was'],
  // TestNG `but found [401]`, FluentAssertions `but found HttpStatusCode.Unauthorized {value: 401}`.
  jvm: ['found'],
  // PHPUnit `Failed asserting that 403 is identical to 200`; Guzzle `resulted in a \`503 Service Unavailable\` response`.
  php: ['Failed asserting that', 'resulted in an?'],
  // Rust's assert_eq!(actual, expected) and ExUnit's `assert actual == expected`: `left: 503`.
  rust: ['left'],
};

/** Statuses the answer may carry, as numbers or as the names clients and enums give them. */
/** 419 is Laravel's expired session or CSRF token ("Page Expired"). */
export const AUTH_STATUS = raw`(?:401|403|419|Unauthori[sz]ed|Forbidden|Page Expired)`;
export const UNAVAILABLE_STATUS = raw`(?:502|503|504|Bad ?Gateway|Service ?(?:Temporarily )?Unavailable|Gateway ?Time-?out|bad_gateway|service_unavailable|gateway_timeout)`;

/**
 * A phrase that says the answer's status was one of `statuses`: after a marker of the actual
 * value, chai/Jasmine/Gomega's `expected <actual> to ...` (Gomega prints `Expected\n <int>: 502\n
 * to equal`), an actual-first comparison (`503 != 200`, `503 !== 200`), or a client's error
 * that names the status with its reason phrase.
 */
export function statusPhrase(statuses: string): string {
  const marker = anyOf(ACTUAL_VALUE);
  return [
    raw`\b${marker}\b(?:[^\n\d]|\n(?=[ \t]*\S))${'{0,40}?'}\b${statuses}\b`,
    raw`\bexpected\s*(?:<[^>\n]{1,20}>:\s*)?${statuses}\s+to\b`,
    raw`\b${statuses}\s*[!=]==?\s*\d{3}\b`,
    raw`\bassert \w*${statuses}\b`,
  ].join('|');
}

// ---------------------------------------------------------------------------------------------
// database

/** The database lacks an object (table, column, database) the code uses. */
export const MISSING_DB_OBJECT: Vocabulary = {
  any: [
    raw`relation (?:\\?["'])?[\w.]+(?:\\?["'])? does not exist`,
    raw`no such (?:table|column):?\s*[\w.]+`,
    raw`table (?:\\?["'\x60])?[\w.]+(?:\\?["'\x60])? doesn't exist`,
    raw`column (?:\\?["'])?[\w.]+(?:\\?["'])? (?:of relation (?:\\?["'])?\w+(?:\\?["'])? )?does not exist`,
    raw`unknown column (?:\\?["'\x60])?[\w.]+`,
    raw`Unknown database (?:\\?["'\x60])?\w+`,
    raw`database (?:\\?["'])?\w+(?:\\?["'])? does not exist`,
    'Base table or view not found',
    'table or view does not exist',
    raw`role "[\w-]+" does not exist`,
    raw`index_not_found_exception|no such index`,
    raw`SQLITE_ERROR`,
  ],
  // SQLSTATE classes: 42P01 undefined table, 42703 undefined column, 3D000 no database, 42S02/42S22 (ODBC/MySQL).
  jvm: [raw`\b(?:42P01|42703|3D000|42S02|42S22)\b`],
  node: ['ER_NO_SUCH_TABLE', 'ER_BAD_FIELD_ERROR', 'ER_BAD_DB_ERROR'],
  python: [raw`Undefined(?:Table|Column)\b`],
  elixir: [raw`\((?:undefined_table|undefined_column|invalid_catalog_name)\)`],
  dotnet: [raw`Invalid (?:object|column) name '[^'\n]+'`, raw`Cannot open database "[^"\n]+"`],
};

/** Schema migrations that did not run or do not match. */
export const MIGRATION: Vocabulary = {
  any: [raw`migrations? (?:failed|pending|not (?:run|applied))`, raw`pending migrations?`, 'failed migration', raw`migrations? ha(?:ve|s) failed`, raw`Migrations are pending`],
  ruby: [raw`ActiveRecord::PendingMigrationError`, raw`ActiveRecord::NoDatabaseError`],
  jvm: ['FlywayValidateException', raw`liquibase\.exception`, raw`changesets? check ?sum`],
  python: [raw`django\.db\.migrations\.exceptions`, raw`alembic\.util\.exc`, 'Target database is not up to date'],
  elixir: [raw`Ecto\.MigrationError`],
  node: ['SequelizeDatabaseError', 'PrismaClientKnownRequestError', raw`P20(?:01|21|22)\b`],
  dotnet: ['PendingModelChangesWarning', 'pending model changes'],
};

/** The database refused a query or a connection; its client or driver names itself. */
export const DB_CLIENT_ERROR: Vocabulary = {
  any: [
    raw`SQLSTATE[ \[]?\w{5}\]?`,
    'could not connect to server',
    'connection to server at .* failed',
    raw`the database system is (?:starting up|shutting down|in recovery mode)`,
    'too many connections',
    'sorry, too many clients already',
    'remaining connection slots are reserved',
    'deadlock detected',
    'password authentication failed for user',
    raw`Access denied for user '[^']*'@`,
    raw`failed to connect to \x60host=`,
    'error returned from database',
    "Can't connect to (?:MySQL|local MySQL) server",
    'Lost connection to MySQL server',
    'MySQL server has gone away',
    raw`Login failed for user '`,
    'error occurred while establishing a connection to SQL Server',
    "Can't reach database server",
    raw`\bP1001\b`,
    'database is locked',
    raw`\bORA-\d{5}\b`,
    'ER_ACCESS_DENIED_ERROR',
  ],
  python: [raw`psycopg2?\.(?:errors\.)?\w+`, raw`sqlalchemy\.exc\.(?:Operational|Programming|Integrity|Data|Internal|Database|NoSuchTable)Error`, raw`OperationalError: \(?(?:psycopg|sqlite|pymysql)`, raw`django\.db\.utils\.\w+Error`, raw`QueuePool limit of size`, raw`pymongo\.errors`],
  node: [raw`SequelizeConnection\w*Error`, 'MongoNetworkError', 'MongooseError', 'Timeout acquiring a connection', raw`Mongo(?:ose)?ServerSelectionError`, 'MongoServerError', 'QueryFailedError'],
  jvm: ['ServerSelectionTimeoutError', 'SQLGrammarException', 'JDBC exception', 'PSQLException', 'SQLSyntaxErrorException', 'ExposedSQLException', 'BadSqlGrammarException', 'CannotGetJdbcConnectionException', raw`HikariPool-\d+ - Connection is not available`],
  ruby: [raw`ActiveRecord::(?:StatementInvalid|ConnectionNotEstablished)`, raw`PG::\w+`, raw`Mysql2::Error`, raw`Sequel::DatabaseError`],
  php: [raw`Illuminate\\Database\\QueryException`, raw`Doctrine\\DBAL\\Exception`, 'PDOException'],
  dotnet: ['SqlException', 'PostgresException', 'NpgsqlException', 'SqliteException', 'DbUpdateException', 'The timeout period elapsed prior to obtaining a connection from the pool'],
  // sqlx (Error::PoolTimedOut/PoolClosed), diesel, tokio-postgres.
  rust: [raw`\bPool(?:TimedOut|Closed)\b`, raw`DatabaseError\(`],
  // Postgrex, MyXQL, DBConnection's pool.
  elixir: [raw`Postgrex\.Error`, raw`MyXQL\.Error`, raw`DBConnection\.ConnectionError`, 'connection not available and request was dropped from queue'],
  go: [raw`\bpq: `, raw`Error \d{4} \(\w{5}\)`],
};

/** The database rejected a value. */
export const DB_REJECTED_VALUE: Vocabulary = {
  any: [raw`invalid input syntax for (?:type )?\w+`, 'cannot cast', 'CastError', raw`violates (?:foreign key|not-null|unique|check) constraint`, 'duplicate key value', raw`Duplicate entry '[^']*' for key`, raw`Sequelize(?:UniqueConstraint|ForeignKeyConstraint)Error`, 'E11000 duplicate key'],
};

/** What a failed connection was made by or to, when it was the database. */
export const DB_CONNECTION_TARGET: Vocabulary = {
  node: [raw`\bpg-pool\b`, raw`node_modules[\\/](?:pg|mysql2?|mongodb|mongoose|ioredis|redis)[\\/]`, raw`\bmongoose\b`],
  python: [raw`\b(?:asyncpg|psycopg2?|pymongo|pymysql|mysqlclient|sqlalchemy)\b`, raw`redis\.exceptions`, raw`django[\\/.]db[\\/.]`],
  jvm: [raw`\bPSQLException\b`, raw`\bjdbc\b`, raw`\bHikariPool\b`],
  go: [raw`\bpgx(?:pool)?\b`],
  ruby: [raw`\bPG::`, raw`\bActiveRecord::`, raw`\bMysql2::`],
  elixir: [raw`\bPostgrex\b`, raw`\bDBConnection\b`, raw`\bEcto\.`],
  dotnet: [raw`\bNpgsql\b`, raw`\bSqlClient\b`],
  rust: [raw`\bsqlx\b`, raw`\btokio_postgres\b`],
  any: [raw`\b(?:database|dbname)=\w`, raw`(?:postgres(?:ql)?|mysql|mongodb(?:\+srv)?|redis|rediss|ecto):\/\/`, raw`(?::|, ?| port )(?:5432|5433|3306|1433|27017|6379)\b`],
};

// ---------------------------------------------------------------------------------------------
// auth

export const BAD_CREDENTIALS: Vocabulary = {
  any: [
    raw`invalid (?:token|credentials|api key|signature)`,
    raw`jwt (?:expired|malformed)`,
    raw`token[_ ](?:expired|is invalid|missing|has expired|revoked)`,
    raw`missing (?:auth(?:orization)?|bearer) (?:header|token)`,
    'not authenticated',
    'unauthenticated',
    raw`\bPERMISSION_DENIED\b`,
    'permission denied for (?!relation|table|schema)',
    raw`\b(?:invalid_client|invalid_grant|unauthorized_client|access_denied|invalid_token)\b`,
    'client authentication failed',
    raw`invalid (?:authentication |auth )?credentials`,
    'Full authentication is required',
    'You need to sign in or sign up',
    'Authentication credentials were not provided',
    'Signature has expired',
    raw`security token included in the request is (?:expired|invalid)`,
    raw`\bExpiredToken\b`,
    'SignatureDoesNotMatch',
    'InvalidAccessKeyId',
    raw`CSRF (?:token|verification)`,
    'The caller does not have permission',
    raw`\bAccessDenied\b`,
    raw`session (?:has )?expired`,
  ],
  node: ['JsonWebTokenError', 'TokenExpiredError'],
  python: [raw`google\.auth\.exceptions\.RefreshError`, raw`jwt\.exceptions\.\w+`, 'ExpiredSignatureError'],
  jvm: ['BadCredentialsException', 'AccessDeniedException', 'ExpiredJwtException', 'InvalidBearerTokenException'],
  dotnet: ['SecurityTokenExpiredException', raw`IDX10223`, 'SecurityTokenInvalidSignatureException'],
  ruby: [raw`JWT::(?:ExpiredSignature|DecodeError|VerificationError)`, raw`Pundit::NotAuthorizedError`, raw`CanCan::AccessDenied`],
  php: [raw`Illuminate\\Auth\\(?:AuthenticationException|Access\\AuthorizationException)`, raw`Unauthenticated\.`],
  elixir: [raw`Guardian\.\w*Error`],
};

/** Where a refused session lands: a login page or an identity provider's authorize endpoint (a login form's action too). */
export const LOGIN_PAGE = raw`\/(?:log-?in|sign-?in|sign_in|auth\/login|accounts\/login|users\/sign_in|u\/login)\b|\/openid-connect\/auth\b|\/oauth2?\/(?:v[\d.]+\/)?authorize\b|\/saml2?\/(?:sso|login)\b|login\.microsoftonline\.com|accounts\.google\.com\/o\/oauth2|[?&]response_type=code\b`;

// ---------------------------------------------------------------------------------------------
// deployment: nothing listened where the service should be.

export const REFUSED: Vocabulary = {
  any: ['connect ECONNREFUSED', 'Connection refused', 'connection was refused', raw`connect(?:ion)? to [^\n]{0,60} refused`, 'ECONNREFUSED', raw`\[Errno 111\]`, 'Error 111 connecting', 'Connect call failed', 'ConnectionRefused', 'No connection could be made because the target machine actively refused it'],
  node: ['net::ERR_CONNECTION_REFUSED'],
  go: [raw`dial tcp [^\n]*: connect: connection refused`],
  php: [raw`cURL error 7: Failed to connect`],
};

export const NOT_DEPLOYED: Vocabulary = {
  any: [raw`revision [\w.-]+ (?:is )?not ready`, 'container failed to start', 'CrashLoopBackOff', 'failed to start and listen on the port', 'no healthy upstream', 'upstream connect error', 'No server is available to handle this request', 'upstream request timeout', 'no available server', 'Readiness probe failed', 'ImagePullBackOff', 'ErrImagePull'],
};

// ---------------------------------------------------------------------------------------------
// dependency: a module, class, gem, package, crate or native library is missing or mismatched.

export const MISSING_DEPENDENCY: Vocabulary = {
  python: ['ModuleNotFoundError', 'No module named', raw`module '(?!tests?\b|conftest)[\w.]+' has no attribute`, 'PackageNotFoundError', raw`ImportError(?::| while importing)`, raw`DistributionNotFound`, raw`pkg_resources\.VersionConflict`],
  node: [raw`Cannot find (?:module|package) '[^']+'`, 'ERR_MODULE_NOT_FOUND', 'ERR_PACKAGE_PATH_NOT_EXPORTED', 'ERR_REQUIRE_ESM', 'NODE_MODULE_VERSION', 'was compiled against a different Node.js version', raw`Module not found: Error: Can't resolve`, raw`Failed to load url \S+ \(resolved id`, 'Failed to resolve import', raw`is not defined by "exports"`, 'Executable doesn\'t exist at', 'npx playwright install', raw`\bERESOLVE\b`, raw`package\.json and package-lock\.json[^\n]{0,40}in sync`, raw`lock ?file[^\n]{0,40}(?:out of date|needs to be updated|not up to date)`, 'frozen-lockfile', 'No matching version found for', raw`binary is missing`],
  jvm: ['NoClassDefFoundError', 'ClassNotFoundException', 'NoSuchMethodError', 'NoSuchFieldError', 'AbstractMethodError', 'IncompatibleClassChangeError', 'UnsatisfiedLinkError', raw`(?:cannot|could not|unable to) load (?:driver )?class`, 'Could not resolve dependencies', 'Could not find artifact', 'Could not resolve all (?:files|dependencies) for configuration'],
  go: ['cannot find package', 'no required module provides package', raw`missing go\.sum entry`, 'cannot find module providing package', raw`updates to go\.mod needed`],
  ruby: [raw`LoadError\b`, 'cannot load such file', raw`Bundler::GemNotFound`, raw`Could not find gem '`, raw`Gem::(?:MissingSpec|Load)Error`, raw`Bundler::VersionConflict`, 'You have already activated', raw`uninitialized constant (?:[A-Z]\w*::)+[A-Z]\w*`],
  php: [raw`(?:Class|Interface|Trait|Enum) ["'][\w\\]+["'] not found`, raw`Call to undefined function (?!Tests?\\)[\w\\]+\(\)`, raw`(?:require|include)(?:_once)?\([^)\n]*vendor[\\/]autoload\.php`, 'Composer detected issues in your platform'],
  dotnet: ['Could not load file or assembly', 'TypeLoadException', raw`System\.MissingMethodException`, raw`Method not found: '`, 'DllNotFoundException', 'Unable to load shared library', raw`\bNU110[1-3]\b`, raw`\bNETSDK\d{4}\b`, raw`are you missing (?:a using directive or )?an assembly reference`],
  rust: ['use of undeclared crate', raw`can't find crate for`, raw`error\[E0463\]`, 'no matching package named', 'failed to select a version for'],
  elixir: [raw`module [\w.]+ is not available`, 'Unchecked dependencies', raw`run "mix deps\.get"`, 'could not compile dependency'],
  // Browsers and their drivers for Selenium, Puppeteer, Playwright.
  browsers: ['NoSuchDriverException', 'Unable to obtain driver', 'executable needs to be in PATH', raw`Could not find (?:Chrome|Chromium|Firefox|expected browser|browser)\b`, 'browsers install'],
  native: ['undefined symbol:', 'cannot open shared object file', 'cannot load library', 'error while loading shared libraries', 'Library not loaded', 'command not found', raw`executable file not found in \$PATH`],
};

// ---------------------------------------------------------------------------------------------
// configuration: a setting, secret, key or URL is missing, empty or unresolved.

/** An environment-style name: upper case with an underscore (`API_URL`, `STRIPE_SECRET_KEY`). */
const ENV_NAME = raw`[A-Z][A-Z0-9]*_[A-Z0-9_]+`;

export const MISSING_SETTING: Vocabulary = {
  any: [
    raw`(?:environment variable|env var|setting|config(?:uration)?(?: key| value| property)?|secret|property)s? [\w"'.:-]* ?(?:is |was )?(?:missing|not set|not defined|undefined|required|not found|not provided|empty)`,
    raw`missing (?:required )?(?:environment variable|env var|setting|config(?:uration)?|secret|credentials?)`,
    raw`\b${ENV_NAME}\b["'\x60]?:? (?:is |was )?(?:required|missing|not set|unset|undefined|not defined|must be set|environment variable not found)`,
    raw`key not found: ["']${ENV_NAME}["']`,
    raw`KeyError: ['"]${ENV_NAME}['"]`,
    'must be set',
    raw`\b(?:neither|no|missing) api[-_ ]?key\b`,
    raw`api[-_ ]?key (?:is )?(?:not (?:provided|set|configured)|missing|required)`,
    raw`Config(?:uration)? validation error`,
    raw`validation errors? for \w*(?:Settings|Config|Configuration|Env|Options)\b`,
    raw`unsupported protocol scheme ""`,
    raw`\b(?:setting|variable|key|secret|token|url)s? (?:must not|cannot|can't|may not) be (?:empty|blank|null)`,
    'not found in configuration',
    raw`Missing required (?:arguments?|keys?|configuration|parameters?):`,
    'are not present in the environment',
    raw`\b${ENV_NAME} environment variable (?:to be set|is (?:not set|missing|required|empty))`,
    'Failed to parse URL',
    raw`\bset [\x60'"]?${ENV_NAME}[\x60'"]? (?:to|in|before)\b`,
    'ConfigError',
  ],
  python: ['ImproperlyConfigured', 'UndefinedValueError', 'MissingSchema', 'No scheme supplied', 'InvalidSchema', 'UnsupportedProtocol', 'Request URL is missing an', raw`"path": \[\s*"${ENV_NAME}"`],
  node: ['ERR_INVALID_URL', 'Invalid URL', raw`invalid (?:base )?url`, raw`could not parse [\w ]{0,30}URL`, 'Missing environment variables'],
  jvm: ['No configuration setting found for key', raw`ConfigException\$Missing`, 'Could not resolve placeholder', 'URI is not absolute', 'Target host is not specified', 'URI with undefined scheme', 'Failed to bind properties under', raw`Failed to configure a DataSource: '\w+' attribute is not specified`, raw`ApplicationConfigurationException`],
  go: [raw`required key \w+ missing`, raw`Config File "[^"\n]+" Not Found`],
  ruby: [raw`URI::(?:InvalidURIError|BadURIError)`, raw`Missing \x60?secret_key_base`, raw`ActiveSupport::MessageEncryptor::InvalidMessage`, 'Missing encryption key', raw`Figaro::MissingKeys`],
  php: ['MissingAppKeyException', 'Unsupported cipher or incorrect key length', raw`cURL error 3:`, 'No application encryption key has been specified', 'EnvNotFoundException', raw`Database connection \[\w+\] not configured`],
  dotnet: ['OptionsValidationException', 'An invalid request URI was provided', 'UriFormatException', 'BaseAddress must be set', raw`The \w+ field is required`, 'The ConnectionString property has not been initialized', raw`No connection string named`, raw`\(Parameter '\w*(?:connectionString|apiKey|secret|url|uri|endpoint|dsn)'\)`, raw`\bIDX10703\b`, 'key length is zero', raw`IDX10000: The parameter '\w*(?:key|secret)\w*'`],
  rust: ['environment variable not found', 'RelativeUrlWithoutBase', 'relative URL without a base', raw`configuration property "[^"]+" not found`],
  // A bucket, secret or key a setting names that the cloud does not have (AWS, GCP, Azure).
  cloud: ['NoSuchBucket', 'The specified bucket does not exist', raw`Secret \[[^\]\n]+\] not found`, "Secrets Manager can't find the specified secret", 'SecretNotFound'],
  elixir: ['could not fetch application environment', raw`System\.EnvError`, raw`could not fetch environment variable`],
};

/** A settings module or configuration file that is not there. */
export const MISSING_CONFIG_SOURCE = raw`No module named '[\w.]*\b(?:settings|config)\b[\w.]*'|DJANGO_SETTINGS_MODULE|(?:no such file or directory|cannot be opened because it does not exist|FileNotFoundException)[^\n]{0,120}?(?:[\\/](?:config|conf|settings)[\\/]|\.env\b|\b(?:config|settings|application|appsettings)[\w.-]*\.(?:json|ya?ml|toml|ini|properties|conf)\b|\.(?:ya?ml|toml|ini|properties)\b)`;

/** A template that reached a URL or host unexpanded: its variable was never set. */
export const UNRESOLVED_PLACEHOLDER = raw`at index \d+: \$\{[\w.-]+\}|(?:https?:\/\/|ENOTFOUND |host:? ?["']?)(?:\$\{[\w.:-]+\}|\{\{\s*[\w.]+\s*\}\}|%[A-Z_]+%)|Invalid URL[^\n]*\$\{`;

// ---------------------------------------------------------------------------------------------
// network: below HTTP, to another host (resolver, TLS, resets).

export const NETWORK: Vocabulary = {
  any: ['Connection reset', 'socket hang up', 'ENOTFOUND', 'EAI_AGAIN', 'getaddrinfo', 'Name or service not known', 'no such host', 'Temporary failure in name resolution', 'could not translate host name', 'nodename nor servname provided', 'EHOSTUNREACH', 'ENETUNREACH', 'No route to host', 'Could not resolve (?:host|proxy)', 'failed to lookup address', 'dns error', 'non-existing domain', raw`\bnxdomain\b`, 'Network is unreachable', 'Connection aborted', 'Remote end closed connection', 'RemoteDisconnected', 'Empty reply from server', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'Broken pipe', 'forcibly closed by the remote host', 'The response ended prematurely', 'connection closed before message completed', 'server closed idle connection', 'Unexpected end of file from server', 'ProxyError', 'Tunnel connection failed'],
  // TLS and certificates, by every stack's words.
  native: ['CERT_', raw`certificate (?:has expired|verify failed|is not valid|is invalid)`, raw`self[- ]signed certificate`, raw`SSL(?:Error|_ERROR|_connect|Exception)`, raw`Certificate(?:Expired|NotYetValid)Exception`, 'CertPathValidatorException', raw`tls_alert`, raw`TLS handshake`, raw`tls: \w+`, raw`x509:`, 'unable to (?:verify the first|get local issuer) certificate', raw`The (?:remote )?certificate is invalid`, 'The SSL connection could not be established', 'invalid peer certificate', 'InvalidCertificate', 'secure TLS connection', 'does not match certificate', 'PKIX path building failed', 'failed to verify certificate', 'SSLHandshakeException', 'Remote host terminated the handshake'],
  node: ['net::ERR_NAME_NOT_RESOLVED', raw`net::ERR_(?:CONNECTION_RESET|CERT)`, 'UND_ERR_SOCKET', 'other side closed'],
  jvm: ['UnknownHostException', 'UnresolvedAddressException', 'NoRouteToHostException'],
  ruby: [raw`SocketError\b`, raw`OpenSSL::SSL::SSLError`, raw`EOFError: end of file reached`],
  elixir: [raw`Mint\.TransportError`, raw`:econnreset`, raw`:closed\}`],
};

// ---------------------------------------------------------------------------------------------
// timeout

export const TIMEOUT: Vocabulary = {
  any: [raw`timed? ?out after`, 'timed out', 'deadline exceeded', 'deadline has elapsed', 'exceeded the timeout', 'test timed out', raw`did(?:n't| not) finish within the time-?out`, raw`Maximum execution time of \d+ seconds? exceeded`, raw`execution expired`, raw`Request timeout has expired`, raw`exceeded (?:the )?Timeout value`, 'exceeded execution timeout', 'ESOCKETTIMEDOUT'],
  node: [raw`still not (?:displayed|existing|visible|clickable|enabled|present) after \d+ ?ms`, raw`Timeout of \d+ ?ms exceeded`, raw`Test timeout of \d+ ?ms exceeded`, raw`\bTimeout \d+ ?ms exceeded`, raw`Exceeded timeout of \d+ ?ms`, 'TimeoutError'],
  python: [raw`Failed: Timeout >[\d.]+s`, 'ReadTimeout', 'ConnectTimeout'],
  jvm: ['SocketTimeoutException', 'TimeoutException', 'HttpTimeoutException', 'ThreadTimeoutException', 'TimeoutCancellationException', 'HttpRequestTimeoutException'],
  go: [raw`panic: test timed out`, 'i/o timeout', raw`Client\.Timeout exceeded`],
  ruby: [raw`Timeout::Error`, raw`Net::(?:Read|Open|Write)Timeout`],
  php: [raw`cURL error 28`, 'ProcessTimedOutException'],
  dotnet: [raw`HttpClient\.Timeout`, raw`System\.TimeoutException`, raw`TaskCanceledException\b[^\n]*A task was canceled`],
  // tokio::time::timeout's error.
  rust: [raw`\bElapsed\(\(\)\)`, raw`\bTimedOut\b`],
  elixir: [raw`ExUnit\.TimeoutError`, raw`\*\* \(EXIT\) time out`],
};

// ---------------------------------------------------------------------------------------------
// test-defect

/**
 * A path that is the test's own code, in each ecosystem's conventions: test folders (tests/,
 * spec/, __tests__/, e2e/, src/test/), test file names (x.test.ts, x_test.go, test_x.py,
 * x_spec.rb, x_test.exs, XTest.java/.kt/.cs/.php:line) and .NET test projects (X.Tests/).
 */
export const TEST_FILE = raw`(?:(?:^|[\s"'(\[:\\/.=])(?:tests?|specs?|__tests__|e2e|src[\\/]test)[\\/]|\.(?:test|spec|e2e)\.[cm]?[jt]sx?|_test\.(?:go|exs?|rb)\b|_spec\.rb\b|[\\/]test_[\w-]+\.py|_test\.py|\b\w+(?:Test|Tests|IT|Spec|Specs)\.(?:java|kt|groovy|scala|cs|php)(?::|:line |\()\d+|\w\.Tests?[\\/])`;

/** A stack line that names a source file and a line: the first such line is the innermost frame. */
export const SOURCE_REF = raw`[\w.\\/-]+\.(?:py|[cm]?[jt]sx?|java|kt|groovy|scala|go|rb|php|cs|rs|exs?)(?::\d|:line \d|", line \d|\(\d| (?:on )?line \d)`;

/** Errors of code that misuses its own values, per ecosystem: in the test's frames they are the test's defect. */
export const CODE_ERROR: Vocabulary = {
  python: ['TypeError', 'AttributeError', 'KeyError', 'IndexError', 'NameError', 'UnboundLocalError'],
  node: ['TypeError', 'ReferenceError', 'is not a function', raw`Cannot read propert(?:y|ies) of (?:undefined|null)`, 'Cannot destructure property'],
  jvm: ['NullPointerException', 'ClassCastException', 'UninitializedPropertyAccessException', raw`lateinit property \w+ has not been initialized`, 'ArrayIndexOutOfBoundsException', raw`groovy\.lang\.Missing(?:Property|Method)Exception`],
  go: ['nil pointer dereference', 'index out of range', 'interface conversion'],
  ruby: ['NoMethodError', 'NameError', 'undefined method', 'undefined local variable', 'wrong number of arguments'],
  php: [raw`Call to a member function \w+\(\) on (?:null|array|bool|string|int)`, 'Call to undefined method', raw`Undefined (?:variable|array key|property|offset)`, 'ArgumentCountError'],
  dotnet: ['NullReferenceException', 'Object reference not set to an instance of an object', 'Sequence contains no (?:matching )?elements', 'InvalidCastException', 'IndexOutOfRangeException', 'KeyNotFoundException'],
  rust: [raw`called \x60Option::unwrap\(\)\x60 on a \x60None\x60 value`, 'index out of bounds'],
  elixir: ['FunctionClauseError', 'UndefinedFunctionError', raw`\(KeyError\)`, raw`\(BadMapError\)`, raw`\(ArgumentError\)`],
};

/** A compiler's error, with the file it names within the next lines. */
export const COMPILE_ERROR = raw`error\[E\d{4}\]|\(CompileError\)|\berror CS\d{4}\b|\berror TS\d{4}\b|cannot find symbol|Unresolved reference|COMPILATION ERROR`;

/** A mocking library used wrongly: the test set its double up wrong. */
export const MOCK_MISUSE: Vocabulary = {
  node: [raw`(?:must be|is not) a (?:mock|spy)\b`, 'not a spy or a call to a spy', raw`export is defined on the ["'][^"'\n]+["'] mock`, raw`Attempted to wrap \w+ which is already wrapped`],
  python: [raw`(?:Magic|Async)?Mock object has no attribute`, raw`is not a mock`],
  jvm: [raw`org\.mockito\.exceptions\.misusing`, 'UnfinishedStubbingException', 'WrongTypeOfReturnValue', 'InvalidUseOfMatchersException', raw`MockKException: no answer found`],
  go: [raw`I don't know what to return because the method call was unexpected`],
  dotnet: [raw`CouldNotSetReturn\w*Exception`, 'All invocations on the mock must have a corresponding setup'],
  ruby: [raw`received unexpected message :\w+ with`, raw`does not implement: \w+`],
  php: ['does not exist on this mock object', 'cannot be configured because it does not exist'],
};

/** A test harness used wrongly: a test's callbacks, fixtures, factories or containers set up wrong. */
export const HARNESS_MISUSE: Vocabulary = {
  node: [raw`done\(\) called multiple times`, 'Resolution method is overspecified', 'Your test suite must contain at least one test', 'Cannot log after tests are done', 'after the Jest environment has been torn down', 'is not allowed to reference any out-of-scope variables'],
  python: ['ScopeMismatch: You tried to access', raw`fixture '[\w-]+' not found`, 'async def functions are not natively supported'],
  dotnet: ['has an async void signature', 'did not have matching fixture data', 'Non-overridable members', 'No suitable constructor was found'],
  jvm: ['Mapped port can only be obtained after the container is started', 'No runnable methods', raw`MockitoException: Cannot (?:mock|spy)`, 'ParameterResolutionException', 'PreconditionViolationException'],
  go: [raw`(?:Fail|Log) in goroutine after \w+ has completed`],
  php: [raw`data provider specified for [^\n]{1,200}? is invalid`],
  elixir: [raw`DBConnection\.OwnershipError`, 'cannot find ownership process'],
  // Cucumber (JS, JVM, Ruby), behave, SpecFlow: a step without, or with two, definitions.
  bdd: [raw`Undefined\. Implement with the following snippet`, 'UndefinedStepException', 'AmbiguousStepDefinitionsException', 'matches more than one step definition', 'You can implement step definitions for undefined steps', raw`No matching step definition`],
  ruby: ['Factory not registered', raw`FactoryBot::(?:DuplicateDefinitionError|AttributeDefinitionError|InvalidFactoryError)`],
};

/** A module, file or class of the test's own code that does not exist: the test's defect, not a package's. */
export const TEST_MODULE_MISSING = raw`Cannot find module '\.{1,2}/[^'\n]+' from [^\n]*?${TEST_FILE}|Cannot find module '[^'\n]*${TEST_FILE}|No module named '(?:tests?|conftest)\b|cannot load such file -- [^\n]*?${TEST_FILE}|(?:Class|Interface|Trait) ["']Tests?\\[\w\\]+["'] not found`;

/** A method called on the test's own object (an rspec example group, a PHPUnit test case) that it lacks. */
export const TEST_OBJECT_LACKS = raw`undefined (?:local variable or )?method [^\n]* for (?:#<|an instance of )RSpec::ExampleGroups|Call to undefined method (?:[\w\\]*\\)?\w*Tests?::|object has no attribute[^\n]*(?:Test|Tests|TestCase)'`;

// ---------------------------------------------------------------------------------------------
// product-defect: an assertion on the product's answer, in each library's words.

export const ASSERTION: Vocabulary = {
  any: [raw`\bexpected\b[^\n]{0,80}\b(?:got|but was|received|actual|but found)\b`, raw`expected to (?:find|have|be|eq|include|match|contain)\b`, raw`(?:^|\n)E\s+assert\b`, raw`expected [^\n]{1,300}? to (?:equal|be|deep equal|have|include|contain|match)`, raw`Expected:? [^\n]{1,300}\n\s*(?:Received|Actual|But was|got)`, 'not equal', raw`assert(?:ion)? failed`],
  python: ['AssertionError', 'DID NOT RAISE'],
  node: ['Received function did not throw', raw`Expected [\w.]+ to be thrown`, raw`expect\(received\)`, raw`(?<![\w.$])assert\.\w+\(`, raw`toBe\(`, raw`toEqual\(`, raw`Error: expect\(`, raw`Expected (?:value|result)`, raw`Expected values to be strictly (?:deep-)?equal`, '!==', raw`Difference(?: \([^)\n]*\))?:`, raw`Expect \w+ to have`],
  jvm: [raw`\bshould (?:contain|be|have|include|start with|end with)\b[^\n]{0,300}?(?:; but\b|but was\b)`, 'ComparisonFailure', 'AssertionFailedError', raw`org\.opentest4j`, 'expected:<', 'but was:<', raw`expected \[[^\]\n]*\] but found \[`, 'Condition not satisfied', raw`Assertion failed:`, 'Expecting actual', raw`\bbut: was\b`],
  go: ['Error Trace:', raw`\bwant\b[^\n]*\bgot\b`, raw`\bgot\b[^\n]*\bwant\b`, raw`mismatch \(-want \+got\)`, raw`Expected\n\s+<[^>\n]+>: `],
  ruby: [raw`\(compared using [=!~]+\)`, raw`Expected [^\n]{1,300}? to (?:not )?(?:be|eq|include|equal|have)\b`, 'Failed assertion'],
  php: ['Failed asserting that'],
  // Calls the product should have made (mocks as assertions), snapshots and contracts.
  // An uncaught error in the page under test (TestCafe, Cypress): the product's code failed.
  browsers: ['A JavaScript error occurred on', 'The following error originated from your application code'],
  mocks: ['Wanted but not invoked', raw`Argument\(s\) are different`, raw`Expected invocation on the mock`, raw`missing call\(s\) to`, raw`toHaveBeenCalled\w*`, 'Expected number of calls', raw`Snapshot [^\n]* mismatched`, 'Screenshot comparison failed', raw`does not match (?:the )?schema`, 'Pact verification failed'],
  dotnet: [raw`\n\s*should (?:not )?(?:be|equal|contain|start with|end with)\b[^\n]*\n`, raw`Assert\.\w+\(\) Failure`, raw`Assert\.\w+ failed`, raw`Expected [\w.\[\]]+ to (?:be|equal|contain|have)[^\n]*, but found`],
  rust: [raw`assertion \x60left [=!]= right\x60 failed`, raw`assertion failed: `],
  elixir: [raw`Assertion with \S+ failed`, raw`match \(=\) failed`, raw`Expected truthy, got`],
};
