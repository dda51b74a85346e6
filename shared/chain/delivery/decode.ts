import { z } from 'zod';
import { InvalidInputError } from '../../kernel/errors.js';
import { MAX_MESSAGE_BYTES, SCHEMAS, type MessageOf, type SchemaTopic } from '../messages.js';
import { describeIssues } from '../../config/loop-config.js';

/** The part of a Pub/Sub CloudEvent we read (`google.cloud.pubsub.topic.v1.messagePublished`). */
const PubSubEnvelope = z.object({
  message: z.object({
    data: z.string().optional(),
    messageId: z.string().optional(),
    message_id: z.string().optional(),
    publishTime: z.string().optional(),
    attributes: z.record(z.string(), z.string()).nullish(),
  }),
  subscription: z.string().optional(),
});

export interface CloudEventLike {
  id?: string;
  data?: unknown;
  /** W3C trace context of the request, when it carried one (functions-framework sets it). */
  traceparent?: string;
}

export interface DecodedMessage<T> {
  data: T;
  messageId: string;
  publishTime?: string;
  attributes: Record<string, string>;
}

/**
 * Decodes a Pub/Sub CloudEvent for `topic`: base64 -> JSON -> the topic's schema.
 * Throws InvalidInputError naming what is wrong and where; such a message is never retried.
 */
export function decodePubSubEvent<T extends SchemaTopic>(topic: T, event: CloudEventLike): DecodedMessage<MessageOf<T>> {
  const envelope = PubSubEnvelope.safeParse(event.data);
  if (!envelope.success) {
    throw new InvalidInputError(`${topic}: not a Pub/Sub message envelope: ${describeIssues(envelope.error)}`, {
      topic,
    });
  }
  const message = envelope.data.message;
  const messageId = message.messageId ?? message.message_id ?? event.id ?? 'unknown';
  const raw = message.data ?? '';
  if (raw.length === 0) throw new InvalidInputError(`${topic} message ${messageId}: data is empty`, { topic, messageId });
  if (raw.length > (MAX_MESSAGE_BYTES * 4) / 3 + 4) {
    throw new InvalidInputError(
      `${topic} message ${messageId}: data is ${Math.round((raw.length * 3) / 4)} bytes, over the ${MAX_MESSAGE_BYTES}-byte limit`,
      { topic, messageId },
    );
  }
  const text = Buffer.from(raw, 'base64').toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new InvalidInputError(`${topic} message ${messageId}: data is not JSON (${(cause as Error).message})`, {
      cause,
      topic,
      messageId,
    });
  }
  const parsed = SCHEMAS[topic].safeParse(json);
  if (!parsed.success) {
    throw new InvalidInputError(`${topic} message ${messageId}: ${describeIssues(parsed.error)}`, {
      cause: parsed.error,
      topic,
      messageId,
    });
  }
  return {
    data: parsed.data as MessageOf<T>,
    messageId,
    publishTime: message.publishTime,
    attributes: message.attributes ?? {},
  };
}

/** Best-effort facts about a message that failed to decode, for the rejection record. */
export function peekMessage(event: CloudEventLike): { messageId: string; loopId?: string; excerpt: string } {
  const envelope = PubSubEnvelope.safeParse(event.data);
  const messageId = envelope.success
    ? (envelope.data.message.messageId ?? envelope.data.message.message_id ?? event.id ?? 'unknown')
    : (event.id ?? 'unknown');
  let excerpt = '';
  let loopId: string | undefined;
  if (envelope.success && envelope.data.message.data) {
    excerpt = Buffer.from(envelope.data.message.data.slice(0, 2048), 'base64').toString('utf8').slice(0, 1000);
    const match = /"loopId"\s*:\s*"([a-z0-9-]{1,63})"/.exec(excerpt);
    loopId = match?.[1];
  } else {
    excerpt = JSON.stringify(event.data ?? null).slice(0, 1000);
  }
  return { messageId, loopId, excerpt };
}
