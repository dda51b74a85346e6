import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The import graph between folders, read from the source: every relative import, export-from
 * and dynamic import() of every .ts file, type-only ones included (a type import ties two
 * folders together for a reader as much as a value import does).
 *
 * A folder is a directory under shared/ (shared/chain/analyze, shared/kernel, shared for
 * shared/composition.ts); functions/, cli/, bench/ and scripts/ are one folder each, since
 * each is an application whose entry module registers its own subfolders (cli/main.ts and
 * cli/commands/) and nothing in shared/ may depend on them anyway.
 */

const root = path.resolve(import.meta.dirname, '../../..');
const SOURCE_ROOTS = ['functions', 'shared', 'cli', 'bench', 'scripts'];

/**
 * Folders allowed to import each other, each group exactly as it stands (a strongly connected
 * component of the folder graph). Empty: every folder imports one way only, and a new tangle
 * fails the test below.
 */
const KNOWN_TANGLES: string[][] = [];

interface ImportEdge {
  from: string;
  to: string;
}

function sourceFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const rel = path.posix.join(dir, entry.name);
      if (entry.isDirectory()) walk(rel);
      else if (entry.name.endsWith('.ts')) out.push(rel);
    }
  };
  for (const dir of SOURCE_ROOTS) walk(dir);
  return out.sort();
}

/** Every file-to-file import inside the repository (packages and node: modules left out). */
function importEdges(files: string[]): ImportEdge[] {
  return files.flatMap((from) =>
    ts
      .preProcessFile(readFileSync(path.join(root, from), 'utf8'), true, true)
      .importedFiles.map((i) => i.fileName)
      .filter((spec) => spec.startsWith('.'))
      .map((spec) => ({ from, to: path.posix.normalize(path.posix.join(path.posix.dirname(from), spec)).replace(/\.js$/, '.ts') })),
  );
}

function folderOf(file: string): string {
  const top = file.split('/')[0]!;
  return top === 'shared' ? path.posix.dirname(file) : top;
}

/** Folder -> folder -> the file imports that make that edge. */
function folderGraph(edges: ImportEdge[]): Map<string, Map<string, string[]>> {
  const graph = new Map<string, Map<string, string[]>>();
  for (const { from, to } of edges) {
    const [a, b] = [folderOf(from), folderOf(to)];
    if (!graph.has(b)) graph.set(b, new Map());
    if (!graph.has(a)) graph.set(a, new Map());
    if (a === b) continue;
    const targets = graph.get(a)!;
    targets.set(b, [...(targets.get(b) ?? []), `${from} -> ${to}`]);
  }
  return graph;
}

/** Tarjan's strongly connected components with more than one folder: the folders tangled in cycles. */
function tangles(graph: Map<string, Map<string, string[]>>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v)!.keys()) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    for (let w = ''; w !== v; ) {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    }
    if (component.length > 1) found.push(component.sort());
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return found.sort((a, b) => a[0]!.localeCompare(b[0]!));
}

/** The shortest cycle through `start` inside `component`, each hop with one import that makes it. */
function cycleThrough(graph: Map<string, Map<string, string[]>>, component: string[], start: string): string[] {
  const inside = new Set(component);
  const came = new Map<string, string>();
  const queue = [start];
  while (queue.length) {
    const v = queue.shift()!;
    for (const w of graph.get(v)!.keys()) {
      if (!inside.has(w) || came.has(w)) continue;
      came.set(w, v);
      if (w === start) {
        const hops: string[] = [];
        for (let at = start; hops.length === 0 || at !== start; at = came.get(at)!) hops.unshift(`${came.get(at)!} -> ${at} (${graph.get(came.get(at)!)!.get(at)![0]})`);
        return hops;
      }
      queue.push(w);
    }
  }
  return [];
}

