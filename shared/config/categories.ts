/** The causes a failure is classified into, by root cause rather than by exception type. */
export const CATEGORIES = [
  'deployment',
  'database',
  'auth',
  'dependency',
  'configuration',
  'network',
  'timeout',
  'test-defect',
  'product-defect',
  'unknown',
] as const;
export type Category = (typeof CATEGORIES)[number];

/** Whether a string read from a config or a stored document names a category. */
export function isCategory(value: string): value is Category {
  return (CATEGORIES as readonly string[]).includes(value);
}

/**
 * Which category to read first when clusters are the same size: what stops every test (the
 * service, its database, credentials, settings, packages) before what stops some, and a
 * product's wrong answer before a test's own bug, since only the former ships to users.
 */
const SEVERITY: readonly Category[] = [
  'deployment',
  'database',
  'auth',
  'configuration',
  'dependency',
  'network',
  'timeout',
  'product-defect',
  'test-defect',
  'unknown',
];

/** 0 for the most severe category; a category a config invented sorts with `unknown`. */
export function severityRank(category: string): number {
  const i = SEVERITY.indexOf(category as Category);
  return i < 0 ? SEVERITY.length - 1 : i;
}

/** What each cause usually needs: the five whys' conclusion when the evidence names nothing more precise. */
export const REMEDY: Record<Category, { rootCause: string; fix: string }> = {
  deployment: { rootCause: 'the service under test was not up or not healthy when the suite ran', fix: 'look at the revision: did it start, does its health check pass; redeploy if it was a rollout race' },
  database: { rootCause: "the service's database does not match what the code expects (schema, migration or connection)", fix: 'run or fix the missing migration, or the database connection settings' },
  auth: { rootCause: 'requests were refused for their credentials', fix: 'check the token or key the suite uses and the service\'s auth configuration' },
  dependency: { rootCause: 'a module or package the code needs is missing or broken', fix: 'add or pin the dependency and rebuild' },
  configuration: { rootCause: 'a setting, secret or URL is missing or wrong', fix: 'set the missing variable or secret for the environment' },
  network: { rootCause: 'a connection to another host failed (DNS, reset, TLS)', fix: 'check the host name, certificates and egress; retry if transient' },
  timeout: { rootCause: 'something did not answer in time', fix: 'find the slow call (service logs); raise the timeout only if the wait is legitimate' },
  'test-defect': { rootCause: 'the test code itself is wrong', fix: 'fix the test: the error is raised in the test file, not by the product' },
  'product-defect': { rootCause: 'the product answered, but wrongly', fix: 'fix the product code path the failing assertion exercises' },
  unknown: { rootCause: 'no rule recognised the failure', fix: 'read the evidence; add a classification rule to the loop config once understood' },
};
