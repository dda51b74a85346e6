import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { suiteEnv } from '../../../cli/commands/job.js';
import { hcl, infra, root } from './hcl.js';

/**
 * No Docker engine here: the image's Dockerfile is read, not built. What is checked is what the
 * Cloud Run Job relies on: the deployed Node major, the installed bin at the path the job runs,
 * the job's heap flags, and a suite that does not inherit them.
 */

interface Instruction {
  op: string;
  args: string;
}

async function dockerfile(): Promise<Instruction[]> {
  const text = await readFile(path.join(infra, 'test-job', 'Dockerfile'), 'utf8');
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const [op, ...rest] = l.split(/\s+/);
      return { op: op!.toUpperCase(), args: rest.join(' ') };
    });
}

/** ENV NAME="a b" NAME2=c, as Docker reads it. */
function envOf(steps: Instruction[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const s of steps.filter((x) => x.op === 'ENV')) {
    for (const m of s.args.matchAll(/(\w+)=("([^"]*)"|(\S*))/g)) env[m[1]!] = m[3] ?? m[4] ?? '';
  }
  return env;
}

describe('the test job image (infra/test-job/Dockerfile), read', () => {
  it('is built on the Node major the functions are deployed on, which package.json engines allows', async () => {
    const steps = await dockerfile();
    const from = steps.filter((s) => s.op === 'FROM');
    expect(from).toHaveLength(1);
    const imageMajor = /^node:(\d+)(?:[.-]|$)/.exec(from[0]!.args)?.[1];
    const { locals } = await hcl();
    const runtimeMajor = /^nodejs(\d+)$/.exec(locals.function_runtime as string)?.[1];
    expect(runtimeMajor, `local.function_runtime = ${locals.function_runtime}`).toBeDefined();
    expect(imageMajor, `FROM ${from[0]!.args}`).toBe(runtimeMajor);
    const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'));
    const majors = String(pkg.engines.node).split('||').map((r) => /^\s*\^(\d+)\.\d+\.\d+\s*$/.exec(r)?.[1]);
    expect(majors.every(Boolean), `engines.node ${pkg.engines.node}: ^X.Y.Z ranges joined by ||`).toBe(true);
    expect(majors, 'engines.node allows the deployed runtime').toContain(runtimeMajor);
    expect(majors, 'engines.node allows the Node that runs here (and in CI)').toContain(process.versions.node.split('.')[0]);
  });

  it('installs tdl from the packed tarball and runs the installed bin at the path the job runs', async () => {
    const steps = await dockerfile();
    const workdir = steps.filter((s) => s.op === 'WORKDIR').at(-1)!.args;
    const { variable } = await hcl();
    const tdlBin = variable.tdl_bin![0]!.default as string;
    expect(tdlBin).toBe(path.posix.join(workdir, 'node_modules/.bin/tdl'));
    expect(steps.some((s) => s.op === 'RUN' && /npm install .*\/tmp\/tdl\.tgz/.test(s.args)), 'npm install of the tarball').toBe(true);
    const entrypoint = JSON.parse(steps.find((s) => s.op === 'ENTRYPOINT')!.args) as string[];
    expect(entrypoint).toEqual([tdlBin, 'job', '--']);
    expect(steps.map((s) => s.args).join('\n')).not.toMatch(/\bnpx\s+(--yes\s+)?tdl\b/);
    expect(steps.find((s) => s.op === 'USER')?.args, 'not root').toBe('node');
  });

  it("sets the job's heap flags in NODE_OPTIONS, and the suite gets its own", async () => {
    const env = envOf(await dockerfile());
    expect(env.NODE_OPTIONS).toBe('--max-old-space-size=64 --max-semi-space-size=2');
    expect(env.TDL_SUITE_NODE_OPTIONS).toBe('');
    // What tdl job gives the suite under that environment: V8's defaults, not 64 MB.
    expect(await suiteEnv({ NODE_OPTIONS: env.NODE_OPTIONS, TDL_SUITE_NODE_OPTIONS: env.TDL_SUITE_NODE_OPTIONS })).toEqual({ NODE_OPTIONS: '' });
    expect(await suiteEnv({ NODE_OPTIONS: '--max-old-space-size=64' }), 'locally, without the variable, nothing changes').toEqual({});
  });

  it('leaves host node_modules, git history and earlier results out of the build context', async () => {
    const ignored = (await readFile(path.join(infra, 'test-job', '.dockerignore'), 'utf8')).split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', '.git', 'reports']));
  });
});
