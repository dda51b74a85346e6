import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { block, hcl, root, type Hcl } from './hcl.js';
import ts from 'typescript';
import { repositoryProgram } from './typescript-program.js';

/**
 * The functions' source is what Cloud Functions' Node.js buildpack builds: it installs the
 * dependencies from package.json and package-lock.json (devDependencies too, when there is a
 * gcp-build script), runs `npm run gcp-build`, and starts package.json's `main`. Terraform
 * zips it itself (data.archive_file over local.function_source_patterns); these tests check
 * that every file that build reads is in the zip, derived from package.json and tsconfig.json.
 */

interface PackageJson {
  main: string;
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
}

/** The packages a module loads at run time, following its relative imports (type-only ones are erased). */
function runtimePackages(entry: string): Map<string, string> {
  const packages = new Map<string, string>();
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = ts.sys.readFile(file);
    if (text === undefined) throw new Error(`${path.relative(root, file)} is imported but does not exist`);
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
    const load = (spec: string) => {
      if (spec.startsWith('.')) visit(path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts')));
      else if (!spec.startsWith('node:')) packages.set(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!, path.relative(root, file));
    };
    const walk = (n: ts.Node): void => {
      if (ts.isImportDeclaration(n) && !n.importClause?.isTypeOnly && ts.isStringLiteral(n.moduleSpecifier)) load(n.moduleSpecifier.text);
      if (ts.isExportDeclaration(n) && !n.isTypeOnly && n.moduleSpecifier && ts.isStringLiteral(n.moduleSpecifier)) load(n.moduleSpecifier.text);
      if (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.ImportKeyword && n.arguments[0] && ts.isStringLiteral(n.arguments[0])) load(n.arguments[0].text);
      ts.forEachChild(n, walk);
    };
    walk(sf);
  };
  visit(path.join(root, entry));
  return packages;
}

/** The files `npm run <script>` reads, following `npm run` and `tsc -p`; anything else is not understood. */
function scriptNeeds(pkg: PackageJson, script: string, seen = new Set<string>()): { files: string[]; tsconfigs: string[] } {
  const command = pkg.scripts[script];
  if (command === undefined) throw new Error(`package.json has no script "${script}"`);
  if (seen.has(script)) return { files: [], tsconfigs: [] };
  seen.add(script);
  const out = { files: [] as string[], tsconfigs: [] as string[] };
  for (const part of command.split('&&').map((p) => p.trim())) {
    const npmRun = /^npm run(?: -s)? ([\w:-]+)$/.exec(part);
    const tsc = /^tsc -p ([\w./-]+)$/.exec(part);
    if (npmRun) {
      const sub = scriptNeeds(pkg, npmRun[1]!, seen);
      out.files.push(...sub.files);
      out.tsconfigs.push(...sub.tsconfigs);
    } else if (tsc) {
      out.files.push(tsc[1]!);
      out.tsconfigs.push(tsc[1]!);
    } else {
      throw new Error(`cannot tell which files "${part}" (package.json script ${script}) reads: teach test/unit/infra/function-source.test.ts`);
    }
  }
  return out;
}

