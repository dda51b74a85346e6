import type { PubSub } from '@google-cloud/pubsub';
import { ConfigError } from '../shared/kernel/errors.js';
import type { FirestoreLoopStore } from '../shared/adapters/firestore/loop-store.js';
import type { PubSubPublisher } from '../shared/adapters/pubsub/pubsub-publisher.js';
import { createClients, type EmulatorHosts } from '../shared/adapters/clients.js';
import { DEFAULT_EMULATOR_HOSTS } from '../shared/local/emulators.js';
import { LOCAL_PROJECT } from '../shared/local/runtime.js';
import { httpOk } from '../shared/process/process-group.js';

export interface Connection {
  projectId: string;
  /** Where the commands talk: "the emulators at ..." or "project ...". */
  target: string;
  pubsub: PubSub;
  store: FirestoreLoopStore;
  publisher: PubSubPublisher;
  close(): Promise<void>;
}

export const connectionOptions = {
  project: { type: 'string' },
} as const;

export const CONNECTION_HELP = `Talks to the local emulators (PUBSUB_EMULATOR_HOST and FIRESTORE_EMULATOR_HOST, or
${DEFAULT_EMULATOR_HOSTS.pubsub} and ${DEFAULT_EMULATOR_HOSTS.firestore} where \`tdl emulators start\` puts them) unless
--project PROJECT names a Google Cloud project (credentials from the usual ADC).`;

/**
 * Clients for the CLI: the emulators by default, a GCP project when `--project` is given.
 * Fails fast with a clear message when the emulators are not running.
 */
export async function connect(project: string | undefined): Promise<Connection> {
  let target: string;
  let projectId: string;
  let emulators: EmulatorHosts | undefined;
  if (project) {
    // The Firestore client obeys FIRESTORE_EMULATOR_HOST before any setting: a project means no emulator.
    delete process.env.PUBSUB_EMULATOR_HOST;
    delete process.env.FIRESTORE_EMULATOR_HOST;
    projectId = project;
    target = `project ${project}`;
  } else {
    emulators = {
      pubsubHost: process.env.PUBSUB_EMULATOR_HOST ?? DEFAULT_EMULATOR_HOSTS.pubsub,
      firestoreHost: process.env.FIRESTORE_EMULATOR_HOST ?? DEFAULT_EMULATOR_HOSTS.firestore,
    };
    projectId = process.env.GOOGLE_CLOUD_PROJECT ?? LOCAL_PROJECT;
    const hosts = [emulators.pubsubHost, emulators.firestoreHost];
    for (const host of hosts) {
      if (!(await httpOk(`http://${host}/`).catch(() => false))) {
        throw new ConfigError(`no emulator answers at ${host}: start them with \`tdl emulators start\`, or pass --project PROJECT`);
      }
    }
    target = `the emulators at ${hosts.join(' and ')} (project ${projectId})`;
  }
  const { pubsub, store, publisher, close } = createClients({ projectId, emulators });
  return { projectId, target, pubsub, store, publisher, close };
}
