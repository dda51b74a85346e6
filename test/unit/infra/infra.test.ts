import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FUNCTIONS, SUBSCRIPTIONS, TOPICS, deployedName, terraformTopology } from '../../../shared/chain/topology.js';
import { loadCloudbuild } from './cloudbuild.js';
import { DEDUP_TTL_FIELD } from '../../../shared/adapters/firestore/loop-store.js';
import { hcl, infra, root, topologyVars } from './hcl.js';
import { DeployRequested, LoopId, deployRequestedAttributes } from '../../../shared/chain/messages.js';

describe('infra/ agrees with the code, checked offline', () => {
  it('topology.auto.tfvars.json is generated from shared/chain/topology.ts and up to date', async () => {
    const stored = JSON.parse(await readFile(path.join(infra, 'topology.auto.tfvars.json'), 'utf8'));
    expect(stored, 'run `npm run infra:topology` after changing shared/chain/topology.ts').toEqual(terraformTopology());
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
    expect(pushConfig.oidc_token).toEqual([{ service_account_email: '${google_service_account.pusher.email}', audience: '${google_cloudfunctions2_function.fn[each.value.function].service_config[0].uri}' }]);
    // Dead-lettering needs the Pub/Sub service agent on both ends.
    expect(resource.google_pubsub_topic_iam_member!.dead_letter_publisher![0]!.role).toBe('roles/pubsub.publisher');
    expect(resource.google_pubsub_subscription_iam_member!.dead_letter_subscriber![0]!.role).toBe('roles/pubsub.subscriber');
  });

  it('deploys every registered function under its own name as entry point, each with its own account', async () => {
    const { resource } = await hcl();
    const fn = resource.google_cloudfunctions2_function!.fn![0]!;
    expect(fn.for_each).toBe('${var.topology.functions}');
    expect(fn.name).toBe('tdl-${each.key}');
    const build = (fn.build_config as Array<Record<string, unknown>>)[0]!;
    expect(build).toMatchObject({ runtime: '${local.function_runtime}', entry_point: '${each.value.entry_point}' });
    const service = (fn.service_config as Array<Record<string, unknown>>)[0]!;
    expect(service.service_account_email).toBe('${google_service_account.fn[each.key].email}');
    // Entry points are identifiers (no hyphen); deployed names and accounts are lowercase.
    for (const [name, { entry_point }] of Object.entries((await topologyVars()).functions as unknown as Record<string, { entry_point: string }>)) {
      expect(entry_point, name).toMatch(/^[A-Za-z_$][A-Za-z0-9_$]*$/);
      expect(`tdl-fn-${name}`, 'a service account id').toMatch(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/);
    }
    // Only the pusher may invoke them.
    expect(resource.google_cloud_run_v2_service_iam_member!.invoker![0]).toMatchObject({ role: 'roles/run.invoker', member: 'serviceAccount:${google_service_account.pusher.email}' });
  });

  it('gives the analyze function the memory two cycles of a large suite need, the others the default', async () => {
    const { resource, locals } = await hcl();
    const service = (resource.google_cloudfunctions2_function!.fn![0]!.service_config as Array<Record<string, unknown>>)[0]!;
    expect(service.available_memory).toBe('${lookup(local.function_resources, each.key, local.default_function_resources).memory}');
    expect(Object.keys(locals.function_resources as object)).toEqual([deployedName(FUNCTIONS.analyze)]);
    expect(locals.function_resources).toEqual({ analyze: { memory: '512Mi', cpu: '1' } });
    expect(locals.default_function_resources).toEqual({ memory: '512Mi', cpu: '0.333' });
  });

  it('has a TTL policy on the field the store writes when a dedup record completes', async () => {
    const { resource } = await hcl();
    const ttl = resource.google_firestore_field!.dedup_ttl![0]!;
    expect([ttl.collection, ttl.field, ttl.ttl_config]).toEqual(['dedup', DEDUP_TTL_FIELD, [{}]]);
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
  });

  it('every substitution the Cloud Build triggers set is one cloudbuild.yaml declares', async () => {
    const { resource } = await hcl();
    const declared = Object.keys((await loadCloudbuild()).substitutions);
    for (const [name, blocks] of Object.entries(resource.google_cloudbuild_trigger!)) {
      const set = Object.keys((blocks[0]!.substitutions as Record<string, string> | undefined) ?? {});
      expect(set.filter((k) => !declared.includes(k)), `google_cloudbuild_trigger.${name} sets substitutions cloudbuild.yaml does not declare (ALLOW_LOOSE would hide them)`).toEqual([]);
    }
  });

  it('the redeploy trigger binds only what every deploy-requested carries, a tdl rerun included, and builds the branch it names', async () => {
    const { resource } = await hcl();
    const trigger = resource.google_cloudbuild_trigger!.deploy_requested![0]!;
    const bindings = Object.entries(trigger.substitutions as Record<string, string>).flatMap(([k, v]) => {
      const m = /^\$\(body\.message\.(data|attributes)\.(\w+)\)$/.exec(v);
      return m ? [{ substitution: k, from: m[1]!, field: m[2]! }] : [];
    });
    // What `tdl rerun --redeploy` publishes: only the required fields (cli/commands/rerun.ts).
    const rerun = DeployRequested.parse({ loopId: 'shop-main', trigger: 'manual', branch: 'main', reason: 're-run by hand', requestedAt: '2026-12-03T09:00:00.000Z' });
    // On the wire: the publisher sends the parsed message, so a field with a default is always there.
    const required = Object.entries(DeployRequested.shape).filter(([, schema]) => !schema.safeParse(undefined).success).map(([k]) => k);
    const minimal = Object.fromEntries(Object.entries(rerun).filter(([k]) => required.includes(k)));
    const onTheWire = Object.keys(DeployRequested.parse(minimal));
    for (const b of bindings.filter((x) => x.from === 'data')) expect(onTheWire, `${b.substitution} binds data.${b.field}, which a deploy-requested may lack`).toContain(b.field);
    const attributes = Object.keys(deployRequestedAttributes(rerun));
    for (const b of bindings.filter((x) => x.from === 'attributes')) expect(attributes, `${b.substitution} binds attributes.${b.field}, which the publisher does not set`).toContain(b.field);
    // The optional facts arrive as attributes, so a redeploy verdict's cycle, commit and backoff reach the build.
    expect(Object.fromEntries(bindings.map((b) => [b.substitution, `${b.from}.${b.field}`]))).toMatchObject({
      _LOOP_ID: 'data.loopId', _BRANCH: 'data.branch', _CYCLE: 'attributes.cycle', _COMMIT: 'attributes.commit', _NOT_BEFORE: 'attributes.notBefore',
    });
    expect(deployRequestedAttributes({ ...rerun, cycle: 4, commit: 'a1b2c3d', notBefore: '2026-12-03T09:01:00.000Z' })).toEqual({ cycle: '4', commit: 'a1b2c3d', notBefore: '2026-12-03T09:01:00.000Z' });
    expect(deployRequestedAttributes(rerun)).toEqual({ cycle: '', commit: '', notBefore: '' });
    // The branch of the message, not a fixed one.
    expect((trigger.source_to_build as Array<Record<string, string>>)[0]!.ref).toBe('refs/heads/$_BRANCH');
    expect((trigger.git_file_source as Array<Record<string, string>>)[0]!.revision).toBe('refs/heads/$_BRANCH');
    const build = await loadCloudbuild();
    for (const name of ['_BRANCH', '_COMMIT', '_NOT_BEFORE', '_CYCLE']) expect(build.substitutions, name).toHaveProperty(name);
  });

  it('the test job runs the installed bin of this package, never npx tdl, and is not deletion-protected by accident', async () => {
    const { resource, variable } = await hcl();
    const job = resource.google_cloud_run_v2_job!.tests![0]!;
    expect(job.deletion_protection).toBe(false);
    const container = ((job.template as Array<{ template: Array<{ containers: Array<Record<string, unknown>> }> }>)[0]!.template[0]!.containers[0])!;
    expect(container.command).toEqual(['${var.tdl_bin}', 'job', '--']);
    expect(JSON.stringify(resource)).not.toMatch(/"npx"/);
    expect(variable.tdl_bin![0]!.default).toMatch(/^\/.*\/node_modules\/\.bin\/tdl$/);
  });

  it('the loop id variable accepts exactly the loop ids the messages accept, short enough for the trigger names', async () => {
    const { variable } = await hcl();
    const condition = (variable.loop_id![0]!.validation as Array<{ condition: string }>)[0]!.condition;
    const pattern = /can\(regex\("([^"]+)", var\.loop_id\)\)/.exec(condition)?.[1];
    expect(pattern).toBeDefined();
    for (const id of ['shop-main', 'a', '0-api', '-x', 'Shop', 'shop_main', 'x'.repeat(63), 'x'.repeat(64), '']) {
      expect(new RegExp(pattern!).test(id), JSON.stringify(id)).toBe(LoopId.safeParse(id).success);
    }
    const maxLength = Number(/length\(var\.loop_id\) <= (\d+)/.exec(condition)?.[1]);
    expect(`tdl-${'x'.repeat(maxLength)}-deploy-requested`.length).toBeLessThanOrEqual(64);
  });

  it('images go to a repository of its own with a cleanup policy, the one cloudbuild.yaml pushes to', async () => {
    const { resource, variable } = await hcl();
    const repo = resource.google_artifact_registry_repository!.images![0]!;
    expect(repo).toMatchObject({ repository_id: '${var.artifact_repository}', format: 'DOCKER', cleanup_policy_dry_run: false });
    const policies = repo.cleanup_policies as Array<Record<string, unknown>>;
    expect(policies.map((p) => p.action).sort()).toEqual(['DELETE', 'KEEP']);
    expect(policies.find((p) => p.action === 'KEEP')!.most_recent_versions).toEqual([{ keep_count: '${var.images_kept}' }]);
    expect(variable.artifact_repository![0]!.default).toBe((await loadCloudbuild()).substitutions._REPOSITORY);
    for (const [name, blocks] of Object.entries(resource.google_cloudbuild_trigger!)) {
      expect((blocks[0]!.substitutions as Record<string, string>)._REPOSITORY, name).toBe('${google_artifact_registry_repository.images.repository_id}');
    }
  });

  it('enables every API the resources need, iam, cloudresourcemanager and storage included', async () => {
    const { resource } = await hcl();
    const forEach = resource.google_project_service!.apis![0]!.for_each as string;
    expect(forEach).toMatch(/^\$\{toset\(\[[\s\S]*\]\)\}$/);
    const apis = [...forEach.matchAll(/"([a-z.]+\.googleapis\.com)"/g)].map((m) => m[1]);
    expect(apis).toEqual(expect.arrayContaining(['iam.googleapis.com', 'cloudresourcemanager.googleapis.com', 'storage.googleapis.com', 'artifactregistry.googleapis.com', 'monitoring.googleapis.com', 'cloudfunctions.googleapis.com', 'run.googleapis.com', 'cloudbuild.googleapis.com', 'pubsub.googleapis.com', 'firestore.googleapis.com', 'cloudscheduler.googleapis.com']));
  });

  it('alerts on a dead-lettered message and on the functions answering 5xx', async () => {
    const { resource, locals } = await hcl();
    const condition = (name: string) => ((resource.google_monitoring_alert_policy![name]![0]!.conditions as Array<{ condition_threshold: Array<Record<string, unknown>> }>)[0]!.condition_threshold[0]!);
    expect(condition('dead_letter').filter).toBe('resource.type = "pubsub_topic" AND resource.labels.topic_id = "${var.topology.dead_letter_topic}" AND metric.type = "pubsub.googleapis.com/topic/send_message_operation_count"');
    expect(condition('dead_letter')).toMatchObject({ comparison: 'COMPARISON_GT', threshold_value: 0 });
    expect(condition('function_errors').filter).toMatch(/resource\.labels\.service_name = one_of\(\$\{local\.function_service_names\}\).*response_code_class = "5xx"/);
    // The services are the functions' own names: tdl-<deployed name>, as the functions are named.
    expect(locals.function_service_names).toBe('${join(", ", [for name, _ in var.topology.functions : "\\"tdl-${name}\\""])}');
    expect(resource.google_cloudfunctions2_function!.fn![0]!.name).toBe('tdl-${each.key}');
  });
});
