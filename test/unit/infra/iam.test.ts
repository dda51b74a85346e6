import { beforeAll, describe, expect, it } from 'vitest';
import { FUNCTIONS, LAUNCHES_TEST_JOB, PUBLISHES, WATCH, deployedName, type FunctionName } from '../../../shared/chain/topology.js';
import { CLOUD_RUN_JOB_LAUNCHER_PERMISSIONS } from '../../../shared/adapters/cloud-run/cloud-run-job-launcher.js';
import { loadCloudbuild, publishedTopics } from './cloudbuild.js';
import { block, grants, hcl, root, topologyVars, type Grant, type Hcl } from './hcl.js';

/**
 * The open issue's demand, checked offline: the cloud side accepts pushes and publishes only
 * from the identities infra/ names, each with exactly what its code uses. The expected grants
 * come from the topology (PUBLISHES: what each identity publishes, which its publisher
 * enforces at run time, so the integration tests fail on a step that publishes more) and
 * cloudbuild.yaml, not from a second list typed here.
 */

let h: Hcl;
let topology: Awaited<ReturnType<typeof topologyVars>>;
const code = {
  functions: PUBLISHES.functions as Record<string, readonly string[]>,
  testJob: [...PUBLISHES.testJob].sort(),
  operators: [...PUBLISHES.operators].sort(),
  /** What the dashboard's buttons publish (`tdl ui --allow-actions`: its publisher is held to this). */
  dashboard: [...PUBLISHES.dashboard].sort(),
  /** What `tdl watch` subscribes to (it creates its subscription on WATCH.topic). */
  operatorSubscribes: [WATCH.topic],
};
beforeAll(async () => {
  [h, topology] = await Promise.all([hcl(), topologyVars()]);
});

const PUBSUB_AGENT = 'local.pubsub_agent';
const fnAccount = (fn: FunctionName) => `fn[${deployedName(fn)}]`;
/** `${google_project_iam_custom_role.NAME.id}` -> NAME */
const customRole = (role: string) => /^\$\{google_project_iam_custom_role\.(\w+)\.id\}$/.exec(role)?.[1];
/** `topic[x]` -> x */
const topicName = (on: string) => /^topic\[(.+)\]$/.exec(on)?.[1] ?? on;

function byMember(list: Grant[], value: (g: Grant) => string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const g of list) (out[g.member] ??= []).push(value(g));
  for (const k of Object.keys(out)) out[k] = [...new Set(out[k])].sort();
  return out;
}

