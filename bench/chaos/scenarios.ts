import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ChaosEmulators as Emulators } from './emulators.js';
import MarkdownIt from 'markdown-it';
import { readResultFiles } from '../../shared/results/ingest.js';
import { World } from './world.js';
import { Team, suite, type Outcome, type TeamOptions } from './team.js';
import { audit, untilEnded } from './audit.js';
import type { Deadlines, Guards } from '../../shared/config/loop-config.js';
import { ProcessGroup } from '../../shared/process/process-group.js';
import { cpus } from 'node:os';

export interface ScenarioResult {
  scenario: string;
  loops: number;
  completed: number;
  lost: number;
  doubled: number;
  stuck: number;
  badInputs: number;
  rejected: number;
  seconds: number;
  problems: string[];
}

export interface Scenario {
  name: string;
  /** Quick scenarios run in CI; the others on demand. */
  quick: boolean;
  run(emulators: Emulators, scale: number): Promise<ScenarioResult>;
}

interface LoopScenarioOptions extends TeamOptions {
  loops: number;
  deliveries?: number;
  /** Kill a random function server (and restart it) this often, at most `maxKills` times. */
  crashEveryMs?: [number, number];
  maxKills?: number;
  guards?: Partial<Guards>;
  deadlines?: Partial<Deadlines>;
  timeoutMs: number;
  /** After the first deployments: push again while cycle 1 tests (supersede), and the like. */
  during?: (world: World, team: Team, loopIds: string[]) => Promise<void>;
  /** Busy processes competing for the CPU for the whole scenario (the machine is loaded). */
  cpuHogs?: number;
  /** Count a cycle whose verdict event our listener never saw as lost (default true). */
  checkEvents?: boolean;
  /** After every loop ended: late and stale messages that must change nothing. */
  after?: (world: World, team: Team, loopIds: string[]) => Promise<{ badInputs: number; rejected: number } | void>;
  /** Loops notify a webhook of each verdict, and the audit counts the calls (one per verdict). */
  notifications?: boolean;
}

const redThenGreen = (_loop: string, k: number): Outcome => (k === 1 ? 'red' : 'green');

async function loopScenario(name: string, emulators: Emulators, o: LoopScenarioOptions): Promise<ScenarioResult> {
  const started = Date.now();
  const world = new World(emulators, name);
  await world.start({ deliveries: o.deliveries });
  const team = new Team(world, o);
  await team.start();
  const loopIds = Array.from({ length: o.loops }, (_, i) => `${name}-${i + 1}`.slice(0, 60));
  let extra: { badInputs: number; rejected: number } | void = undefined;
  const tick = setInterval(() => void world.publisher.publish('watchdog-tick', { at: new Date().toISOString() }).catch(() => undefined), 1000);
  const hogs = startCpuHogs(o.cpuHogs ?? 0, o.timeoutMs + 60_000);
  if (hogs.length) world.notes.push(`info: ${hogs.length} CPU hog processes spun for the whole scenario`);
  let crashing = true;
  const restartFailures: string[] = [];
  const crashes = o.crashEveryMs
    ? (async () => {
        let kills = 0;
        while (crashing && kills < (o.maxKills ?? Infinity)) {
          const [min, max] = o.crashEveryMs!;
          await new Promise((r) => setTimeout(r, min + Math.random() * (max - min)));
          if (!crashing) break;
          const host = world.hosts[Math.floor(Math.random() * world.hosts.length)]!;
          await host.restart().catch((e: Error) => restartFailures.push(`${host.name}: ${e.message}`));
          kills++;
        }
        return kills;
      })()
    : Promise.resolve(0);
  try {
    await Promise.all(loopIds.map((id) => world.createLoop(id, { guards: o.guards, deadlines: o.deadlines, notify: o.notifications })));
    await Promise.all(loopIds.map((id) => team.deploy(id, 'push')));
    await o.during?.(world, team, loopIds);
    await untilEnded(world, loopIds, o.timeoutMs);
    crashing = false;
    const kills = await crashes;
    extra = await o.after?.(world, team, loopIds);
    // Let redeliveries and late messages land before judging.
    await new Promise((r) => setTimeout(r, 1500));
    const result = await audit(world, team, loopIds, { checkEvents: o.checkEvents, notifications: o.notifications });
    if (kills > 0) result.problems.unshift(`info: ${kills} function servers killed and restarted`);
    result.problems.unshift(...world.notes);
    for (const f of restartFailures) result.problems.unshift(`info: a restart failed: ${f}`);
    for (const h of world.hosts) if (!h.process.running) result.problems.unshift(`info: function ${h.name} is down at the end`);
    return { scenario: name, loops: o.loops, ...result, badInputs: extra?.badInputs ?? 0, rejected: extra?.rejected ?? 0, seconds: (Date.now() - started) / 1000 };
  } finally {
    crashing = false;
    clearInterval(tick);
    await Promise.all(hogs.map((h) => h.stop(0)));
    await team.stop();
    await world.stop();
  }
}

