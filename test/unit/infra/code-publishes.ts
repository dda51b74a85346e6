import path from 'node:path';
import ts from 'typescript';
import { repositoryProgram } from './typescript-program.js';

/**
 * What the code publishes, read from the source with the TypeScript checker so that infra's
 * publisher grants are checked against the code rather than against a second hand-written list.
 *
 * From an entry file it follows every call into this repository's functions and collects:
 * - the topic of each `outboxMessage(id, topic, …)` (an entry the step writes and publishes);
 * - the topic of each direct `….publish(topic, …)`;
 * - whether it reads entries back from a stored outbox (`pendingEntries`, behind
 *   `publishAbandoned` and `unpublished`): those are entries any step wrote, so it may publish
 *   every topic any `outboxMessage` in the program writes.
 * The composition root (shared/composition.ts) is not followed as a whole: a call such as
 * `services().report(m)` is followed through the `Services` property it reads, so each entry
 * reaches only the step it runs.
 */
export interface CodePublishes {
  /** Topics each deployed function publishes (entry functions/<name>.ts). */
  functions: Record<string, string[]>;
  /** Topics the test job (`tdl job`, cli/commands/job-run.ts) publishes. */
  testJob: string[];
  /** Topics a person steering loops publishes (`tdl rerun`, `tdl cancel`: cli/commands/rerun.ts). */
  operators: string[];
  /** Every topic some step writes into a cycle's outbox. */
  outboxTopics: string[];
}

const OUTBOX_WRITER = 'outboxMessage';
/** Reads a stored outbox: whoever reaches it republishes entries other steps wrote. */
const OUTBOX_READER = 'pendingEntries';
/** Publishes the entries it is given; their topics are counted where they were written. */
const OUTBOX_FLUSHER = 'flushOutbox';
/** The composition roots: the functions' and the test job's. */
const WIRING = new Set(['shared/composition.ts', 'shared/composition-job.ts']);
// The job's work (cli/commands/job.ts loads it in a worker thread, out of the analysis's sight).
const TEST_JOB_ENTRY = 'cli/commands/job-run.ts';
const OPERATOR_ENTRY = 'cli/commands/rerun.ts';

interface Reach {
  topics: Set<string>;
  readsStoredOutbox: boolean;
}

export function codePublishes(root: string, functionNames: readonly string[]): CodePublishes {
  const entries = [...functionNames.map((fn) => `functions/${fn}.ts`), TEST_JOB_ENTRY, OPERATOR_ENTRY];
  const program = repositoryProgram(root, entries);
  const checker = program.getTypeChecker();
  const rel = (sf: ts.SourceFile) => path.relative(root, sf.fileName).split(path.sep).join('/');
  const ours = (sf: ts.SourceFile) => !sf.isDeclarationFile && !rel(sf).startsWith('node_modules/') && !rel(sf).startsWith('..');
  const where = (node: ts.Node) => {
    const sf = node.getSourceFile();
    return `${rel(sf)}:${sf.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
  };

  /** The string literal(s) a topic argument can be; throws when the checker cannot narrow it. */
  function literalTopics(arg: ts.Expression | undefined, call: ts.Node): string[] {
    if (!arg) throw new Error(`${where(call)}: a publish without a topic argument`);
    const type = checker.getTypeAtLocation(arg);
    const parts = type.isUnion() ? type.types : [type];
    if (!parts.every((t) => t.isStringLiteral())) {
      throw new Error(`${where(call)}: cannot tell which topic \`${arg.getText()}\` is (type ${checker.typeToString(type)}); give it a literal topic`);
    }
    return parts.map((t) => (t as ts.StringLiteralType).value);
  }

  function enclosingFunctionName(node: ts.Node): string | undefined {
    for (let n: ts.Node | undefined = node.parent; n; n = n.parent) {
      if (ts.isFunctionDeclaration(n) && n.name) return n.name.text;
    }
    return undefined;
  }

  function calleeName(call: ts.CallExpression): string | undefined {
    const e = call.expression;
    if (ts.isIdentifier(e)) return e.text;
    if (ts.isPropertyAccessExpression(e)) return e.name.text;
    return undefined;
  }

  /** Declarations a reference leads to that have code (or, in the wiring, the step a Services property names). */
  function followable(id: ts.Identifier): ts.Node[] {
    let symbol = checker.getSymbolAtLocation(id);
    if (!symbol) return [];
    if (symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
    return (symbol.declarations ?? []).filter((d) => {
      const sf = d.getSourceFile();
      if (!ours(sf)) return false;
      if (WIRING.has(rel(sf))) return ts.isPropertySignature(d);
      if (ts.isFunctionDeclaration(d) || ts.isMethodDeclaration(d)) return d.body !== undefined;
      if (ts.isVariableDeclaration(d)) return !!d.initializer && (ts.isArrowFunction(d.initializer) || ts.isFunctionExpression(d.initializer));
      return false;
    });
  }

  function reach(start: ts.Node): Reach {
    const result: Reach = { topics: new Set(), readsStoredOutbox: false };
    const seen = new Set<ts.Node>();
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node)) {
        const name = calleeName(node);
        if (name === OUTBOX_WRITER) for (const t of literalTopics(node.arguments[1], node)) result.topics.add(t);
        if (name === 'publish' && ts.isPropertyAccessExpression(node.expression) && enclosingFunctionName(node) !== OUTBOX_FLUSHER) {
          for (const t of literalTopics(node.arguments[0], node)) result.topics.add(t);
        }
        if (name === OUTBOX_READER) result.readsStoredOutbox = true;
      }
      if (ts.isIdentifier(node)) {
        for (const d of followable(node)) {
          if (seen.has(d)) continue;
          seen.add(d);
          visit(d);
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(start);
    return result;
  }

  const source = (file: string) => {
    const sf = program.getSourceFile(path.join(root, file));
    if (!sf) throw new Error(`${file} is not part of the TypeScript program of tsconfig.json`);
    return sf;
  };

  const outboxTopics = new Set<string>();
  const collectOutbox = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && calleeName(node) === OUTBOX_WRITER) for (const t of literalTopics(node.arguments[1], node)) outboxTopics.add(t);
    ts.forEachChild(node, collectOutbox);
  };
  for (const sf of program.getSourceFiles()) if (ours(sf)) collectOutbox(sf);

  const topicsOf = (r: Reach) => [...new Set([...r.topics, ...(r.readsStoredOutbox ? outboxTopics : [])])].sort();
  return {
    functions: Object.fromEntries(functionNames.map((fn) => [fn, topicsOf(reach(source(`functions/${fn}.ts`)))])),
    testJob: topicsOf(reach(source(TEST_JOB_ENTRY))),
    operators: topicsOf(reach(source(OPERATOR_ENTRY))),
    outboxTopics: [...outboxTopics].sort(),
  };
}
