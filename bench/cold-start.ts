import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { packageRoot } from '../shared/local/function-hosts.js';
import { FUNCTIONS, deployedName } from '../shared/chain/topology.js';
import { median, round } from './stats.js';

/**
 * Cold start: the time to load each function's module (its imports, client libraries and
 * registration) in a fresh Node process, median of `repeats`. Clients themselves are created
 * lazily on the first message, so this is what an instance pays before it can take one.
 */
export function measureColdStart(repeats: number): Record<string, number> {
  const root = packageRoot();
  const result: Record<string, number> = {};
  for (const name of Object.values(FUNCTIONS)) {
    const file = path.join(root, 'dist', 'functions', `${deployedName(name)}.js`);
    const script = `const t = performance.now(); await import(${JSON.stringify(file)}); process.stdout.write(String(performance.now() - t));`;
    const times: number[] = [];
    for (let i = 0; i < repeats; i++) {
      const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, GOOGLE_CLOUD_PROJECT: 'demo-cold' } });
      if (run.status !== 0) throw new Error(`loading ${file} failed: ${run.stderr}`);
      times.push(Number(run.stdout));
    }
    result[name] = round(median(times));
  }
  return result;
}
