import { mkdir, mkdtemp, readdir, readFile, rm, open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ProcessGroup, freePort, httpOk, waitFor } from '../process/process-group.js';
import { TcpGate } from './tcp-gate.js';

export interface Emulators {
  pubsubHost: string;
  firestoreHost: string;
  /** True when this process started them (and so stops them). */
  owned: boolean;
  /** The environment a client needs to talk to them. */
  env: Record<string, string>;
  /** The emulators' own output, while they run (emulators we own; removed by `stop`). */
  logPath?: string;
  stop(): Promise<void>;
  /**
   * Kills the Pub/Sub emulator and starts it again on the same port, as an outage would:
   * its topics, subscriptions and undelivered messages are gone. Only for emulators we own.
   */
  restartPubSub?(): Promise<void>;
  /**
   * Restarts the Firestore emulator as an outage would, keeping what was committed: clients
   * are cut off (a gate sits between them and the emulator), the project's data is exported,
   * the emulator is killed, and after `downMs` started again with that export. Data of other
   * projects is gone afterwards. Only for emulators started with `restartable: true`.
   */
  restartFirestore?(projectId: string, downMs?: number): Promise<{ outageMs: number; exportMs: number }>;
}

const START_TIMEOUT_MS = 90_000;

/** Where `tdl emulators start` puts them, and where the CLI looks when no variable says otherwise. */
export const DEFAULT_EMULATOR_HOSTS = { pubsub: '127.0.0.1:8085', firestore: '127.0.0.1:8086' } as const;

/**
 * Reuses the emulators named by PUBSUB_EMULATOR_HOST and FIRESTORE_EMULATOR_HOST when both
 * answer; otherwise starts both with gcloud, each in its own process group, with a
 * throw-away CLOUDSDK_CONFIG so nothing of the user's gcloud setup is read or written.
 */
export async function startEmulators(
  options: { log?: (line: string) => void; env?: NodeJS.ProcessEnv; ports?: { pubsub: number; firestore: number }; restartable?: boolean } = {},
): Promise<Emulators> {
  const env = options.env ?? process.env;
  const log = options.log ?? (() => {});
  const reuse = env.PUBSUB_EMULATOR_HOST && env.FIRESTORE_EMULATOR_HOST;
  if (reuse) {
    const ps = env.PUBSUB_EMULATOR_HOST!;
    const fs = env.FIRESTORE_EMULATOR_HOST!;
    if ((await httpOk(`http://${ps}/`).catch(() => false)) && (await httpOk(`http://${fs}/`).catch(() => false))) {
      log(`reusing the emulators at ${ps} (Pub/Sub) and ${fs} (Firestore)`);
      return { pubsubHost: ps, firestoreHost: fs, owned: false, env: emulatorEnv(ps, fs), stop: async () => {} };
    }
    log(`PUBSUB_EMULATOR_HOST/FIRESTORE_EMULATOR_HOST are set but do not answer: starting new emulators`);
  }
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOwned(options, log);
    } catch (error) {
      // A free port can be taken by someone else before the JVM binds it (parallel test runs).
      if (!(error instanceof PortTaken) || options.ports || attempt === 3) throw error;
      log(`${error.message}: starting again on other ports`);
    }
  }
}

class PortTaken extends Error {}

