import { beforeAll, describe, expect, it } from 'vitest';
import { FUNCTIONS } from '../../../shared/chain/topology.js';
import { CLOUD_RUN_JOB_LAUNCHER_PERMISSIONS } from '../../../shared/adapters/cloud-run/cloud-run-job-launcher.js';
import { codePublishes, type CodePublishes } from './code-publishes.js';
import { loadCloudbuild, publishedTopics } from './cloudbuild.js';
import { block, grants, hcl, root, topologyVars, type Grant, type Hcl } from './hcl.js';

/**
 * The open issue's demand, checked offline: the cloud side accepts pushes and publishes only
 * from the identities infra/ names, each with exactly what its code uses. The expected grants
 * come from the code (what each entry point publishes), cloudbuild.yaml and the topology, not
 * from a second list typed here.
 */

let h: Hcl;
let topology: Awaited<ReturnType<typeof topologyVars>>;
let code: CodePublishes;
beforeAll(async () => {
  [h, topology] = await Promise.all([hcl(), topologyVars()]);
  code = codePublishes(root, Object.values(FUNCTIONS));
});

const PUBSUB_AGENT = 'local.pubsub_agent';
const fnAccount = (fn: string) => `fn[${fn}]`;
/** `topic[x]` -> x */
const topicName = (on: string) => /^topic\[(.+)\]$/.exec(on)?.[1] ?? on;

function byMember(list: Grant[], value: (g: Grant) => string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const g of list) (out[g.member] ??= []).push(value(g));
  for (const k of Object.keys(out)) out[k] = [...new Set(out[k])].sort();
  return out;
}

describe('who may publish, invoke and act: exactly what the code uses', () => {
  it('the code analysis reads what each entry point publishes (and would see a new topic)', () => {
    // Sanity of the derivation: every function reports rejected input on loop-events; the
    // steps that republish abandoned outbox entries may publish every outbox topic.
    for (const fn of Object.values(FUNCTIONS)) expect(code.functions[fn], fn).toContain('loop-events');
    expect(code.outboxTopics).toEqual(['analysis-finished', 'deploy-requested', 'loop-events', 'tests-finished']);
    expect(code.functions.analyze).toEqual(code.outboxTopics);
    expect(code.functions.control).not.toContain('tests-finished');
    expect(code.testJob).toEqual(['loop-events', 'tests-finished']);
    expect(code.operators).toEqual(['deploy-finished', 'deploy-requested', 'loop-control']);
  });

  it('each identity publishes to exactly the topics its code publishes, and nothing else may publish', async () => {
    const build = await loadCloudbuild();
    const scheduler = block(h.resource, 'google_cloud_scheduler_job', 'watchdog_tick');
    const target = (scheduler.pubsub_target as Array<Record<string, string>>)[0]!.topic_name!;
    const schedulerTopic = /^\$\{google_pubsub_topic\.topic\["([^"]+)"\]\.id\}$/.exec(target)?.[1];
    expect(schedulerTopic, `the scheduler's topic ${target}`).toBeDefined();
    const expected: Record<string, string[]> = {
      ...Object.fromEntries(Object.values(FUNCTIONS).map((fn) => [fnAccount(fn), code.functions[fn]!])),
      test_job: code.testJob,
      build: publishedTopics(build),
      scheduler: [schedulerTopic!],
      [PUBSUB_AGENT]: [topology.dead_letter_topic],
      'var.operators': code.operators,
    };
    const topicGrants = grants(h, { google_pubsub_topic_iam_member: 'topic', google_pubsub_topic_iam_binding: 'topic' }, topology);
    expect(topicGrants.filter((g) => g.role !== 'roles/pubsub.publisher'), 'topic roles other than publisher').toEqual([]);
    expect(byMember(topicGrants, (g) => topicName(g.on))).toEqual(expected);
    expect(h.resource.google_pubsub_topic_iam_policy, 'an IAM policy would replace the grants this test reads').toBeUndefined();
  });

  it('no project-wide role lets anyone publish, invoke or act as another account', () => {
    const project = grants(h, { google_project_iam_member: undefined, google_project_iam_binding: undefined }, topology);
    const wide = project.filter((g) => /pubsub|run\.invoker|run\.admin|cloudfunctions|iam\.serviceAccount|roles\/(editor|owner)$/.test(g.role));
    expect(wide).toEqual([]);
    // Firestore for the functions and the job; deploying for the build account; nothing else.
    expect(byMember(project, (g) => g.role)).toEqual({
      ...Object.fromEntries(Object.values(FUNCTIONS).map((fn) => [fnAccount(fn), ['roles/datastore.user']])),
      test_job: ['roles/datastore.user'],
      'var.operators': ['roles/datastore.user'],
      build: ['roles/artifactregistry.writer', 'roles/logging.logWriter', 'roles/run.developer', 'roles/storage.objectViewer'],
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
    expect(invokers.map((g) => [g.member, g.role, g.on]).sort()).toEqual(topology.functions.map((f) => ['pusher', 'roles/run.invoker', `fn[${f}]`]).sort());
    // The pushes carry the pusher's OIDC token, which the Pub/Sub service agent mints.
    const sub = block(h.resource, 'google_pubsub_subscription', 'push');
    expect((sub.push_config as Array<Record<string, unknown>>)[0]!.oidc_token).toEqual([{ service_account_email: '${google_service_account.pusher.email}' }]);
  });

  it('acting as an account: the Pub/Sub agent mints the pusher\'s tokens, run-tests passes overrides to the test job, the build deploys as the services\' account; nothing else', () => {
    const actAs = grants(h, { google_service_account_iam_member: 'service_account_id', google_service_account_iam_binding: 'service_account_id' }, topology);
    expect(actAs.map((g) => [g.member, g.role, g.on]).sort()).toEqual(
      [
        [PUBSUB_AGENT, 'roles/iam.serviceAccountTokenCreator', 'pusher'],
        [fnAccount(FUNCTIONS.runTests), 'roles/iam.serviceAccountUser', 'test_job'],
        ['build', 'roles/iam.serviceAccountUser', 'projects/${var.project}/serviceAccounts/${local.services_runtime_account}'],
      ].sort(),
    );
  });

  it('dead-lettering: the Pub/Sub service agent acknowledges on every push subscription', () => {
    const subs = grants(h, { google_pubsub_subscription_iam_member: 'subscription' }, topology);
    expect(subs.map((g) => [g.member, g.role, g.on]).sort()).toEqual(
      Object.keys(topology.push_subscriptions).map((s) => [PUBSUB_AGENT, 'roles/pubsub.subscriber', `push[${s}]`]).sort(),
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

  it('run-tests alone may start the test job, with exactly the permissions the launcher uses', () => {
    const role = block(h.resource, 'google_project_iam_custom_role', 'job_runner');
    expect([...(role.permissions as string[])].sort()).toEqual([...CLOUD_RUN_JOB_LAUNCHER_PERMISSIONS].sort());
    const job = grants(h, { google_cloud_run_v2_job_iam_member: 'name' }, topology);
    expect(job.map((g) => [g.member, g.role, g.on])).toEqual([[fnAccount(FUNCTIONS.runTests), '${google_project_iam_custom_role.job_runner.id}', 'tests']]);
  });
});