export const SCENARIOS: Scenario[] = [
  {
    name: 'baseline',
    quick: true,
    run: (e, scale) => loopScenario('baseline', e, { loops: 4 * scale, script: redThenGreen, timeoutMs: 60_000 }),
  },
  {
    name: 'delivered-3x',
    quick: true,
    run: (e, scale) => loopScenario('delivered-3x', e, { loops: 4 * scale, deliveries: 3, script: redThenGreen, timeoutMs: 60_000, notifications: true }),
  },
  {
    name: 'late-and-stale',
    quick: true,
    run: (e, scale) =>
      loopScenario('late-and-stale', e, {
        loops: 4 * scale,
        script: redThenGreen,
        echoDeployments: true,
        timeoutMs: 60_000,
        after: async (world, _team, ids) => {
          // Messages for cycle 1 long after it ended: a deployment it once asked for, its
          // results, its analysis. None may open, change or re-judge anything.
          for (const loopId of ids) {
            await world.publisher.publish('deploy-finished', {
              loopId,
              cycle: 1,
              trigger: 'redeploy',
              branch: 'main',
              commit: 'stale',
              buildId: `${loopId}-stale`,
              services: [],
              finishedAt: new Date().toISOString(),
            });
            await world.publisher.publish('analysis-finished', { loopId, cycle: 1, passRate: 0.2, criteriaMet: false });
            const at = new Date().toISOString();
            await world.recordResults({ loopId, cycle: 1, jobId: `${loopId}-c1`, run: suite(true), exitCode: 0, crashed: false, commandStartedAt: at, commandFinishedAt: at });
          }
        },
      }),
  },
  {
    name: 'superseding-push',
    quick: true,
    run: (e, scale) =>
      loopScenario('superseding-push', e, {
        loops: 3 * scale,
        // Cycle 1's job reports only after the next push superseded it.
        jobDelayMs: [1500, 2000],
        script: (_l, k) => (k <= 2 ? 'red' : 'green'),
        timeoutMs: 60_000,
        during: async (world, team, ids) => {
          await Promise.all(ids.map((id) => waitFor(async () => (await world.store.getCycle(id, 1))?.phase === 'testing')));
          await Promise.all(ids.map((id) => team.deploy(id, 'push')));
        },
      }),
  },
  {
    name: 'function-crashes',
    quick: true,
    run: (e, scale) =>
      loopScenario('function-crashes', e, {
        loops: 4 * scale,
        script: redThenGreen,
        // Slow enough jobs that the kills land while loops are mid-way.
        jobDelayMs: [300, 900],
        crashEveryMs: [300, 700],
        maxKills: 10,
        // Short phase deadlines: a message dead-lettered after the kills is still closed in time.
        deadlines: { testSeconds: 60, analysisSeconds: 30 },
        // A message whose deliveries kept failing waits in Pub/Sub's backoff (up to 60 s): on a
        // loaded machine the loops take 40-100 s to end.
        timeoutMs: 180_000,
      }),
  },
  {
    name: 'test-job-dies',
    quick: true,
    run: (e, scale) =>
      loopScenario('test-job-dies', e, { loops: 3 * scale, script: () => 'silent', deadlines: { testSeconds: 2 }, timeoutMs: 30_000 }),
  },
  {
    name: 'pubsub-restart',
    quick: true,
    run: (e, scale) =>
      loopScenario('pubsub-restart', e, {
        loops: 3 * scale,
        script: redThenGreen,
        // The jobs report while Pub/Sub is down: their tests-finished cannot be published.
        jobDelayMs: [500, 900],
        deadlines: { analysisSeconds: 5, testSeconds: 20, deploySeconds: 20 },
        // What our own listener misses during the outage is not the loop's loss: judge on Firestore.
        checkEvents: false,
        timeoutMs: 90_000,
        during: async (world, _team, ids) => {
          if (!e.restartPubSub) throw new Error('pubsub-restart needs emulators of its own');
          await Promise.all(ids.map((id) => waitFor(async () => (await world.store.getCycle(id, 1))?.phase === 'testing')));
          await e.restartPubSub();
          // A restarted emulator has no topics: the topology is created again, as after an outage.
          await world.createTopology();
          await world.listenAll();
        },
      }),
  },
  {
    name: 'firestore-restart',
    quick: true,
    run: (e, scale) =>
      loopScenario('firestore-restart', e, {
        loops: 3 * scale,
        script: redThenGreen,
        // The jobs report while Firestore is down: recording their results must wait it out.
        jobDelayMs: [300, 900],
        timeoutMs: 120_000,
        during: async (world, _team, ids) => {
          if (!e.restartFirestore) throw new Error('firestore-restart needs restartable emulators of its own');
          await Promise.all(ids.map((id) => waitFor(async () => (await world.store.getCycle(id, 1))?.phase === 'testing')));
          const { outageMs } = await e.restartFirestore(world.projectId, 2000);
          world.notes.push(`info: Firestore was unreachable for ${(outageMs / 1000).toFixed(1)} s (cut, exported, killed, restarted with the export)`);
        },
      }),
  },
  {
    name: 'secrets-and-markup',
    quick: true,
    run: (e) => secretsScenario(e),
  },
  {
    name: 'bad-input',
    quick: true,
    run: (e) => badInputScenario(e),
  },
  {
    name: 'concurrent-loops',
    quick: false,
    run: (e, scale) => loopScenario('concurrent-loops', e, { loops: 50 * scale, script: redThenGreen, timeoutMs: 300_000 }),
  },
  {
    name: 'crash-storm',
    quick: false,
    run: (e, scale) =>
      loopScenario('crash-storm', e, {
        loops: 20 * scale,
        deliveries: 2,
        script: redThenGreen,
        crashEveryMs: [200, 500],
        maxKills: 60,
        deadlines: { testSeconds: 60, analysisSeconds: 30 },
        timeoutMs: 300_000,
      }),
  },
  {
    name: 'crash-storm-busy',
    quick: false,
    // The crash storm on a machine whose every core is also busy with other work: slow steps,
    // slow restarts, Pub/Sub backing off. A loop must still end on its merits, not `blocked`.
    run: (e, scale) =>
      loopScenario('crash-storm-busy', e, {
        loops: 20 * scale,
        deliveries: 2,
        script: redThenGreen,
        crashEveryMs: [200, 500],
        maxKills: 60,
        cpuHogs: cpus().length,
        deadlines: { testSeconds: 60, analysisSeconds: 30 },
        timeoutMs: 420_000,
      }),
  },
];

