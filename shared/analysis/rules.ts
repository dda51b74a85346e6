import type { Category } from '../config/categories.js';
import {
  ASSERTION, AUTH_STATUS, HARNESS_MISUSE, BAD_CREDENTIALS, CODE_ERROR, COMPILE_ERROR, DB_CLIENT_ERROR, DB_CONNECTION_TARGET, DB_REJECTED_VALUE, LOGIN_PAGE, MIGRATION,
  MISSING_DB_OBJECT, MISSING_DEPENDENCY, MISSING_CONFIG_SOURCE, MISSING_SETTING, MOCK_MISUSE, NETWORK, NOT_DEPLOYED, REFUSED, SOURCE_REF, TEST_FILE, TEST_MODULE_MISSING, TEST_OBJECT_LACKS, TIMEOUT,
  UNAVAILABLE_STATUS, UNRESOLVED_PLACEHOLDER, anyOf, statusPhrase,
} from './vocabulary.js';

/**
 * The built-in classification rules: data, tried in order, the first match decides. Their words
 * are the per-ecosystem tables of vocabulary.ts; this file orders them. The order
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

const raw = String.raw;

/** A frame of a runtime, a test framework or an installed package: not the project's own code. */
const LIBRARY_FRAME = raw`node_modules|site-packages|dist-packages|[\\/]usr[\\/](?:local[\\/])?(?:lib|go)[\\/]|[\\/]go[\\/]src[\\/]|[\\/]vendor[\\/]|[\\/]gems[\\/]|java\.base[\\/]|\bat (?:org\.junit|org\.testng|org\.springframework|org\.mockito|kotlin\.|kotlinx\.|io\.kotest|io\.mockk|jdk\.|sun\.|java\.|System\.|Microsoft\.|Xunit\.|NUnit\.|FluentAssertions\.)|node:internal|\((?:elixir|ex_unit|stdlib|ecto|ecto_sql) [\d.]+\)|<frozen |[\\/]rustc[\\/]|\.cargo[\\/]registry`;

/** An error whose innermost frame of the project's own code (the first one not a library's) is in a test file. */
function inTestFrames(errors: string): string {
  // Each line either names no source or is a library's frame; lookaheads keep it one way to match.
  return raw`(?:${errors})(?:[^\n]{0,2000}\n(?:(?:(?![^\n]*${SOURCE_REF})|(?=[^\n]*(?:${LIBRARY_FRAME})))[^\n]*\n){0,8})?[^\n]{0,300}?${TEST_FILE}`;
}

