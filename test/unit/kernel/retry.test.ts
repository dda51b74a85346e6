import { describe, expect, it } from 'vitest';
import { retryTransient } from '../../../shared/kernel/retry.js';
import { TransientError } from '../../../shared/kernel/errors.js';
import { isTransientFirestoreError } from '../../../shared/adapters/firestore/loop-store.js';

const isTransient = (e: unknown) => e instanceof TransientError;

describe('retryTransient', () => {
  it('waits out transient faults with doubling pauses and says so', async () => {
    const pauses: number[] = [];
    const said: string[] = [];
    let calls = 0;
    const value = await retryTransient(
      'recording the results',
      async () => {
        if (++calls < 4) throw new TransientError(`Firestore unavailable (${calls})`);
        return 'recorded';
      },
      { isTransient, say: (l) => said.push(l), sleep: async (ms) => void pauses.push(ms) },
    );
    expect([value, calls, pauses]).toEqual(['recorded', 4, [500, 1000, 2000]]);
    expect(said[0]).toBe('recording the results failed (attempt 1: Firestore unavailable (1)); retrying in 0.5 s');
  });

  it('throws at once what is not transient', async () => {
    let calls = 0;
    const work = async () => {
      calls++;
      throw new Error('document too large');
    };
    await expect(retryTransient('x', work, { isTransient, sleep: async () => {} })).rejects.toThrow('document too large');
    expect(calls).toBe(1);
  });

  it('gives up with the last fault once the time is spent', async () => {
    let calls = 0;
    const work = async () => {
      throw new TransientError(`still down (${++calls})`);
    };
    await expect(retryTransient('x', work, { isTransient, maxMs: 3000, sleep: async () => {} })).rejects.toThrow('still down (3)');
  });
});

describe('isTransientFirestoreError', () => {
  it('retries what may pass, including a transaction the server lost, and nothing else', () => {
    const e = (code: number, message: string) => Object.assign(new Error(message), { code });
    expect(
      [
        e(14, '14 UNAVAILABLE: No connection established'),
        e(10, '10 ABORTED: Transaction lock timeout'),
        e(3, '3 INVALID_ARGUMENT: Transaction is invalid or closed.'),
        e(3, '3 INVALID_ARGUMENT: The referenced transaction has expired or is no longer valid.'),
        e(3, '3 INVALID_ARGUMENT: Document exceeds maximum size'),
        e(7, '7 PERMISSION_DENIED: Missing or insufficient permissions.'),
        new Error('no code'),
      ].map(isTransientFirestoreError),
    ).toEqual([true, true, true, true, false, false, false]);
  });
});