/** Terraform fileset() patterns (`*`, `**`, `?`, `{a,b}`) as a regular expression over slash paths. */
function globRegex(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (pattern.startsWith('**/', i)) {
      re += '(?:.*/)?';
      i += 2;
    } else if (pattern.startsWith('**', i)) {
      re += '.*';
      i += 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '{') re += '(?:';
    else if (c === '}') re += ')';
    else if (c === ',') re += '|';
    else re += c.replace(/[.+^$()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

let h: Hcl;
let pkg: PackageJson;
let patterns: string[];
let repoFiles: string[];
let zipped: string[];
beforeAll(async () => {
  h = await hcl();
  pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'));
  patterns = (h.locals.function_source_patterns as string[] | undefined) ?? [];
  // What a checkout holds (Terraform runs in one): tracked files and new ones, not node_modules or dist.
  repoFiles = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' })
    .split('\n')
    .filter((f) => f && existsSync(path.join(root, f)));
  const regexes = patterns.map(globRegex);
  zipped = repoFiles.filter((f) => regexes.some((r) => r.test(f)));
});

describe('the functions\' source zip', () => {
  it('is built by Terraform from local.function_source_patterns, uploaded, and deployed', () => {
    expect(patterns.length, 'infra/ declares local.function_source_patterns').toBeGreaterThan(0);
    const files = h.locals.function_source_files as string;
    expect(files).toMatch(/fileset\("\$\{path\.module\}\/\.\.", p\)/);
    expect(files).toContain('local.function_source_patterns');
    const archive = block(h.data, 'archive_file', 'function_source');
    expect(archive.type).toBe('zip');
    const dynamic = (archive.dynamic as Record<string, Array<Record<string, unknown>>>).source![0]!;
    expect(dynamic.for_each).toBe('${local.function_source_files}');
    expect((dynamic.content as Array<Record<string, string>>)[0]).toEqual({ content: '${file("${path.module}/../${source.value}")}', filename: '${source.value}' });
    const object = block(h.resource, 'google_storage_bucket_object', 'function_source');
    expect(object.source).toBe('${data.archive_file.function_source.output_path}');
    // A new zip is a new object name, so a source change redeploys the functions.
    expect(object.name).toContain('${data.archive_file.function_source.output_md5}');
    const fn = block(h.resource, 'google_cloudfunctions2_function', 'fn');
    const source = JSON.stringify(fn.build_config);
    expect(source).toContain('${google_storage_bucket_object.function_source.bucket}');
    expect(source).toContain('${google_storage_bucket_object.function_source.name}');
  });

  it('holds every file `npm run gcp-build` and the install read', () => {
    const build = scriptNeeds(pkg, 'gcp-build');
    expect(build.tsconfigs).toEqual(['tsconfig.json']);
    const compiled = build.tsconfigs.flatMap((tsconfig) =>
      repositoryProgram(root, undefined, tsconfig)
        .getSourceFiles()
        .map((sf) => path.relative(root, sf.fileName).split(path.sep).join('/'))
        .filter((f) => !f.startsWith('node_modules/') && !f.startsWith('..')),
    );
    expect(compiled).toContain('functions/index.ts');
    const needed = [...new Set(['package.json', 'package-lock.json', ...build.files, ...compiled])].sort();
    expect(needed.filter((f) => !zipped.includes(f)), 'files the Cloud Functions build needs but the zip leaves out').toEqual([]);
  });

  it('package.json main is what the build writes from functions/index.ts', async () => {
    const tsconfig = JSON.parse(await readFile(path.join(root, 'tsconfig.json'), 'utf8')).compilerOptions;
    const emitted = path.posix.join(tsconfig.outDir, path.posix.relative(tsconfig.rootDir, 'functions/index.ts')).replace(/\.ts$/, '.js');
    expect(pkg.main).toBe(emitted);
  });

  it('the deployed module loads only dependencies, since the buildpack prunes devDependencies after gcp-build', () => {
    const loaded = runtimePackages('functions/index.ts');
    expect(loaded.size).toBeGreaterThan(2);
    expect([...loaded].filter(([pkgName]) => !(pkgName in pkg.dependencies)).map(([p, from]) => `${p} (imported by ${from})`)).toEqual([]);
  });

  it('holds nothing the build does not need: no tests, no build output, no dependencies', () => {
    expect(zipped.filter((f) => /^(test|dist|node_modules|examples|infra)\//.test(f) || f.startsWith('.'))).toEqual([]);
  });

  it.each([
    ['{functions,shared}/**/*.ts', 'shared/chain/decide/decide.ts', true],
    ['{functions,shared}/**/*.ts', 'functions/index.ts', true],
    ['{functions,shared}/**/*.ts', 'test/unit/x.ts', false],
    ['package.json', 'examples/package.json', false],
  ])('the pattern reader: %s matches %s: %s', (pattern, file, matches) => {
    expect(globRegex(pattern).test(file)).toBe(matches);
  });
});
