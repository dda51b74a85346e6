import { PubSub } from '@google-cloud/pubsub';
import type { Firestore } from '@google-cloud/firestore';
import { createFirestore, FirestoreLoopStore } from './firestore/loop-store.js';
import { PubSubPublisher } from './pubsub/pubsub-publisher.js';

/** Where the emulators answer, for clients told so explicitly rather than by the process's environment. */
export interface EmulatorHosts {
  pubsubHost: string;
  firestoreHost: string;
}

/** The Google clients of one project and the store and publisher made of them. */
export interface Clients {
  projectId: string;
  pubsub: PubSub;
  firestore: Firestore;
  store: FirestoreLoopStore;
  publisher: PubSubPublisher;
  /** Flushes what is being published, then closes both clients. */
  close(): Promise<void>;
}

/**
 * The one place the store and the publisher are composed: the functions and the test job
 * (through shared/composition.ts), the CLI, the local runtime, the tests and the benches.
 * With `emulators`, both clients talk to those emulators whatever the process's environment
 * says; without, the client libraries read PUBSUB_EMULATOR_HOST and FIRESTORE_EMULATOR_HOST.
 */
export function createClients(options: { projectId: string; databaseId?: string; emulators?: EmulatorHosts }): Clients {
  const { projectId, emulators } = options;
  // Naming the universe spares the auth library its metadata-server probe (seconds off the network),
  // which METADATA_SERVER_DETECTION=none in the environment would otherwise have to stop.
  const pubsub = new PubSub({ projectId, ...(emulators ? { apiEndpoint: emulators.pubsubHost, emulatorMode: true, universeDomain: 'googleapis.com' } : {}) });
  const firestore = createFirestore({ projectId, databaseId: options.databaseId, emulatorHost: emulators?.firestoreHost });
  const publisher = new PubSubPublisher(pubsub);
  return {
    projectId,
    pubsub,
    firestore,
    store: new FirestoreLoopStore(firestore),
    publisher,
    async close() {
      await publisher.close();
      await firestore.terminate();
    },
  };
}
