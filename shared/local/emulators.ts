import { mkdtemp, rm, open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ProcessGroup, freePort, httpOk, waitFor } from './processes.js';

export interface Emulators {
  pubsubHost: string;
  firestoreHost: string;
  /** True when this process started them (and so stops them). */
  owned: boolean;
  /** The environment a client needs to talk to them. */
  env: Record<string, string>;
  stop(): Promise<void>;
  /**
   * Kills the Pub/Sub emulator and starts it again on the same port, as an outage would:
   * its topics, subscriptions and undelivered messages are gone. Only for emulators we own.
   */
  restartPubSub?(): Promise<void>;
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
  options: { log?: (line: string) => void; env?: NodeJS.ProcessEnv; ports?: { pubsub: number; firestore: number } } = {},
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
  const groups = [
    startPubSub(),
    new ProcessGroup('firestore-emulator', 'gcloud', ['emulators', 'firestore', 'start', `--host-port=${firestoreHost}`, '--quiet'], { env: childEnv, stdio }),
  ];
  const stop = async () => {
    await Promise.all(groups.map((g) => g.stop()));
    await logFile.close().catch(() => undefined);
    await rm(config, { recursive: true, force: true });
  };
  try {
    await Promise.all([
      waitFor(`the Pub/Sub emulator on ${pubsubHost} (log: ${config}/emulators.log)`, () => httpOk(`http://${pubsubHost}/`), START_TIMEOUT_MS, 200),
      waitFor(`the Firestore emulator on ${firestoreHost} (log: ${config}/emulators.log)`, () => httpOk(`http://${firestoreHost}/`), START_TIMEOUT_MS, 200),
    ]);
  } catch (error) {
    const dead = groups.filter((g) => !g.running).map((g) => g.label);
    // Keep the log for the person reading the error.
    await Promise.all(groups.map((g) => g.stop()));
    await logFile.close().catch(() => undefined);
    const hint = dead.length ? ` (${dead.join(', ')} exited: is the gcloud component installed? gcloud components install pubsub-emulator cloud-firestore-emulator)` : '';
    throw new Error(`${(error as Error).message}${hint}`);
  }
  log(`emulators ready in ${Date.now() - started} ms`);
  const restartPubSub = async () => {
    groups[0]!.kill();
    await groups[0]!.wait();
    await waitFor('the Pub/Sub port to close', async () => !(await httpOk(`http://${pubsubHost}/`).catch(() => false)), 10_000);
    groups[0] = startPubSub();
    await waitFor(`the Pub/Sub emulator on ${pubsubHost} again`, () => httpOk(`http://${pubsubHost}/`), START_TIMEOUT_MS, 200);
  };
  return { pubsubHost, firestoreHost, owned: true, env: emulatorEnv(pubsubHost, firestoreHost), stop, restartPubSub };
}

function emulatorEnv(pubsubHost: string, firestoreHost: string): Record<string, string> {
  return {
    PUBSUB_EMULATOR_HOST: pubsubHost,
    FIRESTORE_EMULATOR_HOST: firestoreHost,
    METADATA_SERVER_DETECTION: 'none',
  };
}