async function startOwned(
  options: { ports?: { pubsub: number; firestore: number }; restartable?: boolean },
  log: (line: string) => void,
): Promise<Emulators> {
  const config = await mkdtemp(path.join(tmpdir(), 'tdl-gcloud-'));
  const [psPort, fsPort] = options.ports ? [options.ports.pubsub, options.ports.firestore] : [await freePort(), await freePort()];
  const pubsubHost = `127.0.0.1:${psPort}`;
  const firestoreHost = `127.0.0.1:${fsPort}`;
  const childEnv = { ...process.env, CLOUDSDK_CONFIG: config, CLOUDSDK_CORE_DISABLE_PROMPTS: '1' };
  const logFile = await open(path.join(config, 'emulators.log'), 'a');
  const stdio: ['ignore', number, number] = ['ignore', logFile.fd, logFile.fd];
  log(`starting the Pub/Sub emulator on ${pubsubHost} and the Firestore emulator on ${firestoreHost}`);
  const started = Date.now();
  const startPubSub = () =>
    new ProcessGroup('pubsub-emulator', 'gcloud', ['beta', 'emulators', 'pubsub', 'start', `--host-port=${pubsubHost}`, '--project=demo-tdl', '--quiet'], { env: childEnv, stdio });
  const startFirestore = (importData?: string) =>
    new ProcessGroup(
      'firestore-emulator',
      'gcloud',
      ['emulators', 'firestore', 'start', `--host-port=${firestoreHost}`, ...(importData ? [`--import-data=${importData}`] : []), '--quiet'],
      { env: childEnv, stdio },
    );
  const groups = [startPubSub(), startFirestore()];
  const gate = options.restartable ? new TcpGate({ host: '127.0.0.1', port: fsPort }) : undefined;
  const stop = async () => {
    await gate?.stop();
    await Promise.all(groups.map((g) => g.stop()));
    await logFile.close().catch(() => undefined);
    await rm(config, { recursive: true, force: true });
  };
  try {
    // A group that exited will never answer: stop waiting for it at once.
    const exited = (i: number) => () => (groups[i]!.running ? undefined : `${groups[i]!.label} exited`);
    await Promise.all([
      waitFor(`the Pub/Sub emulator on ${pubsubHost} (log: ${config}/emulators.log)`, () => httpOk(`http://${pubsubHost}/`), START_TIMEOUT_MS, 200, exited(0)),
      waitFor(`the Firestore emulator on ${firestoreHost} (log: ${config}/emulators.log)`, () => httpOk(`http://${firestoreHost}/`), START_TIMEOUT_MS, 200, exited(1)),
    ]);
  } catch (error) {
    const dead = groups.filter((g) => !g.running).map((g) => g.label);
    // Keep the log for the person reading the error.
    await Promise.all(groups.map((g) => g.stop()));
    await logFile.close().catch(() => undefined);
    const output = await readFile(path.join(config, 'emulators.log'), 'utf8').catch(() => '');
    if (dead.length && output.includes('Address already in use')) {
      await rm(config, { recursive: true, force: true });
      throw new PortTaken(`${dead.join(', ')} found its port taken (${pubsubHost}, ${firestoreHost})`);
    }
    const hint = dead.length ? ` (${dead.join(', ')} exited: is the gcloud component installed? gcloud components install pubsub-emulator cloud-firestore-emulator)` : '';
    throw new Error(`${(error as Error).message}${hint}`);
  }
  log(`emulators ready in ${Date.now() - started} ms`);
  // Clients of restartable emulators reach Firestore through the gate.
  const clientFirestoreHost = gate ? await gate.start() : firestoreHost;
  const restartPubSub = async () => {
    groups[0]!.kill();
    await groups[0]!.wait();
    await waitFor('the Pub/Sub port to close', async () => !(await httpOk(`http://${pubsubHost}/`).catch(() => false)), 10_000);
    groups[0] = startPubSub();
    await waitFor(`the Pub/Sub emulator on ${pubsubHost} again`, () => httpOk(`http://${pubsubHost}/`), START_TIMEOUT_MS, 200);
  };
  let exports = 0;
  const restartFirestore = async (projectId: string, downMs = 0) => {
    if (!gate) throw new Error('restartFirestore needs emulators started with restartable: true');
    const cut = Date.now();
    gate.close();
    // Nothing can write now: the export holds everything committed before the cut.
    const dir = path.join(config, `firestore-export-${++exports}`);
    await mkdir(dir);
    const res = await fetch(`http://${firestoreHost}/emulator/v1/projects/${projectId}:export`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ database: `projects/${projectId}/databases/(default)`, export_directory: dir }),
    });
    if (!res.ok) throw new Error(`exporting Firestore project ${projectId} failed: ${res.status} ${await res.text()}`);
    const [snapshot] = await readdir(dir);
    const metadata = snapshot && path.join(dir, snapshot, `${snapshot}.overall_export_metadata`);
    if (!metadata) throw new Error(`the Firestore export of ${projectId} wrote nothing into ${dir}`);
    const exportMs = Date.now() - cut;
    groups[1]!.kill();
    await groups[1]!.wait();
    await waitFor('the Firestore port to close', async () => !(await httpOk(`http://${firestoreHost}/`).catch(() => false)), 10_000);
    await new Promise((r) => setTimeout(r, downMs));
    groups[1] = startFirestore(metadata);
    await waitFor(`the Firestore emulator on ${firestoreHost} again`, () => httpOk(`http://${firestoreHost}/`), START_TIMEOUT_MS, 200);
    gate.open();
    return { outageMs: Date.now() - cut, exportMs };
  };
  return {
    pubsubHost,
    firestoreHost: clientFirestoreHost,
    owned: true,
    env: emulatorEnv(pubsubHost, clientFirestoreHost),
    logPath: path.join(config, 'emulators.log'),
    stop,
    restartPubSub,
    ...(gate ? { restartFirestore } : {}),
  };
}

function emulatorEnv(pubsubHost: string, firestoreHost: string): Record<string, string> {
  return {
    PUBSUB_EMULATOR_HOST: pubsubHost,
    FIRESTORE_EMULATOR_HOST: firestoreHost,
    METADATA_SERVER_DETECTION: 'none',
  };
}
