import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse as parseHcl } from '@cdktf/hcl2json';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { DeployFinished } from '../../../shared/messages.js';
import { FUNCTIONS, SUBSCRIPTIONS, TOPICS, terraformTopology } from '../../../shared/topology.js';

const root = path.resolve(import.meta.dirname, '../../..');
const infra = path.join(root, 'infra');

type Block = Record<string, Array<Record<string, unknown>>>;
async function hcl(): Promise<{ resource: Record<string, Block>; variable: Block; output: Block }> {
  const files = (await readdir(infra)).filter((f) => f.endsWith('.tf'));
  const merged = { resource: {} as Record<string, Block>, variable: {} as Block, output: {} as Block };
  for (const f of files) {
    const json = (await parseHcl(f, await readFile(path.join(infra, f), 'utf8'))) as { resource?: Record<string, Block>; variable?: Block; output?: Block };
    for (const [type, blocks] of Object.entries(json.resource ?? {})) merged.resource[type] = { ...merged.resource[type], ...blocks };
    Object.assign(merged.variable, json.variable ?? {});
    Object.assign(merged.output, json.output ?? {});
  }
  return merged;
}

describe('infra/ agrees with the code, checked offline', () => {
  it('topology.auto.tfvars.json is generated from shared/topology.ts and up to date', async () => {
    const stored = JSON.parse(await readFile(path.join(infra, 'topology.auto.tfvars.json'), 'utf8'));
    expect(stored, 'run `npm run infra:topology` after changing shared/topology.ts').toEqual(terraformTopology());
    expect(stored.topology.topics).toEqual(Object.values(TOPICS));
    expect(Object.keys(stored.topology.push_subscriptions)).toEqual(SUBSCRIPTIONS.filter((s) => s.kind === 'push').map((s) => s.name));
    // Local-only consumers are not created in the cloud (Cloud Build's trigger consumes deploy-requested).
    expect(Object.keys(stored.topology.pull_subscriptions)).toEqual(['dead-letter-inspect']);
  });

  it('declares topics, push subscriptions and functions from that variable, with retry and dead-letter policies', async () => {
    const { resource } = await hcl();
    const topic = resource.google_pubsub_topic!.topic![0]!;
    expect(topic.for_each).toBe('${toset(var.topology.topics)}');
    const push = resource.google_pubsub_subscription!.push![0]!;
    expect(push.for_each).toBe('${var.topology.push_subscriptions}');
    expect(push.ack_deadline_seconds).toBe('${each.value.ack_deadline_seconds}');
    expect(push.retry_policy).toEqual([{ minimum_backoff: '${each.value.minimum_backoff}', maximum_backoff: '${each.value.maximum_backoff}' }]);
    expect(push.dead_letter_policy).toEqual([
      { dead_letter_topic: '${google_pubsub_topic.topic[var.topology.dead_letter_topic].id}', max_delivery_attempts: '${each.value.max_delivery_attempts}' },
    ]);
    const pushConfig = (push.push_config as Array<Record<string, unknown>>)[0]!;
    expect(pushConfig.push_endpoint).toBe('${google_cloudfunctions2_function.fn[each.value.function].service_config[0].uri}/projects/${var.project}/topics/${each.value.topic}');
    expect(pushConfig.oidc_token).toEqual([{ service_account_email: '${google_service_account.pusher.email}' }]);
    // Dead-lettering needs the Pub/Sub service agent on both ends.
    expect(resource.google_pubsub_topic_iam_member!.dead_letter_publisher![0]!.role).toBe('roles/pubsub.publisher');
    expect(resource.google_pubsub_subscription_iam_member!.dead_letter_subscriber![0]!.role).toBe('roles/pubsub.subscriber');
  });

  it('deploys every registered function under its own name as entry point, each with its own account', async () => {
    const { resource } = await hcl();
    const fn = resource.google_cloudfunctions2_function!.fn![0]!;
    expect(fn.for_each).toBe('${toset(var.topology.functions)}');
    const build = (fn.build_config as Array<Record<string, unknown>>)[0]!;
    expect(build).toMatchObject({ runtime: 'nodejs20', entry_point: '${each.value}' });
    const service = (fn.service_config as Array<Record<string, unknown>>)[0]!;
    expect(service.service_account_email).toBe('${google_service_account.fn[each.value].email}');
    // Only the pusher may invoke them.
    expect(resource.google_cloud_run_v2_service_iam_member!.invoker![0]).toMatchObject({ role: 'roles/run.invoker', member: 'serviceAccount:${google_service_account.pusher.email}' });
  });

  it('the built module registers exactly the functions Terraform deploys', () => {
    const script = `const { getFunction } = await import('@google-cloud/functions-framework/testing'); await import(${JSON.stringify(path.join(root, 'dist/functions/index.js'))}); process.stdout.write(JSON.stringify(${JSON.stringify(Object.values(FUNCTIONS))}.map((n) => [n, typeof getFunction(n)])));`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, env: { ...process.env, GOOGLE_CLOUD_PROJECT: 'demo-check' }, encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual(Object.values(FUNCTIONS).map((n) => [n, 'function']));
  });

  it('package.json is what gcloud functions deploy and Terraform upload expect', async () => {
    const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'));
    expect(pkg.main).toBe('dist/functions/index.js');
    expect(pkg.scripts['gcp-build']).toBe('npm run build');
    expect(pkg.dependencies['@google-cloud/functions-framework']).toBeDefined();
    expect(pkg.engines.node).toBe('>=20');
  });

  it('cloudbuild.yaml publishes a deploy-finished message that validates against its schema', async () => {
    const build = parseYaml(await readFile(path.join(root, 'cloudbuild.yaml'), 'utf8')) as {
      substitutions: Record<string, string>;
      steps: Array<{ id: string; env?: string[]; args: string[] }>;
    };
    expect(build.steps.map((s) => s.id)).toEqual(['build-and-push', 'deploy', 'wait-ready', 'migrate', 'message', 'publish']);
    expect(build.steps.at(-1)!.args.join(' ')).toContain('gcloud pubsub topics publish deploy-finished --message="$(cat /workspace/deploy-finished.json)"');
    // Run the message step's script as Cloud Build would, substitutions filled in.
    const message = build.steps.find((s) => s.id === 'message')!;
    const dir = await mkdtemp(path.join(tmpdir(), 'tdl-cloudbuild-'));
    const servicesFile = path.join(dir, 'services.json');
    await writeFile(
      servicesFile,
      JSON.stringify([
        { name: 'shop-api', url: 'https://shop-api-x7-uc.a.run.app', revision: 'shop-api-00042-abc', ready: true, error: null },
        { name: 'frontend', url: 'https://frontend-x7-uc.a.run.app', revision: 'frontend-00007-xyz', ready: false, error: 'revision frontend-00007-xyz failed: container exited 1' },
      ]),
    );
    const values: Record<string, string> = { ...build.substitutions, _CYCLE: '3', _TRIGGER: 'redeploy', _REASON: 'redeploy after cycle 2', BRANCH_NAME: 'main', COMMIT_SHA: 'a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1b2', BUILD_ID: '5f1c0c1e-0000-4000-8000-000000000000' };
    const env = Object.fromEntries(
      message.env!.map((e) => {
        const [k, v] = e.split('=') as [string, string];
        return [k, v.replace(/\$\{(\w+)\}/g, (_m, name: string) => values[name] ?? '')];
      }),
    );
    const out = execFileSync(process.execPath, [path.join(root, 'infra/cloudbuild/deploy-finished.mjs')], { env: { ...env, SERVICES_FILE: servicesFile }, encoding: 'utf8' });
    const parsed = DeployFinished.safeParse(JSON.parse(out));
    expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
    expect(parsed.data).toMatchObject({ loopId: 'shop-main', cycle: 3, trigger: 'redeploy', commit: values.COMMIT_SHA, services: [{ name: 'shop-api', ready: true }, { name: 'frontend', ready: false }] });
    // A push has no cycle: the deployment opens a new one.
    const push = execFileSync(process.execPath, [path.join(root, 'infra/cloudbuild/deploy-finished.mjs')], { env: { ...env, CYCLE: '', TRIGGER: 'push', SERVICES_FILE: servicesFile }, encoding: 'utf8' });
    expect(DeployFinished.parse(JSON.parse(push)).cycle).toBeUndefined();
  });
});