export const BUILT_IN_RULES: Rule[] = [
  // database: the body or the error names the database.
  { category: 'database', pattern: anyOf(MISSING_DB_OBJECT), confidence: 0.95, why: 'the database lacks a table or column the code uses' },
  { category: 'database', pattern: anyOf(MIGRATION), confidence: 0.9, why: 'a migration did not run' },
  { category: 'database', pattern: anyOf(DB_CLIENT_ERROR), confidence: 0.85, why: 'the database is unreachable or refused the query' },
  { category: 'database', pattern: anyOf(DB_REJECTED_VALUE), confidence: 0.8, why: 'the database rejected a value' },
  // auth: refused for credentials, including WebSocket handshakes.
  { category: 'auth', pattern: raw`Unexpected server response: (?:401|403)|websocket[^\n]{0,60}?(?:handshake|upgrade)[^\n]{0,60}?(?:401|403|rejected|refused|unauthori[sz]ed|forbidden)|handshake[^\n]{0,40}(?:rejected|unauthori[sz]ed)`, confidence: 0.9, why: 'the WebSocket handshake was rejected for credentials' },
  { category: 'auth', pattern: raw`${statusPhrase(AUTH_STATUS)}|\bHTTP(?:\/[\d.]+)?[ :]+(?:401|403)\b|\b(?:401|403)\b[^\n]{0,20}?(?:unauthori[sz]ed|forbidden)`, confidence: 0.85, why: 'the service answered 401/403' },
  { category: 'auth', pattern: anyOf(BAD_CREDENTIALS), confidence: 0.8, why: 'the credentials were missing or invalid' },
  // A page or answer that ends on a login page: the session or credentials were refused.
  { category: 'auth', pattern: raw`(?:received(?: string)?|got|but was|actual|redirect(?:ed|s)? to|navigated to|expected|assert|location)\b[:\s]{0,4}[^\n]{0,12}?["'<]?[^\s"'<>]*(?:${LOGIN_PAGE})|[?&]reason=session|<form\b[^>]{0,100}\baction=["'][^"']*(?:${LOGIN_PAGE})`, confidence: 0.8, why: 'the request ended on the login page: the session or credentials were refused' },
  // deployment: the service under test was not there.
  { category: 'deployment', pattern: raw`${statusPhrase(UNAVAILABLE_STATUS)}|\bHTTP(?:\/[\d.]+)?[ :]+(?:502|503|504)\b|\b(?:502|503|504)\b[^\n]{0,20}?(?:bad gateway|service (?:temporarily )?unavailable|gateway time-?out)|Service (?:Temporarily )?Unavailable|Bad Gateway`, confidence: 0.85, why: 'the service answered 502/503/504' },
  { category: 'deployment', pattern: raw`${anyOf(NOT_DEPLOYED)}|${anyOf(REFUSED)}`, confidence: 0.8, why: 'nothing accepted the connection: the service is not running' },
  // A test module importing a name its own helpers lack is the test's defect, not a missing package.
  { category: 'test-defect', pattern: raw`cannot import name '?\w+'? from '?(?:\.|tests?\b|e2e\b|conftest)|${TEST_MODULE_MISSING}`, confidence: 0.8, why: 'the test imports a helper that does not exist' },
  // A settings module or config file that is missing is configuration, though a module loader reports it.
  { category: 'configuration', pattern: MISSING_CONFIG_SOURCE, confidence: 0.8, why: 'a settings module or configuration file is missing' },
  { category: 'dependency', pattern: anyOf(MISSING_DEPENDENCY), confidence: 0.9, why: 'a module or package is missing' },
  { category: 'configuration', pattern: raw`${UNRESOLVED_PLACEHOLDER}|${anyOf(MISSING_SETTING)}`, confidence: 0.85, why: 'a setting, secret or URL is missing or invalid' },
  // An expectation retried until its time ran out, showing what the page held, is an assertion
  // on the product's answer, not a timeout (a status or a login page in it is read above).
  { category: 'product-defect', pattern: raw`Timed out \d+ ?ms waiting for expect\([^\n]*\n(?:[^\n]*\n){0,4}?[^\n]*\b(?:Expected|Received)\b|Timed out retrying after \d+ ?ms: (?:expected|Expected to find)\b|Timed out after [\d.]+m?s\.\s*\n\s*Expected\b`, confidence: 0.6, why: "an assertion on the product's answer failed after its retries" },
  // timeouts before network: a test timeout is not a network failure.
  { category: 'timeout', pattern: anyOf(TIMEOUT), confidence: 0.85, why: 'something did not answer in time' },
  { category: 'network', pattern: anyOf(NETWORK), confidence: 0.8, why: 'a connection failed below HTTP' },
  // test-defect: the error is raised by the test's own code, or the test could not be collected.
  { category: 'test-defect', pattern: raw`${anyOf(HARNESS_MISUSE)}|ERROR collecting|collection error|errors during collection|No test suite found in file|strict mode violation|SyntaxError: [^\n]*(?:\n[^\n]*){0,3}${TEST_FILE}|ReferenceError: \w+ is not defined|NameError: name '\w+' is not defined|${anyOf(MOCK_MISUSE)}|${TEST_OBJECT_LACKS}`, confidence: 0.85, why: 'the test code could not run as written' },
  { category: 'test-defect', pattern: raw`${inTestFrames(anyOf(CODE_ERROR))}|(?:${COMPILE_ERROR})[^\n]{0,300}?(?:\n[^\n]{0,300}?){0,2}?${TEST_FILE}|${TEST_FILE}[^\n]{0,300}?(?:${COMPILE_ERROR})|File "[^"\n]*${TEST_FILE}[^"\n]*", line \d+\n(?:[^\n]*\n){0,4}?[ \t]*(?:SyntaxError|IndentationError)\b|panicked at[^\n]{0,300}?${TEST_FILE}[^\n]*\n(?:called \x60Option::unwrap\(\)\x60 on a \x60None\x60 value|index out of bounds)`, confidence: 0.8, why: "the error is raised in the test's own code" },
  // Python prints the innermost frame last, just above the error; a compiler the file first.
  { category: 'test-defect', pattern: raw`File "[^"\n]*${TEST_FILE}[^"\n]*", line \d+, in [^\n]+\n(?:(?![ \t]*File ")[ \t]+[^\n]*\n){0,3}(?:TypeError|AttributeError|KeyError|IndexError|NameError|UnboundLocalError)\b|${TEST_FILE}:\d+(?::\d+)?: (?:undefined: \w+|cannot use |too (?:many|few) arguments|not enough arguments|declared and not used|[^\n]*has no field or method)`, confidence: 0.8, why: "the error is raised in the test's own code" },
  // product-defect: the product answered and the assertion shows a wrong value.
  { category: 'product-defect', pattern: anyOf(ASSERTION), confidence: 0.6, why: "an assertion on the product's answer failed" },
];

/** The categories of a connection that failed: refused, unresolved or timed out. */
export const CONNECTION_CATEGORIES: readonly string[] = ['deployment', 'network', 'timeout'];

/**
 * What a failed connection connected to, when the failure names it (its client library, its
 * driver's exception, its URL scheme or port): a fixture that cannot reach its database is a
 * database failure, whatever the exception's class.
 */
export const CONNECTION_TARGETS: Rule[] = [
  { category: 'database', pattern: anyOf(DB_CONNECTION_TARGET), confidence: 0.85, why: 'the connection that failed was to the database' },
];