describe('who may publish, invoke and act: exactly what the code uses', () => {
  it('the topology says what each identity publishes: every function reports rejected input on loop-events', () => {
    for (const fn of Object.values(FUNCTIONS)) expect(code.functions[fn], fn).toContain('loop-events');
    expect(code.functions[FUNCTIONS.control]).not.toContain('tests-finished');
    expect(code.testJob).toEqual(['loop-events', 'tests-finished']);
    expect(code.operators).toEqual(['deploy-finished', 'deploy-requested', 'loop-control']);
    expect(code.dashboard).toEqual(code.operators);
    expect(code.operatorSubscribes).toEqual(['loop-events']);
  });

  it('each identity publishes to exactly the topics its code publishes, and nothing else may publish', async () => {
    const build = await loadCloudbuild();
    const expected: Record<string, string[]> = {
      ...Object.fromEntries(Object.values(FUNCTIONS).map((fn) => [fnAccount(fn), [...code.functions[fn]!].sort()])),
      test_job: code.testJob,
      build: publishedTopics(build),
      [PUBSUB_AGENT]: [topology.dead_letter_topic],
      'var.operators': code.operators,
      // infra/ui.tf, read as switched on with ui_allow_actions.
      ui: code.dashboard,
    };
    const topicGrants = grants(h, { google_pubsub_topic_iam_member: 'topic', google_pubsub_topic_iam_binding: 'topic' }, topology);
    expect([...new Set(topicGrants.map((g) => g.role))].sort(), 'topic roles').toEqual(['roles/pubsub.publisher', 'roles/pubsub.subscriber']);
    expect(byMember(topicGrants.filter((g) => g.role === 'roles/pubsub.publisher'), (g) => topicName(g.on))).toEqual(expected);
    expect(h.resource.google_pubsub_topic_iam_policy, 'an IAM policy would replace the grants this test reads').toBeUndefined();
    // Cloud Scheduler publishes the watchdog's tick as its own service agent: no account of ours.
    expect(h.resource.google_service_account?.scheduler).toBeUndefined();
  });

  it('operators may attach a subscription to exactly the topics tdl watch subscribes to, and use only the subscriptions it names', () => {
    const topicGrants = grants(h, { google_pubsub_topic_iam_member: 'topic' }, topology).filter((g) => g.role === 'roles/pubsub.subscriber');
    expect(byMember(topicGrants, (g) => topicName(g.on))).toEqual({ 'var.operators': code.operatorSubscribes });
    const project = grants(h, { google_project_iam_member: undefined }, topology);
    const operatorRoles = project.filter((g) => g.member === 'var.operators' && customRole(g.role));
    const permissions = (g: Grant) => [...(block(h.resource, 'google_project_iam_custom_role', customRole(g.role)!).permissions as string[])].sort();
    expect(operatorRoles).toHaveLength(2);
    // Creating needs a project permission; attaching is what the topic grant above limits.
    const create = operatorRoles.find((g) => permissions(g).includes('pubsub.subscriptions.create'))!;
    expect(permissions(create)).toEqual(['pubsub.subscriptions.create']);
    // Pulling (the watcher's streaming pull), reading and deleting: its own subscriptions only.
    const use = operatorRoles.find((g) => permissions(g).includes('pubsub.subscriptions.consume'))!;
    expect(permissions(use)).toEqual(['pubsub.subscriptions.consume', 'pubsub.subscriptions.delete', 'pubsub.subscriptions.get']);
    const resource = /^google_project_iam_member\.(\w+)/.exec(use.resource)![1]!;
    const condition = (block(h.resource, 'google_project_iam_member', resource).condition as Array<{ expression: string }>)[0]!.expression;
    expect(condition).toBe('resource.name.startsWith("projects/${var.project}/subscriptions/${local.watch_subscription_prefix}")');
    expect(h.locals.watch_subscription_prefix).toBe(WATCH.subscriptionPrefix);
  });

  it('no project-wide role lets anyone publish, invoke or act as another account', () => {
    const project = grants(h, { google_project_iam_member: undefined, google_project_iam_binding: undefined }, topology);
    const wide = project.filter((g) => /pubsub|run\.invoker|run\.admin|cloudfunctions|iam\.serviceAccount|roles\/(editor|owner)$/.test(g.role));
    expect(wide).toEqual([]);
    const customPermissions = (role: string) => {
      const name = customRole(role);
      return name ? (block(h.resource, 'google_project_iam_custom_role', name).permissions as string[]) : [];
    };
    const widePermissions = project.flatMap((g) => customPermissions(g.role).filter((p) => /^pubsub\.topics\.publish$|^run\.routes\.invoke$|actAs|getAccessToken|getOpenIdToken/.test(p)));
    expect(widePermissions).toEqual([]);
    // Firestore for the functions, the job and the operators; deploying for the build account;
    // build logs for the functions' builder; creating tdl watch subscriptions for operators;
    // analyze alone reads the services' logs and calls Vertex AI (each behind a variable).
    expect(byMember(project, (g) => g.role)).toEqual({
      ...Object.fromEntries(Object.values(FUNCTIONS).map((fn) => [fnAccount(fn), ['roles/datastore.user']])),
      [fnAccount(FUNCTIONS.analyze)]: ['roles/aiplatform.user', 'roles/datastore.user', 'roles/logging.viewer'],
      test_job: ['roles/datastore.user'],
      // The dashboard reads: it writes nothing to Firestore (its buttons publish).
      ui: ['roles/datastore.viewer'],
      'var.operators': ['${google_project_iam_custom_role.watch_subscription_user.id}', '${google_project_iam_custom_role.watcher.id}', 'roles/datastore.user'],
      build: ['roles/logging.logWriter', 'roles/run.developer'],
      function_build: ['roles/logging.logWriter'],
    });
  });

  it("images: the deployer and the functions' builder write to the loop's repository only; the builder reads the source bucket only", () => {
    const repo = grants(h, { google_artifact_registry_repository_iam_member: 'repository' }, topology);
    expect(repo.map((g) => [g.member, g.role, g.on]).sort()).toEqual([
      ['build', 'roles/artifactregistry.writer', 'images'],
      ['function_build', 'roles/artifactregistry.writer', 'images'],
    ]);
    const bucket = grants(h, { google_storage_bucket_iam_member: 'bucket' }, topology);
    expect(bucket.map((g) => [g.member, g.role, g.on])).toEqual([['function_build', 'roles/storage.objectViewer', 'function_source']]);
    const fn = block(h.resource, 'google_cloudfunctions2_function', 'fn');
    expect((fn.build_config as Array<Record<string, unknown>>)[0]).toMatchObject({
      service_account: '${google_service_account.function_build.id}',
      docker_repository: '${google_artifact_registry_repository.images.id}',
    });
  });

  it('no grant anywhere names allUsers or allAuthenticatedUsers', () => {
    const all = Object.entries(h.resource)
      .filter(([type]) => type.includes('_iam_'))
      .flatMap(([type, blocks]) => Object.entries(blocks).map(([name, b]) => [`${type}.${name}`, JSON.stringify(b[0])] as const));
    expect(all.length).toBeGreaterThan(5);
    expect(all.filter(([, text]) => /allUsers|allAuthenticatedUsers/.test(text)).map(([where]) => where)).toEqual([]);
  });

  it('the functions take traffic from inside Google only, and only the pusher account may invoke them', () => {
    const fn = block(h.resource, 'google_cloudfunctions2_function', 'fn');
    const service = (fn.service_config as Array<Record<string, unknown>>)[0]!;
    expect(service.ingress_settings).toBe('ALLOW_INTERNAL_ONLY');
    const invokers = grants(
      h,
      {
        google_cloud_run_v2_service_iam_member: 'name',
        google_cloud_run_v2_service_iam_binding: 'name',
        google_cloud_run_service_iam_member: 'service',
        google_cloudfunctions2_function_iam_member: 'cloud_function',
      },
      topology,
    );
    const functionInvokers = invokers.filter((g) => g.on.startsWith('fn['));
    expect(functionInvokers.map((g) => [g.member, g.role, g.on]).sort()).toEqual(Object.keys(topology.functions).map((f) => ['pusher', 'roles/run.invoker', `fn[${f}]`]).sort());
    // The team's services: run-tests (its health and latency probes) and the test job (the suite)
    // call them with ID tokens of their own accounts; nobody else is granted them here.
    // The dashboard (infra/ui.tf): IAP's service agent alone; people are let through by IAP.
    const dashboardInvokers = invokers.filter((g) => g.on === 'ui');
    expect(dashboardInvokers.map((g) => [g.member, g.role])).toEqual([['local.iap_agent', 'roles/run.invoker']]);
    expect(h.locals.iap_agent).toBe('${var.ui_enabled ? "serviceAccount:${google_project_service_identity.iap[0].email}" : ""}');
    const serviceInvokers = invokers.filter((g) => !g.on.startsWith('fn[') && g.on !== 'ui');
    expect(serviceInvokers.map((g) => [g.member, g.role, g.on]).sort()).toEqual([
      [fnAccount(FUNCTIONS.runTests), 'roles/run.invoker', 'each.value'],
      ['test_job', 'roles/run.invoker', 'each.value'],
    ]);
    for (const g of serviceInvokers) expect(g.resource, 'one grant per team service').toMatch(/\["local\.invoked_services"\]$/);
    expect(h.locals.invoked_services).toBe('${var.grant_services_invoker ? local.service_names : []}');
    // The pushes' tokens name the function's URL as their audience.
    const push = block(h.resource, 'google_pubsub_subscription', 'push');
    expect((push.push_config as Array<{ oidc_token: Array<Record<string, string>> }>)[0]!.oidc_token[0]!.audience).toBe('${google_cloudfunctions2_function.fn[each.value.function].service_config[0].uri}');
    // The pushes carry the pusher's OIDC token, which the Pub/Sub service agent mints.
    const sub = block(h.resource, 'google_pubsub_subscription', 'push');
    expect((sub.push_config as Array<Record<string, unknown>>)[0]!.oidc_token).toEqual([{ service_account_email: '${google_service_account.pusher.email}', audience: '${google_cloudfunctions2_function.fn[each.value.function].service_config[0].uri}' }]);
  });

  it('acting as an account: the Pub/Sub agent mints the pusher\'s tokens, the job\'s launchers pass overrides to the test job, the build deploys as the services\' account; nothing else', () => {
    const actAs = grants(h, { google_service_account_iam_member: 'service_account_id', google_service_account_iam_binding: 'service_account_id' }, topology);
    expect(actAs.map((g) => [g.member, g.role, g.on]).sort()).toEqual(
      [
        [PUBSUB_AGENT, 'roles/iam.serviceAccountTokenCreator', 'pusher'],
        ...LAUNCHES_TEST_JOB.map((fn) => [fnAccount(fn), 'roles/iam.serviceAccountUser', 'test_job']),
        ['build', 'roles/iam.serviceAccountUser', 'projects/${var.project}/serviceAccounts/${local.services_runtime_account}'],
      ].sort(),
    );
  });

  it('dead-lettering: the Pub/Sub service agent acknowledges on every push subscription', () => {
    const subs = grants(h, { google_pubsub_subscription_iam_member: 'subscription' }, topology);
    expect(subs.map((g) => [g.member, g.role, g.on]).sort()).toEqual(
      [...Object.keys(topology.push_subscriptions).map((s) => [PUBSUB_AGENT, 'roles/pubsub.subscriber', `push[${s}]`]), ['ui', 'roles/pubsub.subscriber', 'ui_events']].sort(),
    );
  });

  it('notify alone may read secrets: each secret the loop configs name (var.notify_secrets), none project-wide', () => {
    // Only notify's code reveals secrets (SecretManagerSource, wired into createNotify alone).
    const secrets = grants(h, { google_secret_manager_secret_iam_member: 'secret_id', google_secret_manager_secret_iam_binding: 'secret_id' }, topology);
    expect(secrets.map((g) => [g.member, g.role])).toEqual([[fnAccount(FUNCTIONS.notify), 'roles/secretmanager.secretAccessor']]);
    const reads = block(h.resource, 'google_secret_manager_secret_iam_member', 'notify_reads');
    expect([reads.for_each, reads.secret_id]).toEqual(['${toset(var.notify_secrets)}', '${each.value}']);
    const project = grants(h, { google_project_iam_member: undefined, google_project_iam_binding: undefined }, topology);
    expect(project.filter((g) => /secretmanager/.test(g.role))).toEqual([]);
    expect(h.resource.google_secret_manager_secret_iam_policy, 'a policy would replace the grants').toBeUndefined();
  });

  it("analyze reads the services' logs unless var.read_service_logs is false, and calls Vertex AI only when var.model_analysis is set", () => {
    const variable = (name: string) => h.variable[name]?.[0] ?? {};
    const logs = block(h.resource, 'google_project_iam_member', 'analyze_reads_service_logs');
    const model = block(h.resource, 'google_project_iam_member', 'analyze_calls_vertex_ai');
    expect([logs.count, logs.role]).toEqual(['${var.read_service_logs ? 1 : 0}', 'roles/logging.viewer']);
    expect([model.count, model.role]).toEqual(['${var.model_analysis ? 1 : 0}', 'roles/aiplatform.user']);
    expect([variable('read_service_logs').default, variable('model_analysis').default]).toEqual([true, false]);
  });

  it('run-tests and the watchdog alone may start the test job, with exactly the permissions the launcher uses', () => {
    const role = block(h.resource, 'google_project_iam_custom_role', 'job_runner');
    expect([...(role.permissions as string[])].sort()).toEqual([...CLOUD_RUN_JOB_LAUNCHER_PERMISSIONS].sort());
    const launchers = LAUNCHES_TEST_JOB.map(fnAccount).sort();
    expect(launchers).toEqual(['fn[run-tests]', 'fn[watchdog]']);
    const job = grants(h, { google_cloud_run_v2_job_iam_member: 'name' }, topology);
    expect(job.map((g) => [g.member, g.role, g.on]).sort()).toEqual(launchers.map((m) => [m, '${google_project_iam_custom_role.job_runner.id}', 'tests']));
  });
});
