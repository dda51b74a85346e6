/**
 * The error hierarchy. Handlers map them to delivery outcomes: InvalidInputError is
 * acknowledged and recorded, TransientError is thrown so Pub/Sub redelivers.
 */
export class TdlError extends Error {
  readonly context: Record<string, unknown>;
  constructor(message: string, options: { cause?: unknown } & Record<string, unknown> = {}) {
    const { cause, ...context } = options;
    super(message, cause === undefined ? undefined : { cause });
    this.name = new.target.name;
    this.context = context;
  }
}

/** A loop config or environment variable is wrong. Names the field or variable. */
export class ConfigError extends TdlError {}

/** A message or file that can never be processed, however often it is retried. */
export class InvalidInputError extends TdlError {}

/** A fault that may pass: contention, an unavailable emulator, a timeout. Retry. */
export class TransientError extends TdlError {}

/** A results file that is not a readable test report. */
export class ResultsError extends TdlError {}

/** A language model call that failed, timed out, or answered something unusable. */
export class ModelError extends TdlError {}

/** Code that does what the topology says it may not: a defect, never retried into success. */
export class TopologyError extends TdlError {}
