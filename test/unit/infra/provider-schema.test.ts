import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse as parseHcl } from '@cdktf/hcl2json';
import { beforeAll, describe, expect, it } from 'vitest';
import { block, hcl, infra, type Hcl } from './hcl.js';
import { providerSchemas, schemaProblems, undeclaredNames, type ProviderSchemas } from './provider-schema.js';

const run = promisify(execFile);

let h: Hcl;
let schemas: ProviderSchemas;
beforeAll(async () => {
  [h, schemas] = await Promise.all([hcl(), providerSchemas()]);
});

/** One snippet parsed as infra/ is, with the real infra's declarations around it. */
async function withSnippet(tf: string): Promise<Hcl> {
  const json = (await parseHcl('snippet.tf', tf)) as { resource?: Hcl['resource'] };
  const merged: Hcl = { ...h, resource: { ...h.resource } };
  for (const [type, blocks] of Object.entries(json.resource ?? {})) merged.resource[type] = { ...merged.resource[type], ...blocks };
  return merged;
}

describe('infra/ against the google provider schema, offline', () => {
  it.each(['google', 'google-beta'])('the %s schema is the provider major versions.tf pins, derived from its @cdktf package', async (local) => {
    const schema = schemas[local]!;
    const versions = await readFile(path.join(infra, 'versions.tf'), 'utf8');
    const constraint = new RegExp(`\\s${local} = \\{[^}]*source += "hashicorp/${local}"[^}]*version = "~> (\\d+)\\.(\\d+)"`, 's').exec(versions);
    expect(constraint, `versions.tf pins ${local} with ~> MAJOR.MINOR`).not.toBeNull();
    expect(schema.provider).toBe(`registry.terraform.io/hashicorp/${local}`);
    const [major, minor] = schema.providerVersion.split('.').map(Number);
    expect(major).toBe(Number(constraint![1]));
    expect(minor).toBeGreaterThanOrEqual(Number(constraint![2]));
    expect(schema.derivedFrom).toMatch(new RegExp(`^@cdktf/provider-${local}@\\d+\\.\\d+\\.\\d+ by scripts/derive-provider-schema\\.ts$`));
  });

  it('google and google-beta are one provider version, and only what the GA one lacks is taken from beta', () => {
    expect(schemas['google-beta']!.providerVersion).toBe(schemas.google!.providerVersion);
    // The dashboard's service: iap_enabled is beta in 6.50; its IAP agent: beta-only type.
    expect(Object.keys(schemas['google-beta']!.resources).sort()).toEqual(['google_cloud_run_v2_service', 'google_project_service_identity']);
    const beta = block(h.resource, 'google_cloud_run_v2_service', 'ui');
    expect([beta.provider, beta.iap_enabled, beta.launch_stage]).toEqual(['${google-beta}', true, 'BETA']);
  });

  it('every argument, block and reference of infra/ is in the schema, and the required ones are there', () => {
    expect(Object.keys(h.resource).filter((t) => t.startsWith('google_')).length).toBeGreaterThan(15);
    expect(schemaProblems(h, schemas)).toEqual([]);
    expect(undeclaredNames(h)).toEqual([]);
  });

  it.each<[string, string, RegExp]>([
    ['a misspelt argument', 'resource "google_pubsub_topic" "x" {\n  name = "a"\n  message_retention = "600s"\n}', /google_pubsub_topic\.x: message_retention is not an argument or block of google_pubsub_topic/],
    ['a missing required argument', 'resource "google_pubsub_topic_iam_member" "x" {\n  topic = "t"\n  role = "roles/pubsub.publisher"\n}', /google_pubsub_topic_iam_member\.x: the required argument member is missing/],
    ['a read-only attribute set', 'resource "google_cloud_run_v2_job" "x" {\n  name = "j"\n  location = "r"\n  etag = "1"\n  template {\n    template {\n      containers {\n        image = "i"\n      }\n    }\n  }\n}', /google_cloud_run_v2_job\.x: etag is read-only/],
    ['a missing required block', 'resource "google_cloud_run_v2_job" "x" {\n  name = "j"\n  location = "r"\n}', /google_cloud_run_v2_job\.x: the required block template is missing/],
    ['a nested argument of another version', 'resource "google_cloudfunctions2_function" "x" {\n  name = "f"\n  location = "r"\n  build_config {\n    runtime = "nodejs22"\n    source_archive = "x"\n  }\n}', /google_cloudfunctions2_function\.x\.build_config: source_archive is not an argument or block/],
    ['a block written as an argument', 'resource "google_firestore_field" "x" {\n  collection = "c"\n  field = "f"\n  ttl_config = {}\n}', /google_firestore_field\.x: ttl_config is a block; it is written as an argument/],
    ['a reference to an attribute the resource lacks', 'resource "google_pubsub_topic" "x" {\n  name = google_cloudfunctions2_function.fn["analyze"].service_config[0].url\n}', /google_cloudfunctions2_function\.fn\["analyze"\]\.service_config\[0\]\.url: google_cloudfunctions2_function has no attribute url/],
    ['a reference to an undeclared resource', 'resource "google_pubsub_topic" "x" {\n  name = google_pubsub_topic.nope.name\n}', /google_pubsub_topic\.nope\.name: no resource google_pubsub_topic\.nope in infra/],
    ['a dynamic block the resource does not have', 'resource "google_cloudbuild_trigger" "x" {\n  dynamic "gitlab" {\n    for_each = []\n    content {\n      name = "x"\n    }\n  }\n}', /dynamic "gitlab" is not a block of google_cloudbuild_trigger/],
    ['a type the schema does not have', 'resource "google_cloud_run_v3_job" "x" {\n  name = "j"\n}', /resource google_cloud_run_v3_job: not in the schema of provider google 6\.50\.0/],
    ['a beta field on the GA provider', 'resource "google_cloud_run_v2_service" "x" {\n  name = "s"\n  location = "r"\n  iap_enabled = true\n  template {\n    containers {\n      image = "i"\n    }\n  }\n}', /resource google_cloud_run_v2_service: not in the schema of provider google 6\.50\.0/],
    ['an argument the beta provider lacks too', 'resource "google_cloud_run_v2_service" "x" {\n  provider = google-beta\n  name = "s"\n  location = "r"\n  iap = true\n  template {\n    containers {\n      image = "i"\n    }\n  }\n}', /google_cloud_run_v2_service\.x: iap is not an argument or block of google_cloud_run_v2_service/],
    ['a provider with no schema', 'resource "google_pubsub_topic" "x" {\n  provider = google-alpha\n  name = "a"\n}', /google_pubsub_topic\.x: provider google-alpha has no schema here/],
  ])('catches %s', async (_what, tf, expected) => {
    expect(schemaProblems(await withSnippet(tf), schemas).join('\n')).toMatch(expected);
  });

  it('terraform fmt -check finds nothing to change (when terraform is installed)', async (ctx) => {
    const found = await run('terraform', ['version'], { env: { ...process.env, TF_CLI_CONFIG_FILE: '/dev/null' } }).catch(() => null);
    if (!found) return ctx.skip('no terraform binary on this machine: .ci/run would need one');
    const result = await run('terraform', ['fmt', '-check', '-recursive', '-list=true', infra], { env: { ...process.env, TF_CLI_CONFIG_FILE: '/dev/null' } }).then(
      (r) => ({ code: 0, files: r.stdout }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, files: `${e.stdout}${e.stderr}` }),
    );
    expect(result, 'run `terraform fmt infra` to fix').toEqual({ code: 0, files: '' });
  });
});
