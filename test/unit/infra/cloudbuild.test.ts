import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { DeployFinished } from '../../../shared/chain/messages.js';
import { loadCloudbuild, publishedTopics, substitutionProblems, type BuildConfig } from './cloudbuild.js';

const run = promisify(execFile);

/**
 * Stand-ins for gcloud and docker. Per service, files in $FAKE_DIR choose what Cloud Run does:
 * <svc>.build = fail; <svc>.deploy = ok | refuse | silent (exits 0, the service keeps its old
 * image) | hang; <svc>.state = ready | never (the new revision never becomes ready).
 */
const FAKE_GCLOUD = `#!/usr/bin/env bash
set -u
mode() { cat "$FAKE_DIR/$1.$2" 2>/dev/null || echo "$3"; }
arg() { local want=$1; shift; while [ $# -gt 0 ]; do case "$1" in "$want") echo "$2"; return;; "$want="*) echo "\${1#*=}"; return;; esac; shift; done; }
case "$1 $2 $3" in
  "run deploy "*)
    svc=$3; image=$(arg --image "$@")
    case $(mode "$svc" deploy ok) in
      ok) echo "$image" > "$FAKE_DIR/$svc.deployed"; date +%s%3N > "$FAKE_DIR/$svc.deployed-at"; echo "Service [$svc] revision [$svc-00002-new] has been deployed" ;;
      silent) echo "Service [$svc] unchanged" ;;
      refuse) echo "ERROR: (gcloud.run.deploy) Revision '$svc-00002-new' is not ready and cannot serve traffic. The user-provided container failed to start and listen on the port defined by PORT=8080." >&2; exit 1 ;;
      hang) exec sleep 60 ;;
    esac ;;
  "run services describe")
    svc=$4; image=$(cat "$FAKE_DIR/$svc.deployed" 2>/dev/null || echo "old-image")
    ready="$svc-00002-new"; [ "$image" = old-image ] && ready="$svc-00001-old"
    [ "$(mode "$svc" state ready)" = never ] && ready="$svc-00001-old"
    created="$svc-00002-new"; [ "$image" = old-image ] && created="$svc-00001-old"
    printf '{"spec":{"template":{"spec":{"containers":[{"image":"%s"}]}}},"status":{"url":"https://%s-x7-uc.a.run.app","latestCreatedRevisionName":"%s","latestReadyRevisionName":"%s","conditions":[{"type":"Ready","status":"Unknown"}]}}\\n' "$image" "$svc" "$created" "$ready" ;;
  "run jobs execute") echo "job $4 failed: exit 1" >&2; exit 1 ;;
  "pubsub topics publish") printf '%s' "$(arg --message "$@")" > "$FAKE_DIR/published-$4.json"; echo "messageIds: '1'" ;;
  *) echo "fake gcloud: unexpected $*" >&2; exit 2 ;;
esac
`;
const FAKE_DOCKER = `#!/usr/bin/env bash
case "$1" in
  build) svc=$(basename "\${@: -1}"); [ "$(cat "$FAKE_DIR/$svc.build" 2>/dev/null)" = fail ] && { echo "failed to solve: exit code 1" >&2; exit 1; }; echo built ;;
  push) echo pushed ;;
esac
`;

interface Scenario {
  [service: string]: { build?: 'fail'; deploy?: 'ok' | 'refuse' | 'silent' | 'hang'; state?: 'ready' | 'never' };
}

/**
 * Runs every step's script, in order, as Cloud Build would: in a workspace that holds only the
 * team's service folders (nothing of this repository), with the substitutions as environment
 * variables, and returns what it published on deploy-finished.
 */