/** The tangle's folders, then the shortest cycle through each of them (each cycle once). */
function describeTangle(graph: Map<string, Map<string, string[]>>, component: string[]): string {
  const cycles = new Map<string, string[]>();
  for (const start of component) {
    const cycle = cycleThrough(graph, component, start);
    const id = cycle.map((h) => h.split(' ')[0]).sort().join(',');
    if (!cycles.has(id)) cycles.set(id, cycle);
  }
  return [
    `folders importing each other: ${component.join(', ')}`,
    ...[...cycles.values()].flatMap((cycle) => ['  the cycle:', ...cycle.map((h) => `    ${h}`)]),
  ].join('\n');
}

const key = (component: string[]) => [...component].sort().join(' | ');

describe('the import graph between folders', () => {
  const files = sourceFiles();
  const edges = importEdges(files);
  const graph = folderGraph(edges);

  it('reads the imports of every source file', () => {
    expect(files).toContain('shared/chain/topology.ts');
    expect(edges).toContainEqual({ from: 'functions/index.ts', to: 'functions/run-tests.ts' });
  });

  it('has no cycle between folders but the known ones, which only shrink', () => {
    const known = new Set(KNOWN_TANGLES.map(key));
    const found = tangles(graph);
    const fresh = found.filter((c) => !known.has(key(c)));
    const gone = [...known].filter((k) => !found.some((c) => key(c) === k));
    const problems = [
      ...fresh.map((c) => describeTangle(graph, c)),
      ...gone.map((k) => `KNOWN_TANGLES lists ${k}, which is no longer a tangle as it stands: take it out (or write down what it is now)`),
    ];
    expect(problems.join('\n\n')).toBe('');
  });

  it('keeps production code (functions/, shared/ but the local runtime) off shared/local/ and bench/', () => {
    const production = (f: string) => f.startsWith('functions/') || (f.startsWith('shared/') && !f.startsWith('shared/local/'));
    const offLimits = (f: string) => f.startsWith('shared/local/') || f.startsWith('bench/');
    const wrong = edges.filter((e) => production(e.from) && offLimits(e.to)).map((e) => `${e.from} imports ${e.to}`);
    expect(wrong).toEqual([]);
  });
});

describe('the tangle finder', () => {
  const graphOf = (imports: Array<[string, string]>) => folderGraph(imports.map(([from, to]) => ({ from, to })));

  it('names a cycle of three folders with the imports that make it', () => {
    const graph = graphOf([
      ['shared/chain/analyze/analyze.ts', 'shared/analysis/five-whys.ts'],
      ['shared/analysis/five-whys.ts', 'shared/domain/model.ts'],
      ['shared/domain/model.ts', 'shared/chain/analyze/analyze.ts'],
      ['shared/domain/model.ts', 'shared/results/model.ts'],
    ]);
    const [tangle, ...more] = tangles(graph);
    expect(more).toEqual([]);
    expect(describeTangle(graph, tangle!)).toBe(
      [
        'folders importing each other: shared/analysis, shared/chain/analyze, shared/domain',
        '  the cycle:',
        '    shared/analysis -> shared/domain (shared/analysis/five-whys.ts -> shared/domain/model.ts)',
        '    shared/domain -> shared/chain/analyze (shared/domain/model.ts -> shared/chain/analyze/analyze.ts)',
        '    shared/chain/analyze -> shared/analysis (shared/chain/analyze/analyze.ts -> shared/analysis/five-whys.ts)',
      ].join('\n'),
    );
  });

  it('finds none where the imports only go one way, nor inside one folder', () => {
    const oneWay: Array<[string, string]> = [['shared/chain/decide/decide.ts', 'shared/domain/model.ts']];
    const insideShared: Array<[string, string]> = [
      ['shared/domain/model.ts', 'shared/domain/decisions.ts'],
      ['shared/domain/decisions.ts', 'shared/domain/model.ts'],
    ];
    // cli/ is one folder: its entry imports its commands, which import its helpers.
    const insideCli: Array<[string, string]> = [['cli/main.ts', 'cli/commands/status.ts'], ['cli/commands/status.ts', 'cli/format.ts']];
    const graph = graphOf([...oneWay, ...insideShared, ...insideCli]);
    expect(tangles(graph)).toEqual([]);
  });
});
