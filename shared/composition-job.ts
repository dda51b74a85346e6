import { loadRuntimeEnv, type RuntimeEnv } from './config/env.js';
import { createFirestore, FirestoreLoopStore, isTransientFirestoreError } from './adapters/firestore/loop-store.js';
import { RestPublisher } from './adapters/pubsub/rest-publisher.js';
import { createJsonLogger } from './adapters/json-logger.js';
import { PUBLISHES } from './chain/topology.js';
import { allowedTopics } from './chain/lifecycle/allowed-topics.js';
import { createRecordResults } from './chain/record-results/record-results.js';
import { TransientError } from './kernel/errors.js';
import { systemClock, type IdTokenSource, type Publisher } from './ports/services.js';

/**
 * The test job's wiring: only what `tdl job` uses. Not shared/composition.ts, which wires every
 * function (analysis, probes, the gRPC Pub/Sub client) and loads to 88 MB: the job runs in a
 * 128 MB Cloud Run Job, so it gets the Firestore store, a REST publisher (Pub/Sub's REST API,
 * served by the emulator too) and the record-results step, and nothing else.
 */
export interface JobServices {
  env: RuntimeEnv;
  /** Holds the job to the topics the topology lets it publish to (tests-finished, loop-events). */
  publisher: Publisher;
  recordResults: ReturnType<typeof createRecordResults>;
  /** ID tokens for private services, when TDL_ID_TOKENS=metadata. */
  idTokens: IdTokenSource | undefined;
  close(): Promise<void>;
}

export function jobServices(env: RuntimeEnv = loadRuntimeEnv()): JobServices {
  const firestore = createFirestore({ projectId: env.GOOGLE_CLOUD_PROJECT, databaseId: env.TDL_FIRESTORE_DATABASE });
  const store = new FirestoreLoopStore(firestore);
  const publisher = allowedTopics(new RestPublisher({ projectId: env.GOOGLE_CLOUD_PROJECT, emulatorHost: env.PUBSUB_EMULATOR_HOST }), 'test job', PUBLISHES.testJob);
  const log = createJsonLogger('tdl', undefined, env.GOOGLE_CLOUD_PROJECT);
  return {
    env,
    publisher,
    recordResults: createRecordResults({ store, publisher, clock: systemClock, log }),
    idTokens: env.TDL_ID_TOKENS === 'metadata' ? lazyMetadataIdTokens() : undefined,
    close: () => firestore.terminate(),
  };
}

/** google-auth-library is loaded on the first token, not at start (the test job counts its megabytes). */
export function lazyMetadataIdTokens(): IdTokenSource {
  let source: Promise<IdTokenSource> | undefined;
  return {
    token: async (audience) => {
      source ??= import('./adapters/http/metadata-id-tokens.js').then((m) => new m.MetadataIdTokens());
      return (await source).token(audience);
    },
  };
}

/** A fault worth retrying: one the adapters marked transient, or a Firestore call that may pass. */
export function isTransientFault(error: unknown): boolean {
  return error instanceof TransientError || isTransientFirestoreError(error);
}
