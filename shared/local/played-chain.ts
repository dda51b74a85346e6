import type { FunctionServerOptions, FunctionHost } from './function-hosts.js';
import type { Emulators } from './emulators.js';
import type { TestJobRequest } from '../ports/services.js';
import { LocalEnvironment } from './environment.js';
import { JobLaunchRecorder } from './job-server.js';

/**
 * The chain on the local environment with its test job played by the caller, as the
 * integration tests and chaos play it: run-tests' launch requests are recorded (and told to
 * `onLaunch`) instead of running anything, and the caller stores results with `recordResults`,
 * as `tdl job` does at its end.
 */
export class PlayedChain {
  environment!: LocalEnvironment;
  hosts: FunctionHost[] = [];
  private readonly jobs = new JobLaunchRecorder((request) => this.onLaunch(request));
  readonly launches: TestJobRequest[] = this.jobs.launches;
  onLaunch: (request: TestJobRequest) => void = () => {};

  constructor(readonly projectId: string) {}

  /** The environment on `emulators` (default: found or started by it), the job recorder and the function servers. */
  protected async startChain(options: { emulators?: Emulators; onOutput?: FunctionServerOptions['onOutput'] } = {}): Promise<FunctionHost[]> {
    this.environment = await LocalEnvironment.start({ projectId: this.projectId, emulators: options.emulators });
    const jobsUrl = await this.jobs.start();
    this.environment.defer(() => this.jobs.stop());
    this.hosts = await this.environment.startFunctions({ jobsUrl, onOutput: options.onOutput });
    return this.hosts;
  }

  get emulators(): Emulators {
    return this.environment.emulators;
  }

  get store() {
    return this.environment.store;
  }

  get publisher() {
    return this.environment.publisher;
  }

  get pubsub() {
    return this.environment.pubsub;
  }

  get firestore() {
    return this.environment.firestore;
  }

  /** What `tdl job` does at its end, with the real store and publisher. */
  readonly recordResults = (...args: Parameters<LocalEnvironment['recordResults']>) => this.environment.recordResults(...args);

  stop(): Promise<void> {
    return this.environment?.stop() ?? Promise.resolve();
  }
}
