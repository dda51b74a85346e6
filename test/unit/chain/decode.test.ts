import { describe, expect, it } from 'vitest';
import { decodePubSubEvent, peekMessage } from '../../../shared/chain/delivery/decode.js';
import { deployFinished } from '../../support/docs.js';

const event = (data: string | undefined, messageId = '42') => ({ id: messageId, data: { message: { data, messageId } } });
const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('decodePubSubEvent', () => {
  it('decodes a valid deploy-finished message', () => {
    const decoded = decodePubSubEvent('deploy-finished', event(b64(JSON.stringify(deployFinished()))));
    expect(decoded.messageId).toBe('42');
    expect(decoded.data.commit).toBe('a'.repeat(40));
  });

  it.each([
    ['empty data', undefined, 'deploy-finished message 42: data is empty'],
    ['not JSON', b64('{not json'), 'deploy-finished message 42: data is not JSON'],
    ['a missing field', b64(JSON.stringify({ ...deployFinished(), commit: undefined })), 'deploy-finished message 42: commit: '],
    ['a bad loop id', b64(JSON.stringify(deployFinished({ loopId: 'Shop Main' }))), 'loopId: a loop id is 1-63 lowercase letters'],
    ['a bad service url', b64(JSON.stringify(deployFinished({ services: [{ name: 'api', ready: true, url: 'nope' }] }))), 'services.0.url'],
    ['oversized data', b64('x'.repeat(400 * 1024)), 'over the 262144-byte limit'],
  ])('names what is wrong: %s', (_name, data, expected) => {
    expect(() => decodePubSubEvent('deploy-finished', event(data))).toThrow(expected);
  });

  it('refuses something that is not a Pub/Sub envelope', () => {
    expect(() => decodePubSubEvent('tests-finished', { id: '1', data: { hello: 'world' } })).toThrow(
      /^tests-finished: not a Pub\/Sub message envelope: message: /,
    );
  });

  it('peeks at the loop id of a message that failed validation, for the rejection record', () => {
    const peek = peekMessage(event(b64(JSON.stringify({ loopId: 'shop-main', cycle: 'two' })), '7'));
    expect(peek).toEqual({ messageId: '7', loopId: 'shop-main', excerpt: '{"loopId":"shop-main","cycle":"two"}' });
  });
});
