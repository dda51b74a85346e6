import type { SpawnOptions } from 'node:child_process';
import { mkdtemp, readFile, rm, open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ProcessGroup, freePort, httpOk, waitFor } from '../process/process-group.js';
import { ConfigError } from '../kernel/errors.js';

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
  /** The two processes, when this process started them: each can be stopped and started again. */
  processes?: { pubsub: EmulatorProcess; firestore: EmulatorProcess };
}

const START_TIMEOUT_MS = 90_000;

/** Where `tdl emulators start` puts them, and where the CLI looks when no variable says otherwise. */
export const DEFAULT_EMULATOR_HOSTS = { pubsub: '127.0.0.1:8085', firestore: '127.0.0.1:8086' } as const;

/**
 * Reuses the emulators named by PUBSUB_EMULATOR_HOST and FIRESTORE_EMULATOR_HOST in `env`
 * (default: this process's environment, only read) when both answer, and refuses variables
 * that name emulators that do not answer; otherwise starts both with gcloud, each in its own
 * process group, with a throw-away CLOUDSDK_CONFIG so nothing of the user's gcloud setup is
 * read or written.
 */
export async function startEmulators(
  options: { log?: (line: string) => void; env?: NodeJS.ProcessEnv; ports?: { pubsub: number; firestore: number } } = {},
): Promise<Emulators> {
  const env = options.env ?? process.env;
  const log = options.log ?? (() => {});
  const ps = env.PUBSUB_EMULATOR_HOST;
  const fs = env.FIRESTORE_EMULATOR_HOST;
  if (ps || fs) {
    const answers = async (host: string | undefined) => host !== undefined && (await httpOk(`http://${host}/`).catch(() => false));
    if (!(await answers(ps)) || !(await answers(fs))) {
      // Clients in this process would follow the variables to emulators that are not there.
      throw new ConfigError(
        `PUBSUB_EMULATOR_HOST (${ps ?? 'unset'}) and FIRESTORE_EMULATOR_HOST (${fs ?? 'unset'}) must both name emulators that answer: start them with \`tdl emulators start\`, or unset both`,
      );
    }
    log(`reusing the emulators at ${ps} (Pub/Sub) and ${fs} (Firestore)`);
    return { pubsubHost: ps!, firestoreHost: fs!, owned: false, env: emulatorEnv(ps!, fs!), stop: async () => {} };
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

/** One emulator: its gcloud command, on a fixed host, in a process group of its own. */
export class EmulatorProcess {
  private group?: ProcessGroup;

  constructor(
    readonly label: 'pubsub-emulator' | 'firestore-emulator',
    readonly host: string,
    private readonly args: string[],
    private readonly spawnOptions: SpawnOptions,
  ) {}

  get running(): boolean {
    return this.group?.running ?? false;
  }

  /** Starts it (with `extraArgs`, such as `--import-data=DIR`) and waits until it answers, or exits. */
  async start(extraArgs: string[] = []): Promise<void> {
    const group = new ProcessGroup(this.label, 'gcloud', [...this.args, ...extraArgs], this.spawnOptions);
    this.group = group;
    await waitFor(`the ${this.label} on ${this.host}`, () => httpOk(`http://${this.host}/`), START_TIMEOUT_MS, 200, () => (group.running ? undefined : `${this.label} exited`));
  }

  /** Kills it at once, as a crash would, and waits until its port no longer answers. */
  async kill(): Promise<void> {
    this.group?.kill();
    await this.group?.wait();
    await waitFor(`the ${this.label}'s port to close`, async () => !(await httpOk(`http://${this.host}/`).catch(() => false)), 10_000);
  }

  async stop(): Promise<void> {
    await this.group?.stop();
  }
}

async function startOwned(options: { ports?: { pubsub: number; firestore: number } }, log: (line: string) => void): Promise<Emulators> {
  const config = await mkdtemp(path.join(tmpdir(), 'tdl-gcloud-'));
  const [psPort, fsPort] = options.ports ? [options.ports.pubsub, options.ports.firestore] : [await freePort(), await freePort()];
  const pubsubHost = `127.0.0.1:${psPort}`;
  const firestoreHost = `127.0.0.1:${fsPort}`;
  const logFile = await open(path.join(config, 'emulators.log'), 'a');
  const spawnOptions: SpawnOptions = {
    env: { ...process.env, CLOUDSDK_CONFIG: config, CLOUDSDK_CORE_DISABLE_PROMPTS: '1' },
    stdio: ['ignore', logFile.fd, logFile.fd],
  };
  const processes = {
    pubsub: new EmulatorProcess('pubsub-emulator', pubsubHost, ['beta', 'emulators', 'pubsub', 'start', `--host-port=${pubsubHost}`, '--project=demo-tdl', '--quiet'], spawnOptions),
    firestore: new EmulatorProcess('firestore-emulator', firestoreHost, ['emulators', 'firestore', 'start', `--host-port=${firestoreHost}`, '--quiet'], spawnOptions),
  };
  const all = [processes.pubsub, processes.firestore];
  log(`starting the Pub/Sub emulator on ${pubsubHost} and the Firestore emulator on ${firestoreHost}`);
  const started = Date.now();
  try {
    await Promise.all(all.map((p) => p.start()));
  } catch (error) {
    const dead = all.filter((p) => !p.running).map((p) => p.label);
    // Keep the log for the person reading the error.
    await Promise.all(all.map((p) => p.stop()));
    await logFile.close().catch(() => undefined);
    const output = await readFile(path.join(config, 'emulators.log'), 'utf8').catch(() => '');
    if (dead.length && output.includes('Address already in use')) {
      await rm(config, { recursive: true, force: true });
      throw new PortTaken(`${dead.join(', ')} found its port taken (${pubsubHost}, ${firestoreHost})`);
    }
    const hint = dead.length ? ` (${dead.join(', ')} exited: is the gcloud component installed? gcloud components install pubsub-emulator cloud-firestore-emulator)` : '';
    throw new Error(`${(error as Error).message} (log: ${config}/emulators.log)${hint}`);
  }
  log(`emulators ready in ${Date.now() - started} ms`);
  return {
    pubsubHost,
    firestoreHost,
    owned: true,
    env: emulatorEnv(pubsubHost, firestoreHost),
    logPath: path.join(config, 'emulators.log'),
    processes,
    async stop() {
      await Promise.all(all.map((p) => p.stop()));
      await logFile.close().catch(() => undefined);
      await rm(config, { recursive: true, force: true });
    },
  };
}

/** The environment a child process needs to reach these emulators. */
export function emulatorEnv(pubsubHost: string, firestoreHost: string): Record<string, string> {
  return {
    PUBSUB_EMULATOR_HOST: pubsubHost,
    FIRESTORE_EMULATOR_HOST: firestoreHost,
    METADATA_SERVER_DETECTION: 'none',
  };
}