async function runBuild(build: BuildConfig, scenario: Scenario, substitutions: Record<string, string> = {}, prepare?: (workspace: string) => Promise<Record<string, string>>) {
  const dir = await mkdtemp(path.join(tmpdir(), 'tdl-cloudbuild-'));
  const workspace = path.join(dir, 'workspace');
  await mkdir(workspace, { recursive: true });
  const prepared = (await prepare?.(workspace)) ?? {};
  const bin = path.join(dir, 'bin');
  const fake = path.join(dir, 'fake');
  await Promise.all([mkdir(bin), mkdir(fake)]);
  for (const svc of Object.keys(scenario)) {
    await mkdir(path.join(workspace, svc), { recursive: true });
    await writeFile(path.join(workspace, svc, 'Dockerfile'), 'FROM scratch\n');
    for (const [what, mode] of Object.entries(scenario[svc]!)) await writeFile(path.join(fake, `${svc}.${what}`), mode);
  }
  await writeFile(path.join(bin, 'gcloud'), FAKE_GCLOUD);
  await writeFile(path.join(bin, 'docker'), FAKE_DOCKER);
  await Promise.all([chmod(path.join(bin, 'gcloud'), 0o755), chmod(path.join(bin, 'docker'), 0o755)]);
  const env = {
    PATH: `${bin}:${process.env.PATH}`,
    FAKE_DIR: fake,
    ...build.substitutions,
    _SERVICES: Object.keys(scenario).join(','),
    _POLL_SECONDS: '0.2',
    PROJECT_ID: 'shop-staging',
    COMMIT_SHA: 'a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1b2',
    BUILD_ID: '5f1c0c1e-0000-4000-8000-000000000000',
    BRANCH_NAME: 'main',
    ...substitutions,
    ...prepared,
  };
  const logs: string[] = [];
  for (const step of build.steps) {
    const file = path.join(dir, `${step.id}.sh`);
    await writeFile(file, step.script!);
    const { stdout, stderr } = await run('bash', [file], { cwd: workspace, env, timeout: 30_000 });
    logs.push(`${step.id}: ${stdout}${stderr}`);
  }
  const published = JSON.parse(await readFile(path.join(fake, 'published-deploy-finished.json'), 'utf8'));
  const parsed = DeployFinished.safeParse(published);
  expect(parsed.success, `${JSON.stringify(parsed.error?.issues)}\n${logs.join('\n')}`).toBe(true);
  const deployedAt = async (svc: string) => Number(await readFile(path.join(fake, `${svc}.deployed-at`), 'utf8').catch(() => 'NaN'));
  return Object.assign(parsed.data!, { deployedAt, logs });
}

