import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { classifyStream } from '../../cli/commands/classify.js';
import { ruleSet } from '../../shared/analysis/classify.js';

async function run(lines: string[], rules = ruleSet()): Promise<{ out: unknown[]; bad: number }> {
  const input = new PassThrough();
  const output = new PassThrough();
  let text = '';
  output.on('data', (c) => (text += c));
  const done = classifyStream(input, output, rules);
  input.end(lines.join('\n'));
  const bad = await done;
  return { out: text.trim().split('\n').map((l) => JSON.parse(l)), bad };
}

describe('tdl classify', () => {
  it('writes one line per input, in order, with category, confidence, signature and evidence', async () => {
    const { out, bad } = await run([
      JSON.stringify({ runner: 'pytest', test: 't1', message: 'AssertionError: assert 503 == 201', details: 'E       assert 503 == 201' }),
      JSON.stringify({ runner: 'go', test: 'TestX', message: 'panic: test timed out after 10m0s' }),
    ]);
    expect(bad).toBe(0);
    expect(out).toEqual([
      { category: 'deployment', confidence: 0.85, signature: 'deployment: 503 == 201', evidence: ['AssertionError: assert 503 == 201'] },
      { category: 'timeout', confidence: 0.85, signature: 'timeout: panic: test timed out', evidence: ['panic: test timed out after 10m0s'] },
    ]);
  });

  it('answers a line it cannot read with an error naming the line, and goes on', async () => {
    const { out, bad } = await run(['{broken', JSON.stringify({ message: 'no test field' }), JSON.stringify({ test: 'ok', message: 'Error: boom' })]);
    expect(bad).toBe(2);
    expect(out[0]).toEqual({ error: expect.stringMatching(/^line 1: not JSON/) });
    expect(out[1]).toEqual({ error: 'line 2: test: Invalid input: expected string, received undefined' });
    expect(out[2]).toMatchObject({ category: 'unknown', signature: 'unknown: Error: boom' });
  });
});
