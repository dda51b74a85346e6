/**
 * The one definition of the chain's Pub/Sub topology. The local runtime creates exactly this
 * on the emulator; infra/ declares the same in Terraform and a test checks the two agree.
 */

export const TOPICS = {
  deployFinished: 'deploy-finished',
  testsFinished: 'tests-finished',
  analysisFinished: 'analysis-finished',
  deployRequested: 'deploy-requested',
  loopEvents: 'loop-events',
  watchdogTick: 'watchdog-tick',
  loopControl: 'loop-control',
  deadLetter: 'dead-letter',
} as const;
export type TopicName = (typeof TOPICS)[keyof typeof TOPICS];

/**
 * Cloud Function entry points, as registered with functions-framework (`--target`) and given to
 * Cloud Functions as `entry_point`. camelCase: an entry point must be a JavaScript identifier for
 * some tools (gcloud's validation, buildpacks' FUNCTION_TARGET), so none has a hyphen.
 */
export const FUNCTIONS = {
  runTests: 'runTests',
  analyze: 'analyze',
  report: 'report',
  watchdog: 'watchdog',
  control: 'control',
  notify: 'notify',
} as const;
export type FunctionName = (typeof FUNCTIONS)[keyof typeof FUNCTIONS];

/**
 * A function's deployed name, kebab-case: the Cloud Function (`tdl-<name>`), its runtime account
 * (`tdl-fn-<name>`) and its source file (`functions/<name>.ts`). Those names must be lowercase,
 * which an entry point need not be.
 */
