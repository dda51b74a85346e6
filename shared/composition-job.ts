import { loadRuntimeEnv, type RuntimeEnv } from './config/env.js';
import { createFirestore, FirestoreLoopStore, isTransientFirestoreError } from './adapters/firestore/loop-store.js';
import { RestPublisher } from './adapters/pubsub/rest-publisher.js';
import { createJsonLogger } from './adapters/json-logger.js';
import { systemClock } from './ports/services.js';
import { TransientError } from './kernel/errors.js';
import { createRecordResults } from './chain/record-results/record-results.js';

/**
 * The test job's wiring, apart from the functions' (composition.ts): the job stores results
 * and publishes a few messages, nothing else, and its memory is its budget (128 MB). So it
 * loads the Firestore client and no other: it publishes over REST, and none of the steps,
 * the analysis or the launchers are loaded.
 */
export interface JobServices {
  env: RuntimeEnv;
  publisher: RestPublisher;
  recordResults: ReturnType<typeof createRecordResults>;
  close(): Promise<void>;
}

export function jobServices(env: RuntimeEnv = loadRuntimeEnv()): JobServices {
  const firestore = createFirestore({ projectId: env.GOOGLE_CLOUD_PROJECT, databaseId: env.TDL_FIRESTORE_DATABASE });
  const publisher = new RestPublisher(env.GOOGLE_CLOUD_PROJECT, env.PUBSUB_EMULATOR_HOST);
  const store = new FirestoreLoopStore(firestore);
  return {
    env,
    publisher,
    recordResults: createRecordResults({ store, publisher, clock: systemClock, log: createJsonLogger('tdl-job') }),
    async close() {
      await firestore.terminate();
    },
  };
}

/** A fault worth retrying: one the adapters marked transient, or a Firestore call that may pass. */
export function isTransientFault(error: unknown): boolean {
  return error instanceof TransientError || isTransientFirestoreError(error);
}
