/** What a deployed service printed in a window of time: its start-up, and its requests during the run. */
export interface ServiceLogQuery {
  service: string;
  /** The revision under test; absent reads every revision of the service. */
  revision?: string;
  /** ISO times; `until` absent reads to now. */
  since: string;
  until?: string;
  /** At most this many lines, oldest first. */
  maxLines: number;
}

/**
 * The service's own output, read for the five whys (what it served, what it answered). Locally
 * the deployer captures it to files (shared/local/service-log-files.ts); in the cloud it is read
 * from Cloud Logging (shared/adapters/cloud-logging/). Reading it is best effort: an adapter
 * that cannot read answers with no lines rather than failing the analysis.
 */
export interface ServiceLogs {
  read(query: ServiceLogQuery): Promise<string[]>;
}
