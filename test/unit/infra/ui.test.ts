import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseHcl } from '@cdktf/hcl2json';
import { beforeAll, describe, expect, it } from 'vitest';
import { WATCH } from '../../../shared/chain/topology.js';
import { uiCommand } from '../../../cli/commands/ui.js';
import { block, grants, hcl, infra, topologyVars, type Block, type Hcl } from './hcl.js';

/** infra/ui.tf: the dashboard on Cloud Run behind IAP, off unless var.ui_enabled. */

let h: Hcl;
let ui: { resource: Record<string, Record<string, Block[]>>; locals?: Array<Record<string, unknown>> };
let topology: Awaited<ReturnType<typeof topologyVars>>;
beforeAll(async () => {
  [h, topology] = await Promise.all([hcl(), topologyVars()]);
  ui = (await parseHcl('ui.tf', await readFile(path.join(infra, 'ui.tf'), 'utf8'))) as typeof ui;
});

const service = () => block(h.resource, 'google_cloud_run_v2_service', 'ui');
const template = () => (service().template as Block[])[0]!;
const container = () => (template().containers as Block[])[0]!;

describe('the dashboard on Cloud Run (infra/ui.tf)', () => {
  it('is off by default: every resource of ui.tf is counted or iterated on var.ui_enabled, which defaults to false', () => {
    expect(h.variable.ui_enabled?.[0]).toMatchObject({ type: '${bool}', default: false });
    expect(h.variable.ui_allow_actions?.[0]).toMatchObject({ type: '${bool}', default: false });
    const resources = Object.entries(ui.resource).flatMap(([type, byName]) => Object.entries(byName).map(([name, bodies]) => [`${type}.${name}`, bodies[0]!] as const));
    expect(resources.length).toBeGreaterThanOrEqual(9);
    const ungated = resources.filter(([, b]) => !/^\$\{(var\.ui_enabled \?|toset\(var\.ui_enabled[ ?&])/.test(String(b.count ?? b.for_each ?? '')));
    expect(ungated.map(([where]) => where)).toEqual([]);
    // The output reads the service only when it exists.
    expect(h.output.ui_url?.[0]?.value).toBe('${var.ui_enabled ? google_cloud_run_v2_service.ui[0].uri : ""}');
  });

  it("runs the installed tdl's `ui` with flags tdl ui has, on the port Cloud Run sends to, reading the subscription made for it", () => {
    const command = String(container().command).replace(/\s+/g, ' ');
    const argv = /^\$\{concat\( ?\[(.*)\], var\.ui_allow_actions \? \["--allow-actions"\] : \[\],? ?\)\}$/.exec(command);
    expect(argv, command).not.toBeNull();
    const parts = argv![1]!.split(', ');
    expect(parts.slice(0, 2)).toEqual(['var.tdl_bin', '"ui"']);
    const flags = parts.filter((p) => /^"--/.test(p)).map((p) => p.slice(1, -1));
    expect(flags).toEqual(['--host', '--port', '--project', '--subscription']);
    for (const flag of [...flags, '--allow-actions']) expect(uiCommand.usage.split('\n')[0], `tdl ui has ${flag}`).toMatch(new RegExp(`\\[${flag}[ \\]]`));
    const value = (flag: string) => parts[parts.indexOf(`"${flag}"`) + 1];
    // Bound to every address: Cloud Run's front end is not on the container's loopback.
    expect(value('--host')).toBe('"0.0.0.0"');
    // The port it listens on is the one Cloud Run sends requests to.
    expect(value('--port')).toBe('tostring(local.ui_port)');
    expect((container().ports as Block[])[0]!.container_port).toBe('${local.ui_port}');
    expect(value('--project')).toBe('var.project');
    expect(value('--subscription')).toBe('google_pubsub_subscription.ui_events[0].name');
    const sub = block(h.resource, 'google_pubsub_subscription', 'ui_events');
    expect(sub.topic).toBe(`\${google_pubsub_topic.topic["${WATCH.topic}"].id}`);
    expect(topology.topics).toContain(WATCH.topic);
    // Its own account; the test image unless another is given (the image the job runs has tdl installed).
    expect(template().service_account).toBe('${google_service_account.ui[0].email}');
    expect(container().image).toBe('${local.ui_image}');
    expect(ui.locals?.find((l) => 'ui_image' in l)?.ui_image).toBe('${var.ui_image != "" ? var.ui_image : var.test_image}');
  });

  it('one instance, which holds the one subscription and every open page; requests (event streams) last up to an hour', () => {
    expect(template().scaling).toEqual([{ min_instance_count: 0, max_instance_count: 1 }]);
    expect(template().timeout).toBe('3600s');
  });

  it('sits behind IAP (a beta field in provider 6.50, hence google-beta); only var.ui_viewers get through it', () => {
    expect(service()).toMatchObject({ provider: '${google-beta}', iap_enabled: true, launch_stage: 'BETA', ingress: 'INGRESS_TRAFFIC_ALL' });
    const viewers = grants(h, { google_iap_web_cloud_run_service_iam_member: 'cloud_run_service_name', google_iap_web_cloud_run_service_iam_binding: 'cloud_run_service_name' }, topology);
    expect(viewers.map((g) => [g.member, g.role, g.on])).toEqual([['var.ui_viewers', 'roles/iap.httpsResourceAccessor', 'ui']]);
    expect(block(h.resource, 'google_iap_web_cloud_run_service_iam_member', 'ui_viewers').for_each).toBe('${toset(var.ui_enabled ? var.ui_viewers : [])}');
    expect(h.resource.google_iap_web_cloud_run_service_iam_policy, 'a policy would replace the grants').toBeUndefined();
    // The agent IAP calls Cloud Run as: created (if need be) and named by the provider.
    expect(block(h.resource, 'google_project_service_identity', 'iap')).toMatchObject({ provider: '${google-beta}', service: 'iap.googleapis.com' });
  });

  it('publishes only with ui_allow_actions, when it also shows the buttons', () => {
    expect(block(h.resource, 'google_pubsub_topic_iam_member', 'ui_publishes').for_each).toBe('${toset(var.ui_enabled && var.ui_allow_actions ? local.operator_topics : [])}');
    expect(String(container().command)).toMatch(/var\.ui_allow_actions \? \["--allow-actions"\] : \[\]/);
  });
});
