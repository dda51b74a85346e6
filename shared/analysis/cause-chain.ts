/**
 * A failure's text as a chain of causes, deepest first. Runners print a wrapped error with
 * what it wraps: Java and Kotlin as `Caused by:` sections under the wrapper (the last is the
 * deepest), Node as `[cause]:` (util.inspect) or `Caused by:` (vitest) under it, Python as
 * sections joined by "During handling of the above exception" or "The above exception was the
 * direct cause" (the first is the deepest), PHP as the previous exception followed by `Next X:`
 * (the first is the deepest), PHPUnit and rspec as `Caused by` / `# --- Caused by: ---` under
 * the wrapper, .NET as inner exceptions under it (` ---> X:` from ToString, `---- X :` from
 * xUnit, `  ----> X :` from NUnit). The deepest cause says what went wrong; the wrappers say
 * what was being done.
 */

/** Python's joints: the section before one is the deeper exception. */
const PYTHON_JOINT = /^[ \tE]*(?:During handling of the above exception, another exception occurred:|The above exception was the direct cause of the following exception:)[ \t]*$|^(?=Next [\w\\]+(?:Exception|Error)\b)/m;
/** Java's, Kotlin's, Node's, PHPUnit's, rspec's and .NET's: the section from one on is the deeper exception. */
const WRAPPED_CAUSE = /^(?=[ \t#-]*Caused by\b:?|[ \t]*\[cause\]:|[ \t]*(?:-{4,}|-{2,4}>)[ \t]+[\w.]+(?:Exception|Error)\b)/m;

/** The links of one text, deepest first; a text with no joints is one link. */
export function causeChain(text: string): string[] {
  const links: string[] = [];
  for (const section of text.split(PYTHON_JOINT)) {
    links.push(...section.split(WRAPPED_CAUSE).reverse());
  }
  return links.map((l) => l.trim()).filter((l) => l !== '');
}

/** The parts of a failure, in the order they are read: where the cause is likeliest first. */
export interface FailureText {
  message?: string;
  details?: string;
  output?: string;
}

/**
 * The links to read, deepest cause first: the details' chain (runners put the whole error
 * there), then the message when the details do not already hold it (a setup error's summary,
 * a runner that keeps only a message), then what the test printed (a response body, a log
 * line), cut to `limit` characters each.
 */
export function failureLinks(input: FailureText, limit: number): string[] {
  const details = input.details?.slice(0, limit) ?? '';
  const message = input.message?.slice(0, limit) ?? '';
  const links = causeChain(details);
  const head = message.split(/\r?\n/).find((l) => l.trim() !== '')?.trim() ?? '';
  if (message.trim() !== '' && !details.includes(head)) links.push(...causeChain(message));
  if (input.output) links.push(input.output.slice(0, limit).trim());
  return links.filter((l) => l !== '');
}
