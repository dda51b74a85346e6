import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { root } from './hcl.js';

const run = promisify(execFile);

/**
 * The package a team installs: `npm pack` (whose prepack builds dist/) in a copy of this
 * checkout, so the repository's own dist/ is left alone while other tests use it; then the
 * tarball installed into an empty project, from the npm cache where it can (--prefer-offline).
 * What a user runs afterwards is the installed bin, by its path and through `npx --no-install`.
 */
describe('the packed package installs into an empty project and its tdl runs', () => {
  const dirs: string[] = [];
  afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  it('npm pack, npm install ./file.tgz, tdl --version, tdl job --help', { timeout: 600_000 }, async () => {
    const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'));
    expect(pkg.name).toMatch(/^@[a-z0-9-]+\/[a-z0-9-]+$/);
    expect(pkg.bin).toEqual({ tdl: 'bin/tdl.js' });

    const dir = await mkdtemp(path.join(tmpdir(), 'tdl-pack-'));
    dirs.push(dir);
    const source = path.join(dir, 'source');
    const tsconfig = JSON.parse(await readFile(path.join(root, 'tsconfig.json'), 'utf8')) as { include: string[] };
    const folders = [...new Set(['bin', 'infra', ...tsconfig.include.map((p) => p.split('/')[0]!)])];
    await mkdir(source);
    for (const f of ['package.json', 'package-lock.json', 'tsconfig.json', 'cloudbuild.yaml', 'README.md']) await cp(path.join(root, f), path.join(source, f));
    for (const f of folders) await cp(path.join(root, f), path.join(source, f), { recursive: true });
    await symlink(path.join(root, 'node_modules'), path.join(source, 'node_modules'), 'dir');

    const out = path.join(dir, 'out');
    await mkdir(out);
    const npm = (args: string[], cwd: string) => run('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, env: { ...process.env, npm_config_update_notifier: 'false' }, maxBuffer: 64 * 1024 * 1024 });
    const packed = await npm(['pack', '--json', '--pack-destination', out], source);
    const { filename, files } = (JSON.parse(packed.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>)[0]!;
    const shipped = files.map((f) => f.path);
    // Built by prepack, and only what a user runs: no sources, tests or benches.
    expect(shipped).toEqual(expect.arrayContaining(['bin/tdl.js', 'dist/cli/commands/main.js', 'dist/functions/index.js', 'dist/shared/composition.js', 'package.json', 'infra/test-job/Dockerfile']));
    expect(shipped.filter((f) => /\.ts$|^test\/|^bench\/|^dist\/bench\/|^dist\/scripts\//.test(f))).toEqual([]);

    const project = path.join(dir, 'empty-project');
    await mkdir(project);
    await writeFile(path.join(project, 'package.json'), JSON.stringify({ name: 'empty-project', version: '1.0.0', private: true }));
    await npm(['install', '--prefer-offline', path.join(out, path.basename(filename))], project);
    expect(await readdir(path.join(project, 'node_modules', ...pkg.name.split('/')))).toEqual(expect.arrayContaining(['bin', 'dist', 'package.json']));

    // The installed bin, with nothing of this checkout on the way: PATH without its node_modules/.bin.
    const env = { ...process.env, PATH: (process.env.PATH ?? '').split(path.delimiter).filter((p) => !p.includes('node_modules')).join(path.delimiter), npm_config_update_notifier: 'false' };
    const bin = path.join(project, 'node_modules', '.bin', 'tdl');
    const version = await run(bin, ['--version'], { cwd: project, env });
    expect(version.stdout.trim()).toBe(pkg.version);
    const help = await run(bin, ['job', '--help'], { cwd: project, env });
    expect(help.stdout).toMatch(/^Usage: tdl job \[--results GLOB\]/);
    // npx finds the installed one and is never allowed to fetch a package of that name.
    const npx = await run('npx', ['--no-install', 'tdl', '--version'], { cwd: project, env });
    expect(npx.stdout.trim()).toBe(pkg.version);
  });
});
