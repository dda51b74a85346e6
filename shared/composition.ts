import { PubSub } from '@google-cloud/pubsub';
import { loadRuntimeEnv, type RuntimeEnv } from './config/env.js';
import { createFirestore, FirestoreLoopStore } from './adapters/firestore/loop-store.js';
import { PubSubPublisher } from './adapters/pubsub/pubsub-publisher.js';
import { HttpHealthProbe } from './adapters/http/http-health-probe.js';
import { HttpLatencyProbe } from './adapters/http/http-latency-probe.js';
import { HttpJobLauncher } from './adapters/http/http-job-launcher.js';
import { createJsonLogger } from './adapters/json-logger.js';
import { systemClock, type TestJobLauncher } from './ports/services.js';
import { ConfigError } from './kernel/errors.js';
import { defaultAnalyzer } from './analysis/default-analyzer.js';
import { createRunTests } from './chain/run-tests/run-tests.js';
import { createAnalyze } from './chain/analyze/analyze.js';
import { createReport } from './chain/decide/decide.js';
import { createWatchdog } from './chain/watchdog/watchdog.js';
import { createRecordResults } from './chain/record-results/record-results.js';
import { createControl } from './chain/control/control.js';

/**
 * Production wiring: clients created once per instance, on first use, from the validated
 * environment. Functions and the test job call `services()`; tests build their own deps.
 */
export interface Services {
  env: RuntimeEnv;
  store: FirestoreLoopStore;
  publisher: PubSubPublisher;
  runTests: ReturnType<typeof createRunTests>;
  analyze: ReturnType<typeof createAnalyze>;
  report: ReturnType<typeof createReport>;
  watchdog: ReturnType<typeof createWatchdog>;
  control: ReturnType<typeof createControl>;
  recordResults: ReturnType<typeof createRecordResults>;
  log: ReturnType<typeof createJsonLogger>;
  close(): Promise<void>;
}

let instance: Services | undefined;

export function services(): Services {
  instance ??= createServices(loadRuntimeEnv());
  return instance;
}

export function createServices(env: RuntimeEnv, component = 'tdl'): Services {
  const firestore = createFirestore({ projectId: env.GOOGLE_CLOUD_PROJECT, databaseId: env.TDL_FIRESTORE_DATABASE });
  const store = new FirestoreLoopStore(firestore);
  const publisher = new PubSubPublisher(new PubSub({ projectId: env.GOOGLE_CLOUD_PROJECT }));
  const log = createJsonLogger(component);
  const base = { store, publisher, clock: systemClock, log };
  let launcher: Promise<TestJobLauncher> | undefined;
  const lazyLauncher: TestJobLauncher = {
    launch: async (request) => {
      launcher ??= createLauncher(env);
      return (await launcher).launch(request);
    },
  };
  return {
    env,
    store,
    publisher,
    log,
    runTests: createRunTests({
      ...base,
      health: new HttpHealthProbe(env.TDL_HEALTH_TIMEOUT_MS),
      latency: new HttpLatencyProbe(env.TDL_HEALTH_TIMEOUT_MS),
      launcher: lazyLauncher,
    }),
    analyze: createAnalyze({ ...base, analyzer: defaultAnalyzer }),
    report: createReport(base),
    watchdog: createWatchdog(base),
    control: createControl(base),
    recordResults: createRecordResults(base),
    async close() {
      await publisher.close();
      await firestore.terminate();
    },
  };
}

/**
 * The Cloud Run client is loaded only by what launches a job: the test job itself, held to
 * 128 MB, never does, and loading it costs about 20 MB.
 */
async function createLauncher(env: RuntimeEnv): Promise<TestJobLauncher> {
  if (env.TDL_LOCAL_JOBS_URL) return new HttpJobLauncher(env.TDL_LOCAL_JOBS_URL);
  if (env.TDL_TEST_JOB) {
    const { CloudRunJobLauncher } = await import('./adapters/cloud-run/cloud-run-job-launcher.js');
    return new CloudRunJobLauncher({ projectId: env.GOOGLE_CLOUD_PROJECT, region: env.TDL_REGION, job: env.TDL_TEST_JOB });
  }
  throw new ConfigError('no test job configured: set TDL_TEST_JOB (Cloud Run Job name) or TDL_LOCAL_JOBS_URL (local runtime)');
}

export { isTransientFault } from './composition-job.js';