export function deployedName(fn: FunctionName): string {
  return fn.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** The topics a step writes into a cycle's outbox; a step that republishes abandoned entries may send any of them. */
const OUTBOX_TOPICS = [TOPICS.analysisFinished, TOPICS.deployRequested, TOPICS.loopEvents, TOPICS.testsFinished] as const;

/**
 * Who publishes what: infra/ grants each identity exactly these topics, and each one's
 * publisher refuses any other (shared/chain/lifecycle/allowed-topics.ts), so a step that starts
 * publishing something new fails in the tests on the emulators instead of in the cloud.
 * Every function reports rejected input on loop-events (notify publishes nothing else). run-tests, analyze, report and the
 * watchdog republish abandoned outbox entries, so they may publish every outbox topic.
 */
export const PUBLISHES = {
  functions: {
    [FUNCTIONS.runTests]: OUTBOX_TOPICS,
    [FUNCTIONS.analyze]: OUTBOX_TOPICS,
    [FUNCTIONS.report]: OUTBOX_TOPICS,
    [FUNCTIONS.watchdog]: OUTBOX_TOPICS,
    [FUNCTIONS.control]: [TOPICS.deployRequested, TOPICS.loopEvents],
    [FUNCTIONS.notify]: [TOPICS.loopEvents],
  },
  /** The test job (`tdl job`): its results' tests-finished, and its progress on loop-events. */
  testJob: [TOPICS.loopEvents, TOPICS.testsFinished],
  /** A person steering loops (`tdl rerun`, `tdl cancel`). */
  operators: [TOPICS.deployFinished, TOPICS.deployRequested, TOPICS.loopControl],
  /**
   * The dashboard (`tdl ui --allow-actions`): its re-run and cancel buttons send what
   * `tdl rerun` and `tdl cancel` send; infra/ui.tf grants its account these with ui_allow_actions.
   */
  dashboard: [TOPICS.deployFinished, TOPICS.deployRequested, TOPICS.loopControl],
} as const satisfies {
  functions: Record<FunctionName, readonly TopicName[]>;
  testJob: readonly TopicName[];
  operators: readonly TopicName[];
  dashboard: readonly TopicName[];
};

/**
 * Who starts the test job: run-tests on each deployment, and the watchdog for a cycle whose
 * job is still silent at its deadline (the delivery that opened the cycle may have died before
 * launching). infra/ grants exactly these the launcher's role on the job.
 */
export const LAUNCHES_TEST_JOB = [FUNCTIONS.runTests, FUNCTIONS.watchdog] as const satisfies readonly FunctionName[];

/**
 * What a person following loops subscribes to: `tdl watch` attaches a subscription of its own,
 * named with this prefix, to this topic and deletes it on the way out. infra/ grants operators
 * exactly that (attach to this topic, use subscriptions with this prefix).
 */
export const WATCH = { topic: TOPICS.loopEvents, subscriptionPrefix: 'tdl-watch-' } as const;

export interface RetryPolicy {
  minimumBackoffSeconds: number;
  maximumBackoffSeconds: number;
}

export interface PushSubscription {
  kind: 'push';
  name: string;
  topic: TopicName;
  /** The function that receives the pushes. */
  function: FunctionName;
  ackDeadlineSeconds: number;
  retryPolicy: RetryPolicy;
  /** Delivery attempts before the message goes to the dead-letter topic. */
  maxDeliveryAttempts: number;
}

export interface PullSubscription {
  kind: 'pull';
  name: string;
  topic: TopicName;
  ackDeadlineSeconds: number;
  /** Only the local runtime uses it; in the cloud a managed service consumes the topic. */
  localOnly: boolean;
  purpose: string;
}

export type Subscription = PushSubscription | PullSubscription;

const retryPolicy: RetryPolicy = { minimumBackoffSeconds: 1, maximumBackoffSeconds: 60 };

/**
 * Ten attempts with backoff from 1 s doubling to 60 s span about four minutes: longer than
 * a step's in-progress claim (15 s), so a delivery that finds another one busy, or that
 * meets a restarting emulator, gets through; what still fails is a defect a person must see.
 */
export const MAX_DELIVERY_ATTEMPTS = 10;

export const SUBSCRIPTIONS: readonly Subscription[] = [
  {
    kind: 'push',
    name: 'run-tests',
    topic: TOPICS.deployFinished,
    function: FUNCTIONS.runTests,
    ackDeadlineSeconds: 60,
    retryPolicy,
    maxDeliveryAttempts: MAX_DELIVERY_ATTEMPTS,
  },
  {
    kind: 'push',
    name: 'analyze',
    topic: TOPICS.testsFinished,
    function: FUNCTIONS.analyze,
    ackDeadlineSeconds: 120,
    retryPolicy,
    maxDeliveryAttempts: MAX_DELIVERY_ATTEMPTS,
  },
  {
    kind: 'push',
    name: 'report',
    topic: TOPICS.analysisFinished,
    function: FUNCTIONS.report,
    ackDeadlineSeconds: 60,
    retryPolicy,
    maxDeliveryAttempts: MAX_DELIVERY_ATTEMPTS,
  },
  {
    kind: 'push',
    name: 'watchdog',
    topic: TOPICS.watchdogTick,
    function: FUNCTIONS.watchdog,
    ackDeadlineSeconds: 60,
    retryPolicy,
    maxDeliveryAttempts: MAX_DELIVERY_ATTEMPTS,
  },
  {
    kind: 'push',
    name: 'control',
    topic: TOPICS.loopControl,
    function: FUNCTIONS.control,
    ackDeadlineSeconds: 60,
    retryPolicy,
    maxDeliveryAttempts: MAX_DELIVERY_ATTEMPTS,
  },
  {
    // The sinks are told side by side, each retried inside the step (by default 4 attempts, 3.5 s
    // of pauses, 10 s a request: under a minute at worst, within the functions' 120 s); what
    // still fails is recorded on the cycle, not thrown.
    kind: 'push',
    name: 'notify',
    topic: TOPICS.loopEvents,
    function: FUNCTIONS.notify,
    ackDeadlineSeconds: 120,
    retryPolicy,
    maxDeliveryAttempts: MAX_DELIVERY_ATTEMPTS,
  },
  {
    kind: 'pull',
    name: 'local-deployer',
    topic: TOPICS.deployRequested,
    ackDeadlineSeconds: 600,
    localOnly: true,
    purpose: 'the local deployer; in the cloud a Cloud Build Pub/Sub trigger consumes deploy-requested',
  },
  {
    kind: 'pull',
    name: 'dead-letter-inspect',
    topic: TOPICS.deadLetter,
    ackDeadlineSeconds: 60,
    localOnly: false,
    purpose: 'holds what could not be delivered, for `tdl` and people to inspect',
  },
];

export function pushSubscriptions(): PushSubscription[] {
  return SUBSCRIPTIONS.filter((s): s is PushSubscription => s.kind === 'push');
}

/**
 * The topology as Terraform variables: infra/topology.auto.tfvars.json is generated from this
 * (`npm run infra:topology`) and a test fails when the two differ, so Terraform never holds a
 * second definition.
 */
export function terraformTopology() {
  const push = pushSubscriptions();
  return {
    topology: {
      topics: Object.values(TOPICS),
      dead_letter_topic: TOPICS.deadLetter,
      functions: Object.fromEntries(Object.values(FUNCTIONS).map((fn) => [deployedName(fn), { entry_point: fn }])),
      job_launchers: LAUNCHES_TEST_JOB.map(deployedName),
      push_subscriptions: Object.fromEntries(
        push.map((s) => [
          s.name,
          {
            topic: s.topic,
            function: deployedName(s.function),
            ack_deadline_seconds: s.ackDeadlineSeconds,
            minimum_backoff: `${s.retryPolicy.minimumBackoffSeconds}s`,
            maximum_backoff: `${s.retryPolicy.maximumBackoffSeconds}s`,
            max_delivery_attempts: s.maxDeliveryAttempts,
          },
        ]),
      ),
      pull_subscriptions: Object.fromEntries(
        SUBSCRIPTIONS.filter((s): s is PullSubscription => s.kind === 'pull' && !s.localOnly).map((s) => [
          s.name,
          { topic: s.topic, ack_deadline_seconds: s.ackDeadlineSeconds },
        ]),
      ),
    },
  };
}
