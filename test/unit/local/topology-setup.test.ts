import { describe, expect, it } from 'vitest';
import { localDeliveryAttempts } from '../../../shared/local/topology-setup.js';
import { SUBSCRIPTIONS } from '../../../shared/chain/topology.js';

describe('localDeliveryAttempts', () => {
  it('spreads the cloud policy\'s 10 attempts at 1-60 s over as many one-second redeliveries', () => {
    // 1 + 1.3 + 1.69 + ... + 1.3^8 = 32.0 s of backoff before the 10th attempt.
    expect(localDeliveryAttempts({ maxDeliveryAttempts: 10, retryPolicy: { minimumBackoffSeconds: 1, maximumBackoffSeconds: 60 } })).toBe(34);
    for (const s of SUBSCRIPTIONS) if (s.kind === 'push') expect(localDeliveryAttempts(s)).toBe(34);
  });

  it('caps each backoff at the maximum and the count at Pub/Sub\'s 100, and never goes below the cloud\'s count', () => {
    expect(localDeliveryAttempts({ maxDeliveryAttempts: 5, retryPolicy: { minimumBackoffSeconds: 1, maximumBackoffSeconds: 2 } })).toBe(7); // 1 + 1.3 + 1.69 + 2 s
    expect(localDeliveryAttempts({ maxDeliveryAttempts: 50, retryPolicy: { minimumBackoffSeconds: 10, maximumBackoffSeconds: 600 } })).toBe(100);
    expect(localDeliveryAttempts({ maxDeliveryAttempts: 5, retryPolicy: { minimumBackoffSeconds: 0, maximumBackoffSeconds: 0 } })).toBe(5);
  });
});
