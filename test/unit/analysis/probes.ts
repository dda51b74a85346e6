import { describe, expect, it } from 'vitest';
import { classifyFailure } from '../../../shared/analysis/classify.js';

/** A failure as a runner's report holds it: the message is the first line of the details. */
export const probe = (details: string, output?: string) => ({ test: 't', message: details.split('\n')[0]!, details, ...(output ? { output } : {}) });

/** A batch of vocabulary probes: each failure must be read as the category beside it. */
export function describeProbes(batch: string, rows: Array<[string, ReturnType<typeof probe>, string]>): void {
  describe(batch, () => {
    it.each(rows)('%s', (_what, failure, category) => expect(classifyFailure(failure).category).toBe(category));
  });
}
