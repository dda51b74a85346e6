import { InvalidInputError } from '../../kernel/errors.js';
import type { MessageOf, SchemaTopic } from '../messages.js';
import type { Logger, Publisher } from '../../ports/services.js';
import type { DeliveryRecords } from '../../ports/loop-store.js';
import type { StepOutcome } from '../lifecycle/step-deps.js';
import { decodePubSubEvent, peekMessage, type CloudEventLike } from './decode.js';
import { withLogContext } from '../../kernel/log-context.js';

/**
 * The request's trace context: functions-framework copies the push request's `traceparent`
 * header onto the event; a publisher with OpenTelemetry puts it in the message's attributes.
 */
function traceparentOf(event: CloudEventLike): string | undefined {
  if (typeof event.traceparent === 'string') return event.traceparent;
  const message = (event.data as { message?: { attributes?: Record<string, unknown> } } | undefined)?.message;
  const attribute = message?.attributes?.googclient_traceparent;
  return typeof attribute === 'string' ? attribute : undefined;
}

export interface HandlerDeps {
  store: DeliveryRecords;
  publisher: Publisher;
  log: Logger;
}

/**
 * Wraps a step as a CloudEvent handler with the chain's retry rules: invalid input is
 * acknowledged and recorded (never retried); anything else is thrown, so Pub/Sub redelivers
 * until the dead-letter policy takes the message.
 */
export function pubsubHandler<T extends SchemaTopic>(
  topic: T,
  deps: () => HandlerDeps,
  step: (data: MessageOf<T>, messageId: string) => Promise<StepOutcome>,
): (event: CloudEventLike) => Promise<void> {
  return (event) => withLogContext({ traceparent: traceparentOf(event) }, () => handle(topic, deps, step, event));
}

async function handle<T extends SchemaTopic>(
  topic: T,
  deps: () => HandlerDeps,
  step: (data: MessageOf<T>, messageId: string) => Promise<StepOutcome>,
  event: CloudEventLike,
): Promise<void> {
  let decoded;
  try {
    decoded = decodePubSubEvent(topic, event);
  } catch (error) {
    if (error instanceof InvalidInputError) return reject(deps(), topic, event, error);
    throw error;
  }
  try {
    await step(decoded.data, decoded.messageId);
  } catch (error) {
    if (error instanceof InvalidInputError) return reject(deps(), topic, event, error);
    deps().log.error(`${topic} ${decoded.messageId}: ${(error as Error).message}; will be redelivered`, { error });
    throw error;
  }
}

async function reject(deps: HandlerDeps, topic: string, event: CloudEventLike, error: InvalidInputError): Promise<void> {
  const peek = peekMessage(event);
  const receivedAt = new Date().toISOString();
  deps.log.warn(`rejected ${topic} message ${peek.messageId}: ${error.message}`, { loopId: peek.loopId });
  await deps.store.recordRejected({
    source: topic,
    messageId: peek.messageId,
    reason: error.message,
    loopId: peek.loopId,
    excerpt: peek.excerpt,
    receivedAt,
  });
  if (peek.loopId) {
    await deps.publisher.publish('loop-events', {
      loopId: peek.loopId,
      type: 'input-rejected',
      detail: `${topic} message ${peek.messageId} rejected: ${error.message}`.slice(0, 4000),
      at: receivedAt,
    });
  }
}
