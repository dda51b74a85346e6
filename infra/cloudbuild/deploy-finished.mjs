// Builds the deploy-finished message at the end of cloudbuild.yaml from the substitutions
// (passed as environment variables) and the readiness the wait step wrote. Plain Node, no
// dependencies: it runs in the node:20 builder image. Prints the JSON on stdout.
import { readFileSync } from 'node:fs';

const env = process.env;
const required = ['LOOP_ID', 'BRANCH', 'COMMIT', 'BUILD_ID'];
const missing = required.filter((k) => !env[k]);
if (missing.length) {
  console.error(`deploy-finished: missing ${missing.join(', ')}`);
  process.exit(2);
}
const services = JSON.parse(readFileSync(env.SERVICES_FILE ?? '/workspace/services.json', 'utf8')).map((s) => ({
  name: String(s.name),
  ...(s.url ? { url: String(s.url) } : {}),
  ...(s.revision ? { revision: String(s.revision) } : {}),
  ready: s.ready === true,
  ...(s.error ? { error: String(s.error).slice(0, 4000) } : {}),
}));
const cycle = env.CYCLE && /^\d+$/.test(env.CYCLE) ? Number(env.CYCLE) : undefined;
const trigger = ['push', 'redeploy', 'retest', 'fix', 'manual'].includes(env.TRIGGER) ? env.TRIGGER : 'push';
const message = {
  loopId: env.LOOP_ID,
  ...(cycle ? { cycle } : {}),
  trigger,
  branch: env.BRANCH,
  commit: env.COMMIT,
  buildId: env.BUILD_ID,
  services,
  finishedAt: new Date().toISOString(),
  ...(env.REASON ? { reason: env.REASON.slice(0, 500) } : {}),
};
process.stdout.write(JSON.stringify(message));
