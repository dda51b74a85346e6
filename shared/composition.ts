import { loadRuntimeEnv, type RuntimeEnv } from './config/env.js';
import { lazyMetadataIdTokens } from './composition-job.js';
import type { FirestoreLoopStore } from './adapters/firestore/loop-store.js';
import type { PubSubPublisher } from './adapters/pubsub/pubsub-publisher.js';
import { createClients } from './adapters/clients.js';
import { HttpHealthProbe } from './adapters/http/http-health-probe.js';
import { HttpLatencyProbe } from './adapters/http/http-latency-probe.js';
import { HttpJobLauncher } from './adapters/http/http-job-launcher.js';
import { createJsonLogger } from './adapters/json-logger.js';
import { FUNCTIONS, PUBLISHES, type FunctionName } from './chain/topology.js';
import { allowedTopics } from './chain/lifecycle/allowed-topics.js';
import { systemClock, type IdTokenSource, type TestJobLauncher } from './ports/services.js';
import { ConfigError } from './kernel/errors.js';
import { createModelBackedAnalyzer } from './analysis/rule-based-analyzer.js';
import { createModelAnalyzer, DEFAULT_MODEL_SETTINGS } from './analysis/model-analyzer.js';
import type { Analyzer } from './analysis/analyzer-port.js';
import type { LoopDoc } from './domain/model.js';
import { createRunTests } from './chain/run-tests/run-tests.js';
import { createAnalyze } from './chain/analyze/analyze.js';
import { createDecide } from './chain/decide/decide.js';
import { createWatchdog } from './chain/watchdog/watchdog.js';
import { createRecordResults } from './chain/record-results/record-results.js';
import { createControl } from './chain/control/control.js';
import { createNotify } from './chain/notify/notify.js';
import { OctokitGitHub } from './adapters/github/octokit-github.js';
import { FetchWebhook } from './adapters/webhook/fetch-webhook.js';
import { EnvSecretSource, SecretManagerSource } from './adapters/secrets/secret-sources.js';
import type { SecretSource } from './ports/notify.js';
import type { ServiceLogs } from './ports/service-logs.js';
import { ServiceLogFiles } from './adapters/files/service-log-files.js';
import { CloudLoggingServiceLogs } from './adapters/cloud-logging/cloud-logging-service-logs.js';

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
  report: ReturnType<typeof createDecide>;
  watchdog: ReturnType<typeof createWatchdog>;
  control: ReturnType<typeof createControl>;
  recordResults: ReturnType<typeof createRecordResults>;
  notify: ReturnType<typeof createNotify>;
  log: ReturnType<typeof createJsonLogger>;
  /** ID tokens for private services, when TDL_ID_TOKENS=metadata. */
  idTokens: IdTokenSource | undefined;
  close(): Promise<void>;
}

let instance: Services | undefined;

export function services(): Services {
  instance ??= createServices(loadRuntimeEnv());
  return instance;
}