const git = (cwd: string, ...args: string[]) => run('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'init.defaultBranch=main', ...args], { cwd }).then((r) => r.stdout.trim());

describe('cloudbuild.yaml', () => {
  it('is self-contained: inline scripts only, nothing read from this repository, substitutions mapped to the environment', async () => {
    const build = await loadCloudbuild();
    expect(build.options?.automapSubstitutions).toBe(true);
    for (const step of build.steps) {
      expect(step.script, `step ${step.id} must be an inline script`).toBeTypeOf('string');
      expect(step.args, `step ${step.id}`).toBeUndefined();
      expect(step.script, `step ${step.id} reads a file of test-deploy-loop, which a team's repository does not have`).not.toMatch(/infra\/|\.mjs\b|cloudbuild\//);
    }
  });

  it('has no shell variable Cloud Build would substitute, and no substitution a script cannot see', async () => {
    expect(substitutionProblems(await loadCloudbuild())).toEqual([]);
  });

  it.each<[string, Partial<BuildConfig>, RegExp]>([
    ['a bash variable in args', { steps: [{ id: 'b', name: 'bash', args: ['-c', 'for svc in a b; do echo "$svc"; done'] }] }, /step b args\[1\]: "\$svc" is not a substitution/],
    ['a bash default in args', { steps: [{ id: 'b', name: 'bash', args: ['-c', 'echo ${_REGION:-x}'] }] }, /cannot read "\$\{_REGION:-x\}"/],
    ['$$ in a script', { options: { automapSubstitutions: true }, steps: [{ id: 's', name: 'bash', script: 'echo $$svc' }] }, /step s script: "\$\$svc" is the shell's process id/],
    ['a substitution in a script without automap', { steps: [{ id: 's', name: 'bash', script: 'echo "$_REGION"' }] }, /needs automapSubstitutions/],
    ['an undeclared substitution in a script', { options: { automapSubstitutions: true }, steps: [{ id: 's', name: 'bash', script: 'echo "$_NOPE"' }] }, /reads _NOPE, which is not declared/],
  ])('the escaping check catches %s', (_what, config, expected) => {
    const problems = substitutionProblems({ substitutions: { _REGION: 'us-central1' }, ...config } as BuildConfig);
    expect(problems.join('\n')).toMatch(expected);
    // The same commands written right pass.
    expect(substitutionProblems({ substitutions: { _REGION: 'r' }, options: { automapSubstitutions: true }, steps: [{ id: 'ok', name: 'bash', args: ['-c', 'for svc in a; do echo "$$svc ${_REGION} $PROJECT_ID"; done'] }, { id: 'ok2', name: 'bash', script: 'for svc in a; do echo "$svc $_REGION"; done' }] })).toEqual([]);
  });

  it('publishes to deploy-finished only', async () => {
    expect(publishedTopics(await loadCloudbuild())).toEqual(['deploy-finished']);
  });

  it('bounds every wait: a build timeout, a timeout per step, and `timeout` around every gcloud and docker command', async () => {
    const build = await loadCloudbuild();
    expect(build.timeout).toMatch(/^\d+s$/);
    const stepSeconds = build.steps.map((s) => Number(/^(\d+)s$/.exec(s.timeout ?? '')?.[1] ?? NaN));
    expect(stepSeconds.every((s) => s > 0), 'every step needs a timeout').toBe(true);
    for (const step of build.steps) {
      for (const line of step.script!.split('\n').filter((l) => /\b(gcloud|docker) \w/.test(l) && !/^\s*(#|(printf|echo)\b)/.test(l))) {
        expect(line, `step ${step.id}: a command that can wait runs under timeout`).toMatch(/\btimeout\b/);
      }
    }
  });

  it('reports each service ready only when it runs the new revision of this build', { timeout: 60_000 }, async () => {
    const build = await loadCloudbuild();
    const message = await runBuild(
      build,
      {
        'shop-api': { deploy: 'ok' },
        refused: { deploy: 'refuse' },
        'kept-old': { deploy: 'silent' },
        'never-ready': { deploy: 'ok', state: 'never' },
        hangs: { deploy: 'hang' },
        'no-image': { build: 'fail' },
      },
      { _LOOP_ID: 'shop-main', _CYCLE: '3', _TRIGGER: 'redeploy', _REASON: 'redeploy after cycle 2', _DEPLOY_SECONDS: '1', _WAIT_SECONDS: '1', _MIGRATION_JOB: 'migrate-db' },
    );
    expect(message).toMatchObject({ loopId: 'shop-main', cycle: 3, trigger: 'redeploy', branch: 'main', commit: 'a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1b2' });
    const byName = Object.fromEntries(message.services.map((s) => [s.name, s]));
    expect(byName['shop-api']).toEqual({ name: 'shop-api', ready: true, url: 'https://shop-api-x7-uc.a.run.app', revision: 'shop-api-00002-new' });
    expect(byName.refused).toMatchObject({ ready: false, error: expect.stringMatching(/Cloud Run refused the deploy .*container failed to start/) });
    expect(byName['kept-old']).toMatchObject({ ready: false, error: expect.stringMatching(/service runs old-image, not .*kept-old:a1b2c3d4.*the deploy did not take/) });
    expect(byName['never-ready']).toMatchObject({ ready: false, error: 'revision not ready after 1s' });
    expect(byName.hangs).toMatchObject({ ready: false, error: 'gcloud run deploy did not finish within 1s' });
    expect(byName['no-image']).toMatchObject({ ready: false, error: expect.stringMatching(/^image .*no-image:a1b2.* was not built and pushed: failed to solve/) });
    expect(message.logExcerpt).toMatch(/migration job migrate-db failed/);
  });

  it('a push opens a new cycle: no cycle in the message', async () => {
    const message = await runBuild(await loadCloudbuild(), { 'shop-api': {} }, { _CYCLE: '', _TRIGGER: 'push', BRANCH_NAME: '', _BRANCH: 'main' });
    expect(message.cycle).toBeUndefined();
    expect(message).toMatchObject({ trigger: 'push', branch: 'main', services: [{ name: 'shop-api', ready: true }] });
    expect(message.logExcerpt).toBeUndefined();
  });

  it('waits for the message\'s notBefore before deploying (a redeploy\'s backoff)', { timeout: 60_000 }, async () => {
    const notBefore = new Date(Date.now() + 2_000);
    const message = await runBuild(await loadCloudbuild(), { 'shop-api': {} }, { _NOT_BEFORE: notBefore.toISOString(), _TRIGGER: 'redeploy', _CYCLE: '2' });
    expect(message.services).toEqual([expect.objectContaining({ name: 'shop-api', ready: true })]);
    expect(await message.deployedAt('shop-api')).toBeGreaterThanOrEqual(Math.floor(notBefore.getTime() / 1000) * 1000);
  });

  it('a notBefore further than _MAX_WAIT_SECONDS is waited for that long only, and said', { timeout: 60_000 }, async () => {
    const started = Date.now();
    const message = await runBuild(await loadCloudbuild(), { 'shop-api': {} }, { _NOT_BEFORE: new Date(Date.now() + 3_600_000).toISOString(), _MAX_WAIT_SECONDS: '1' });
    expect(await message.deployedAt('shop-api')).toBeGreaterThanOrEqual(started + 1_000);
    expect(message.logExcerpt).toMatch(/notBefore .* is \d+s away, more than 1s; waited 1s/);
  });

  it('deploys the commit the message names: checks it out, tags the images with it and reports it', { timeout: 60_000 }, async () => {
    let first = '';
    let head = '';
    let built = '';
    const message = await runBuild(await loadCloudbuild(), { 'shop-api': {} }, {}, async (workspace) => {
      await git(workspace, 'init', '-q');
      await mkdir(path.join(workspace, 'shop-api'), { recursive: true });
      await writeFile(path.join(workspace, 'shop-api', 'version'), 'one\n');
      await git(workspace, 'add', '-A');
      await git(workspace, 'commit', '-qm', 'one');
      first = await git(workspace, 'rev-parse', 'HEAD');
      await writeFile(path.join(workspace, 'shop-api', 'version'), 'two\n');
      await git(workspace, 'commit', '-qam', 'two');
      head = await git(workspace, 'rev-parse', 'HEAD');
      built = workspace;
      return { COMMIT_SHA: head, _COMMIT: first, _TRIGGER: 'manual' };
    });
    expect(message).toMatchObject({ commit: first, trigger: 'manual', services: [{ name: 'shop-api', ready: true }] });
    expect(await readFile(path.join(built, 'shop-api', 'version'), 'utf8')).toBe('one\n');
    expect(message.logs.join('\n')).toMatch(new RegExp(`Service \\[shop-api\\] revision .* deployed`));
    expect(await readFile(path.join(built, '.tdl-build', 'shop-api.image'), 'utf8')).toContain(`shop-api:${first}`);
  });

  it('a commit that cannot be checked out deploys nothing and every service says why', { timeout: 60_000 }, async () => {
    const missing = 'f'.repeat(40);
    const message = await runBuild(await loadCloudbuild(), { 'shop-api': {}, worker: {} }, { _COMMIT: missing });
    expect(message.commit).toBe(missing);
    for (const s of message.services) expect(s).toMatchObject({ ready: false, error: expect.stringMatching(new RegExp(`^commit ${missing} could not be checked out`)) });
    expect(await message.deployedAt('shop-api')).toBeNaN();
  });
});