/**
 * Processes that only burn CPU, as other work on a shared machine does: `count` of them, each
 * ending by itself after `maxMs` (bounded even if the harness dies) and stopped with the scenario.
 */
function startCpuHogs(count: number, maxMs: number): ProcessGroup[] {
  const spin = `const end = Date.now() + ${maxMs}; while (Date.now() < end) { for (let i = 0; i < 1e6; i++); }`;
  return Array.from({ length: count }, (_, i) => new ProcessGroup(`cpu hog ${i + 1}`, process.execPath, ['-e', spin], { stdio: 'ignore' }));
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

const SECRETS = [
  'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjaGFvcyJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ',
  'password=correct-horse-battery',
  'AKIAIOSFODNN7CHAOS00',
  'postgres://app:pg-secret-77@db:5432/shop',
];
const markdown = new MarkdownIt({ html: true, linkify: true });
const MARKUP = '<script>alert(1)</script> [click me](http://evil.example/) | ![x](http://evil.example/x.png) \u0007\u001b[31m';

/** Failures that print secrets, markup, control characters and megabytes: stored clean, reported inert. */
async function secretsScenario(emulators: Emulators): Promise<ScenarioResult> {
  const failure = {
    name: `creates an order ${MARKUP}`,
    message: `POST /orders failed with ${SECRETS[0]} and ${SECRETS[1]} ${MARKUP}`,
    details: `${SECRETS[2]} ${SECRETS[3]}\n${'x'.repeat(2 * 1024 * 1024)}`,
    output: 'y'.repeat(3 * 1024 * 1024),
  };
  let tried = 0;
  let neutralized = 0;
  const result = await loopScenario('secrets-and-markup', emulators, {
    loops: 2,
    script: redThenGreen,
    failure,
    timeoutMs: 60_000,
    after: async (world, _team, ids) => {
      for (const loopId of ids) {
        const cycles = await world.store.listCycles(loopId);
        const stored = JSON.stringify([cycles, await world.store.readResults(loopId, 1), await world.store.getLoop(loopId)]);
        for (const secret of [...SECRETS, 'correct-horse-battery', 'pg-secret-77']) {
          tried++;
          if (!stored.includes(secret)) neutralized++;
        }
        // Rendered as GitHub would (raw HTML allowed, bare URLs linked): nothing may be live.
        const report = cycles[0]?.report ?? '';
        const html = markdown.render(report);
        const inert = [
          !/<script/i.test(html),
          !/<a [^>]*href="http:\/\/evil/i.test(html),
          !/<img [^>]*evil/i.test(html),
          !/[\u0007\u001b]/.test(report),
        ];
        for (const ok of inert) {
          tried++;
          if (report && ok) neutralized++;
        }
        tried++;
        if (stored.length < 1024 * 1024) neutralized++;
      }
      return { badInputs: tried, rejected: neutralized };
    },
  });
  return result;
}

/** Malformed messages on every topic and hostile result files. */
async function badInputScenario(emulators: Emulators): Promise<ScenarioResult> {
  const started = Date.now();
  const world = new World(emulators);
  await world.start();
  let tried = 0;
  let rejected = 0;
  const problems: string[] = [];
  try {
    await world.createLoop('bad-input-1');
    const raw: Array<[string, Buffer]> = [];
    for (const topic of ['deploy-finished', 'tests-finished', 'analysis-finished', 'loop-control', 'watchdog-tick']) {
      raw.push([topic, Buffer.from('not json at all')]);
      raw.push([topic, Buffer.from('{"loopId": "bad-input-1", "cycle": "one"}')]);
      raw.push([topic, Buffer.from(JSON.stringify({ loopId: 'bad-input-1', padding: 'z'.repeat(300 * 1024) }))]);
      raw.push([topic, Buffer.from('')]);
    }
    raw.push(['deploy-finished', Buffer.from(JSON.stringify({ loopId: 'no-such-loop', trigger: 'push', branch: 'main', commit: 'c', buildId: 'b', services: [], finishedAt: new Date().toISOString() }))]);
    raw.push(['deploy-finished', Buffer.from(JSON.stringify({ loopId: 'bad-input-1', trigger: 'push', branch: 'main', commit: 'c', buildId: 'b', services: [{ name: 'api', url: 'http://10.1.2.3/', ready: true }], finishedAt: new Date().toISOString() }))]);
    raw.push(['loop-control', Buffer.from(JSON.stringify({ loopId: 'bad-input-1', action: 'rm -rf /', reason: 'x', requestedBy: 'x', requestedAt: new Date().toISOString() }))]);
    const ids: string[] = [];
    for (const [topic, data] of raw) {
      // Empty data is not publishable; an attribute-only message stands for it.
      ids.push(await world.pubsub.topic(topic).publishMessage(data.length ? { data } : { data: Buffer.from(' '), attributes: { empty: 'yes' } }));
    }
    tried += ids.length;
    const deadline = Date.now() + 20_000;
    let records: Array<Record<string, unknown>> = [];
    while (Date.now() < deadline) {
      records = (await world.firestore.collection('rejected').get()).docs.map((d) => d.data());
      if (ids.every((id) => records.some((r) => r.messageId === id))) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    for (const id of ids) {
      const r = records.find((x) => x.messageId === id);
      if (r && typeof r.reason === 'string' && r.reason.length > 10) rejected++;
      else problems.push(`message ${id} was not recorded as rejected`);
    }
    // Hostile result files: each refused with a reason that names the file.
    const dir = await mkdtemp(path.join(tmpdir(), 'tdl-hostile-'));
    const files: Record<string, string | Buffer> = {
      'billion-laughs.xml': `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><testsuite name="x"><testcase name="&lol2;"/></testsuite>`,
      'external-entity.xml': `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><testsuite name="x"><testcase name="&xxe;"/></testsuite>`,
      'truncated.xml': `<?xml version="1.0"?><testsuites><testsuite name="x" tests="2"><testcase name="a"/><testcase name="b"><failure message="boom">`,
      'not-xml.xml': 'Tests run: 5, Failures: 0\nall good, honest',
      'binary.xml': Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)),
      'empty.xml': '',
      'html.xml': '<html><body><h1>502 Bad Gateway</h1></body></html>',
      'too-big.xml': `<testsuite name="x">${'<testcase name="a"/>'.repeat(120_000)}</testsuite>`,
    };
    for (const [name, content] of Object.entries(files)) {
      const file = path.join(dir, name);
      await writeFile(file, content);
      tried++;
      const read = await readResultFiles([file], { maxFileBytes: 1024 * 1024, maxMessageChars: 8192, maxOutputChars: 2048, maxCases: 100_000 });
      const reason = read.rejected[0]?.reason ?? '';
      if (read.totals.tests === 0 && reason.includes(name)) rejected++;
      else problems.push(`${name}: ${reason || `read as ${read.totals.tests} tests`}`);
    }
    const loop = await world.store.getLoop('bad-input-1');
    if (loop?.currentCycle !== 0) problems.push(`lost: a bad message changed loop bad-input-1 (cycle ${loop?.currentCycle})`);
    return { scenario: 'bad-input', loops: 1, completed: 0, lost: 0, doubled: 0, stuck: 0, badInputs: tried, rejected, seconds: (Date.now() - started) / 1000, problems };
  } finally {
    await world.stop();
  }
}
