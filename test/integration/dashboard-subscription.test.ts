import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalEnvironment } from '../../shared/local/environment.js';
import { packageRoot } from '../../shared/local/function-hosts.js';
import { WATCH } from '../../shared/chain/topology.js';
import { eventually } from '../support/harness.js';

/**
 * `tdl ui` as infra/ui.tf runs it on Cloud Run (`--host 0.0.0.0 --port N --subscription tdl-ui`),
 * on the Pub/Sub and Firestore emulators: the built CLI in a process of its own reads loop-events
 * from the subscription Terraform made, creates none of its own (its account may not), streams
 * what arrives to a page's /events, and leaves the subscription in place when it stops.
 */
let environment: LocalEnvironment;
let child: ChildProcess | undefined;
const SUBSCRIPTION = 'tdl-ui';

beforeAll(async () => {
  environment = await LocalEnvironment.start({ projectId: `demo-it-ui-${randomUUID().slice(0, 8)}` });
  await environment.ensureTopology();
  await environment.pubsub.topic(WATCH.topic).createSubscription(SUBSCRIPTION, { ackDeadlineSeconds: 10 });
}, 90_000);

afterAll(async () => {
  child?.kill('SIGKILL');
  await environment?.pubsub.subscription(SUBSCRIPTION).delete().catch(() => undefined);
  await environment?.stop();
}, 30_000);

const subscriptionNames = async () => (await environment.pubsub.getSubscriptions())[0].map((s) => s.name.split('/').pop()!).sort();

describe('tdl ui --subscription: the dashboard on a subscription someone else made', () => {
  it('streams the events that subscription receives, makes none of its own, and leaves it when stopped', async () => {
    const before = await subscriptionNames();
    expect(before).toContain(SUBSCRIPTION);
    const proc = spawn(process.execPath, [path.join(packageRoot(), 'bin', 'tdl.js'), 'ui', '--host', '0.0.0.0', '--port', '0', '--subscription', SUBSCRIPTION], {
      env: { ...process.env, ...environment.childEnv },
    });
    child = proc;
    let stdout = '';
    let stderr = '';
    proc.stdout!.on('data', (c) => (stdout += c));
    proc.stderr!.on('data', (c) => (stderr += c));
    const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));

    const url = await eventually('the dashboard to print its address', () => /dashboard at (http:\/\/\S+\/) \(read-only\)/.exec(stdout)?.[1], 30_000).catch((error: Error) => {
      throw new Error(`${error.message}; stdout: ${stdout}; stderr: ${stderr}`);
    });
    expect(await subscriptionNames(), 'it created no subscription of its own').toEqual(before);

    const abort = new AbortController();
    const response = await fetch(`${url}events?loop=ui-sub`, { signal: abort.signal });
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    let seen = '';
    const read = async (want: string) => {
      while (!seen.includes(want)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`the stream ended before ${want}; it had: ${seen}`);
        seen += new TextDecoder().decode(value);
      }
    };
    await read('event: ready');
    const event = { loopId: 'ui-sub', cycle: 2, type: 'progress' as const, detail: 'tests 3/7 passed', at: new Date().toISOString() };
    await environment.publisher.publish('loop-events', event);
    await read('event: loop-event');
    const data = /event: loop-event\ndata: (.*)\n/.exec(seen)?.[1];
    expect(JSON.parse(data!)).toEqual(event);
    abort.abort();

    proc.kill('SIGTERM');
    expect(await exited, stderr).toBe(0);
    child = undefined;
    expect(await subscriptionNames(), 'the subscription stays for the next start').toContain(SUBSCRIPTION);
  }, 60_000);
});
