import type { Category } from '../config/categories.js';

/**
 * The built-in classification rules: data, tried in order, the first match decides. The order
 * encodes root cause over symptom: a 503 whose body names a missing table is a database
 * failure, so database rules come before the 5xx rule; an assertion that shows a 503 is a
 * deployment failure, so the status rules come before the generic assertion rule.
 * A loop config adds rules of its own, which are tried first.
 */
/** Structurally a loop config's `ClassificationRule`, so config rules are used as they are. */
export interface Rule {
  category: Category | string;
  /** Regular expression source, matched case-insensitively against message, details and output. */
  pattern: string;
  confidence: number;
  why?: string;
}

/** An optional quote, as written or escaped inside a JSON body: ", ', \" or nothing. */
const Q = String.raw`(?:\\?["'])?`;
const TEST_FILE = String.raw`(?:[\\/]tests?[\\/]|[\\/]__tests__[\\/]|[\\/]e2e[\\/]|[\\/]spec[\\/]|\.(?:test|spec|e2e)\.[cm]?[jt]sx?|_test\.go|[\\/]test_[\w-]+\.py|_test\.py|\b\w+(?:Test|Tests|IT|Spec)\.(?:java|kt|groovy|scala):\d+)`;

export const BUILT_IN_RULES: Rule[] = [
  // database: the body or the error names the database.
  { category: 'database', pattern: String.raw`relation ${Q}[\w.]+${Q} does not exist|no such table:?\s*\w+|table ${Q}[\w.]+${Q} doesn't exist|column ${Q}[\w.]+${Q} (?:of relation ${Q}\w+${Q} )?does not exist|unknown column ${Q}[\w.]+${Q}|no such column:?\s*[\w.]+|ER_NO_SUCH_TABLE|ER_BAD_FIELD_ERROR|Undefined(?:Table|Column)\b|SQLITE_ERROR`, confidence: 0.95, why: 'the database lacks a table or column the code uses' },
  { category: 'database', pattern: String.raw`migration(?:s)? (?:failed|pending|not (?:run|applied))|pending migrations?|failed migration|migrations? ha(?:ve|s) failed|SequelizeDatabaseError|PrismaClientKnownRequestError|P20(?:01|21|22)\b`, confidence: 0.9, why: 'a migration did not run' },
  { category: 'database', pattern: String.raw`SQLSTATE\[?\w+\]?|psycopg2?\.(?:errors\.)?\w+|sqlalchemy\.exc\.(?:Operational|Programming|Integrity|Data|Internal|Database|NoSuchTable)Error|OperationalError: \(?(?:psycopg|sqlite|pymysql)|could not connect to server|connection to server at .* failed|ECONNREFUSED [\d.:]*:(?:5432|3306|27017|6379)\b|database ${Q}\w+${Q} does not exist|too many connections|deadlock detected|password authentication failed for user|Access denied for user '[^']*'@|SequelizeConnection\w*Error|Mongo(?:ose)?ServerSelectionError|ServerSelectionTimeoutError|SQLGrammarException|JDBC exception|PSQLException|SQLSyntaxErrorException`, confidence: 0.85, why: 'the database is unreachable or refused the query' },
  { category: 'database', pattern: String.raw`invalid input syntax for (?:type )?\w+|cannot cast|CastError|violates (?:foreign key|not-null|unique) constraint|duplicate key value`, confidence: 0.8, why: 'the database rejected a value' },
  // auth: refused for credentials, including WebSocket handshakes.
  { category: 'auth', pattern: String.raw`Unexpected server response: (?:401|403)|websocket[^\n]{0,60}?(?:handshake|upgrade)[^\n]{0,60}?(?:401|403|rejected|refused|unauthori[sz]ed|forbidden)|handshake[^\n]{0,40}(?:rejected|unauthori[sz]ed)`, confidence: 0.9, why: 'the WebSocket handshake was rejected for credentials' },
  { category: 'auth', pattern: String.raw`(?:expected|got|received|status(?: code)?|returned|response|answered|actual|but was)[^\n\d]{0,40}?\b(?:401|403)\b|\b(?:401|403)\b[^\n]{0,20}?(?:unauthori[sz]ed|forbidden)|\b(?:401|403)\s*[!=]==?\s*\d{3}\b|\b\d{3}\s*[!=]==?\s*(?:401|403)\b`, confidence: 0.85, why: 'the service answered 401/403' },
  { category: 'auth', pattern: String.raw`invalid (?:token|credentials|api key|signature)|jwt (?:expired|malformed)|JsonWebTokenError|TokenExpiredError|token (?:expired|is invalid|missing)|missing (?:auth(?:orization)?|bearer) (?:header|token)|not authenticated|unauthenticated|\bPERMISSION_DENIED\b|permission denied for (?!relation|table|schema)`, confidence: 0.8, why: 'the credentials were missing or invalid' },
  // A page or answer that ends on a login page: the session or credentials were refused.
  { category: 'auth', pattern: String.raw`(?:received(?: string)?|got|but was|actual|redirect(?:ed|s)? to|navigated to|expected|assert)\b[:\s]{0,4}[^\n]{0,12}?["'<]?[^\s"'<>]*\/(?:log-?in|sign-?in|sign_in|auth\/login)\b|[?&]reason=session`, confidence: 0.8, why: 'the request ended on the login page: the session or credentials were refused' },
  { category: 'auth', pattern: String.raw`\b(?:invalid_client|invalid_grant|unauthorized_client|access_denied)\b|client authentication failed`, confidence: 0.8, why: 'the identity provider refused the credentials' },
  // deployment: the service under test was not there.
  { category: 'deployment', pattern: String.raw`(?:expected|got|received|status(?: code)?|returned|response|answered|actual|but was)[^\n\d]{0,40}?\b(?:502|503|504)\b|\b(?:502|503|504)\b[^\n]{0,20}?(?:bad gateway|service unavailable|gateway time-?out)|\b(?:502|503|504)\s*[!=]==?\s*\d{3}\b|\b\d{3}\s*[!=]==?\s*(?:502|503|504)\b|Service Unavailable|Bad Gateway|no healthy upstream|upstream connect error`, confidence: 0.85, why: 'the service answered 502/503/504' },
  { category: 'deployment', pattern: String.raw`revision [\w.-]+ (?:is )?not ready|container failed to start|CrashLoopBackOff|failed to start and listen on the port|connect ECONNREFUSED|ECONNREFUSED|Connection refused|connection was refused|net::ERR_CONNECTION_REFUSED|dial tcp [^\n]*: connect: connection refused|Connect call failed|\[Errno 111\]|Error 111 connecting|connect(?:ion)? to [^\n]{0,60} refused`, confidence: 0.8, why: 'nothing accepted the connection: the service is not running' },
  // A test module importing a name its own helpers lack is the test's defect, not a missing package.
  { category: 'test-defect', pattern: String.raw`cannot import name '?\w+'? from '?(?:\.|tests?\b|e2e\b|conftest)`, confidence: 0.8, why: 'the test imports a helper that does not exist' },
  // dependency
  { category: 'dependency', pattern: String.raw`Cannot find (?:module|package) '[^']+'|ERR_MODULE_NOT_FOUND|ModuleNotFoundError|No module named|ImportError: cannot import name|ImportError:|cannot find package|no required module provides package|NoClassDefFoundError|ClassNotFoundException|undefined symbol:|Module not found: Error: Can't resolve|Executable doesn't exist at|npx playwright install|command not found|executable file not found in \$PATH|missing go\.sum entry|(?:cannot|could not|unable to) load (?:driver )?class|Failed to load url \S+ \(resolved id|Failed to resolve import`, confidence: 0.9, why: 'a module or package is missing' },
  // configuration
  { category: 'configuration', pattern: String.raw`(?:environment variable|env var|setting|config(?:uration)?(?: key| value)?|secret)s? [\w"'.-]* ?(?:is )?(?:missing|not set|not defined|undefined|required|not found)|missing (?:required )?(?:environment variable|env var|setting|config(?:uration)?|secret)|KeyError: '[A-Z][A-Z0-9_]{2,}'|ERR_INVALID_URL|Invalid URL|invalid (?:base )?url|could not parse [\w ]{0,30}URL|ConfigError|ImproperlyConfigured|must be set|Could not resolve placeholder|validation errors? for \w*(?:Settings|Config|Configuration|Env)\b|required key \w+ missing|"path": \[\s*"[A-Z][A-Z0-9]*_[A-Z0-9_]+"|\b(?:neither|no|missing) api[-_ ]?key\b|api[-_ ]?key (?:is )?(?:not (?:provided|set|configured)|missing|required)`, confidence: 0.85, why: 'a setting, secret or URL is missing or invalid' },
  // An expectation retried until its time ran out, showing what the page held, is an assertion
  // on the product's answer, not a timeout (a status or a login page in it is read above).
  { category: 'product-defect', pattern: String.raw`Timed out \d+ ?ms waiting for expect\([^\n]*\n(?:[^\n]*\n){0,4}?[^\n]*\b(?:Expected|Received)\b|Timed out retrying after \d+ ?ms: (?:expected|Expected to find)\b`, confidence: 0.6, why: "an assertion on the product's answer failed after its retries" },
  // timeouts before network: a test timeout is not a network failure.
  { category: 'timeout', pattern: String.raw`Timeout of \d+ ?ms exceeded|Test timeout of \d+ ?ms exceeded|\bTimeout \d+ ?ms exceeded|Failed: Timeout >[\d.]+s|SocketTimeoutException|ConnectTimeout|TimeoutException|Exceeded timeout of \d+ ?ms|TimeoutError|timed? ?out after|timed out|context deadline exceeded|deadline exceeded|ReadTimeout|exceeded the timeout|test timed out|panic: test timed out`, confidence: 0.85, why: 'something did not answer in time' },
  // network
  { category: 'network', pattern: String.raw`ECONNRESET|socket hang up|Connection reset by peer|ENOTFOUND|EAI_AGAIN|getaddrinfo|Name or service not known|no such host|dial tcp: lookup|EHOSTUNREACH|ENETUNREACH|No route to host|CERT_|certificate (?:has expired|verify failed|is not valid)|self[- ]signed certificate|SSL(?:Error|_ERROR)|TLS handshake|x509:|ETIMEDOUT|net::ERR_NAME_NOT_RESOLVED|net::ERR_(?:CONNECTION_RESET|CERT)|UnknownHostException|SSLHandshakeException|PKIX path building failed|failed to verify certificate`, confidence: 0.8, why: 'a connection failed below HTTP' },
  // test-defect: the error is raised by the test's own code, or the test could not be collected.
  { category: 'test-defect', pattern: String.raw`fixture '[\w-]+' not found|ERROR collecting|collection error|errors during collection|ParameterResolutionException|PreconditionViolationException|No test suite found in file|strict mode violation|SyntaxError: [^\n]*(?:\n[^\n]*){0,3}${TEST_FILE}|ReferenceError: \w+ is not defined|NameError: name '\w+' is not defined|(?:must be|is not) a (?:mock|spy)\b|not a spy or a call to a spy|export is defined on the ["'][^"'\n]+["'] mock`, confidence: 0.85, why: 'the test code could not run as written' },
  { category: 'test-defect', pattern: String.raw`(?:TypeError|AttributeError|KeyError|IndexError|ReferenceError|NameError|NullPointerException|ClassCastException|nil pointer dereference|index out of range|undefined: \w+)[^\n]*\n(?:[^\n]*\n){0,8}?[^\n]*${TEST_FILE}`, confidence: 0.8, why: 'a TypeError or AttributeError raised in the test file' },
  // Python prints the innermost frame last, just above the error; a compiler the file first.
  { category: 'test-defect', pattern: String.raw`File "[^"\n]*${TEST_FILE}[^"\n]*", line \d+, in [^\n]+\n(?:(?![ \t]*File ")[ \t]+[^\n]*\n){0,3}(?:TypeError|AttributeError|KeyError|IndexError|NameError|UnboundLocalError)\b|${TEST_FILE}:\d+(?::\d+)?: (?:undefined: \w+|cannot use |too (?:many|few) arguments|not enough arguments|declared and not used|[^\n]*has no field or method)`, confidence: 0.8, why: "the error is raised in the test's own code" },
  { category: 'test-defect', pattern: String.raw`Cannot read propert(?:y|ies) of (?:undefined|null)[^\n]*(?:\n[^\n]*){0,6}${TEST_FILE}|'NoneType' object (?:has no attribute|is not subscriptable)[^\n]*(?:\n[^\n]*){0,6}${TEST_FILE}`, confidence: 0.75, why: 'the test dereferenced a value that was not there' },
  // product-defect: the product answered and the assertion shows a wrong value.
  { category: 'product-defect', pattern: String.raw`\bexpected\b[^\n]{0,80}\b(?:got|but was|received|actual)\b|DID NOT RAISE|Received function did not throw|Expected [\w.]+ to be thrown|AssertionError|assert(?:ion)? failed|expect\(received\)|Expected:? [^\n]+\n\s*Received|expected [^\n]+ to (?:equal|be|deep equal|have|include|contain|match)|Expected values to be strictly (?:deep-)?equal|(?<![\w.$])assert\.\w+\(|toBe\(|toEqual\(|Error: expect\(|Expected (?:value|result)|not equal|!==|Difference:|ComparisonFailure|AssertionFailedError|org\.opentest4j|expected:<|but was:<|Error Trace:|\bwant\b[^\n]*\bgot\b|\bgot\b[^\n]*\bwant\b`, confidence: 0.6, why: 'an assertion on the product\'s answer failed' },
];

/** The categories of a connection that failed: refused, unresolved or timed out. */
export const CONNECTION_CATEGORIES: readonly string[] = ['deployment', 'network', 'timeout'];

/**
 * What a failed connection connected to, when the failure names it (its client library, its
 * driver's exception, its URL scheme or port): a fixture that cannot reach its database is a
 * database failure, whatever the exception's class.
 */
export const CONNECTION_TARGETS: Rule[] = [
  { category: 'database', pattern: String.raw`\b(?:pg-pool|node_modules[\\/](?:pg|mysql2?|mongodb|mongoose|ioredis|redis)[\\/]|asyncpg|psycopg2?|pymongo|pymysql|mysqlclient|sqlalchemy|redis\.exceptions|mongoose|PSQLException|jdbc|HikariPool|pgx(?:pool)?|database=\w|dbname=\w)|(?:postgres(?:ql)?|mysql|mongodb(?:\+srv)?|redis|rediss):\/\/|(?::|, ?)(?:5432|5433|3306|27017|6379)\b`, confidence: 0.85, why: 'the connection that failed was to the database' },
];