export function createServices(env: RuntimeEnv, component = 'tdl'): Services {
  const clients = createClients({ projectId: env.GOOGLE_CLOUD_PROJECT, databaseId: env.TDL_FIRESTORE_DATABASE });
  const { store, publisher } = clients;
  const log = createJsonLogger(component, undefined, env.GOOGLE_CLOUD_PROJECT);
  const base = { store, publisher, clock: systemClock, log };
  const idTokens = env.TDL_ID_TOKENS === 'metadata' ? lazyMetadataIdTokens() : undefined;
  /** Each step publishes through a publisher that holds it to what the topology declares. */
  const as = (who: FunctionName | 'test job', topics: readonly string[]) => ({ ...base, publisher: allowedTopics(publisher, who, topics) });
  const fn = (name: FunctionName) => as(name, PUBLISHES.functions[name]);
  let launcher: Promise<TestJobLauncher> | undefined;
  const lazyLauncher: TestJobLauncher = {
    launch: async (request) => {
      launcher ??= createLauncher(env);
      return (await launcher).launch(request);
    },
  };
  return {
    env,
    idTokens,
    store,
    publisher,
    log,
    runTests: createRunTests({
      ...fn(FUNCTIONS.runTests),
      health: new HttpHealthProbe(env.TDL_HEALTH_TIMEOUT_MS, idTokens),
      latency: new HttpLatencyProbe(env.TDL_HEALTH_TIMEOUT_MS, idTokens),
      launcher: lazyLauncher,
    }),
    analyze: createAnalyze({ ...fn(FUNCTIONS.analyze), analyzer: createModelBackedAnalyzer(modelsFor(env)), serviceLogs: serviceLogsOf(env) }),
    report: createDecide(fn(FUNCTIONS.report)),
    watchdog: createWatchdog({ ...fn(FUNCTIONS.watchdog), launcher: lazyLauncher }),
    control: createControl(fn(FUNCTIONS.control)),
    recordResults: createRecordResults(as('test job', PUBLISHES.testJob)),
    notify: createNotify({
      ...fn(FUNCTIONS.notify),
      github: new OctokitGitHub(log),
      webhook: new FetchWebhook(),
      secrets: secretSource(env),
      githubApiUrl: env.TDL_GITHUB_API_URL,
    }),
    close: () => clients.close(),
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

/** On the emulators secrets come from the environment; in the cloud from Secret Manager. */
function secretSource(env: RuntimeEnv): SecretSource {
  const source = env.TDL_SECRET_SOURCE ?? (env.FIRESTORE_EMULATOR_HOST ? 'env' : 'secret-manager');
  return source === 'env' ? new EnvSecretSource(process.env) : new SecretManagerSource(env.GOOGLE_CLOUD_PROJECT);
}

/**
 * The model analyzer a loop's config asks for (`analysis.model`), or none: the Vertex AI SDK
 * is loaded, and its client made, only when a loop enables it; one client per model and
 * location, reused across cycles.
 */
function modelsFor(env: RuntimeEnv): (loop: LoopDoc) => Promise<Analyzer | undefined> {
  const made = new Map<string, Promise<Analyzer>>();
  return async (loop) => {
    const m = loop.config.analysis?.model;
    if (!m) return undefined;
    const project = m.project ?? env.GOOGLE_CLOUD_PROJECT;
    const key = `${m.provider}/${project}/${m.location}/${m.model}/${m.timeoutMs}/${m.minConfidence}`;
    let analyzer = made.get(key);
    if (!analyzer) {
      analyzer = import('./adapters/vertex/vertex-gemini.js').then(({ VertexGeminiModel }) =>
        createModelAnalyzer(new VertexGeminiModel({ project, location: m.location, model: m.model }), {
          timeoutMs: m.timeoutMs,
          minConfidence: m.minConfidence,
          maxPromptChars: DEFAULT_MODEL_SETTINGS.maxPromptChars,
        }),
      );
      made.set(key, analyzer);
    }
    return analyzer;
  };
}

/** Where the analysis reads what the services printed: the local deployer's files, Cloud Logging, or nowhere. */
function serviceLogsOf(env: RuntimeEnv): ServiceLogs | undefined {
  if (env.TDL_LOCAL_SERVICE_LOGS) return new ServiceLogFiles(env.TDL_LOCAL_SERVICE_LOGS);
  if (env.TDL_SERVICE_LOGS !== 'cloud-logging') return undefined;
  // Loaded only where the logs are read: the test job never needs the auth library.
  let auth: Promise<{ getAccessToken(): Promise<string | null | undefined> }> | undefined;
  const token = async () => {
    auth ??= import('google-auth-library').then(({ GoogleAuth }) => new GoogleAuth({ scopes: ['https://www.googleapis.com/auth/logging.read'] }));
    return (await (await auth).getAccessToken()) ?? '';
  };
  return new CloudLoggingServiceLogs({ projectId: env.GOOGLE_CLOUD_PROJECT, token });
}

export { isTransientFault } from './composition-job.js';
