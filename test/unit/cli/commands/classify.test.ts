import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { classifyStream } from '../../../../cli/commands/classify.js';
import { ruleSet } from '../../../../shared/analysis/classify.js';

async function run(text: string, rules = ruleSet()): Promise<{ out: unknown[]; bad: number }> {
  const input = new PassThrough();
  const output = new PassThrough();
  let written = '';
  output.on('data', (c) => (written += c));
  const done = classifyStream(input, output, rules);
  input.end(text);
  const bad = await done;
  return { out: written.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)), bad };
}

describe('tdl classify (stream)', () => {
  it.each([
    ['a pytest 503', { runner: 'pytest', test: 't1', message: 'AssertionError: assert 503 == 201', details: 'E       assert 503 == 201' }, { category: 'deployment', confidence: 0.85, signature: 'deployment: assert 503', evidence: ['assert 503 == 201'] }],
    ['a Go timeout', { runner: 'go', test: 'TestX', message: 'panic: test timed out after 10m0s' }, { category: 'timeout', confidence: 0.85, signature: 'timeout: panic: test timed out', evidence: ['panic: test timed out after 10m0s'] }],
    ['a refused handshake', { runner: 'jest', test: 'ws', message: 'Error: Unexpected server response: 403' }, { category: 'auth', confidence: 0.9, signature: 'auth: Unexpected server response: 403', evidence: ['Error: Unexpected server response: 403'] }],
  ])('%s: one line out, with exactly category, confidence, signature and evidence', async (_name, line, expected) => {
    expect(await run(`${JSON.stringify(line)}\n`)).toEqual({ out: [expected], bad: 0 });
  });

  it('answers a line it cannot read with an error naming the line, and goes on in order', async () => {
    const { out, bad } = await run(['{broken', JSON.stringify({ message: 'no test field' }), '', JSON.stringify({ test: 'ok', message: 'Error: boom' })].join('\r\n'));
    expect(bad).toBe(2);
    expect(out).toEqual([
      { error: expect.stringMatching(/^line 1: not JSON/) },
      { error: 'line 2: test: Invalid input: expected string, received undefined' },
      { category: 'unknown', confidence: 0.3, signature: 'unknown: Error: boom', evidence: ['Error: boom'] },
    ]);
  });

  it("uses the rules it is given before the built-in ones", async () => {
    const rules = ruleSet([{ category: 'network', pattern: 'flux capacitor', confidence: 0.7, why: 'ours' }]);
    const { out } = await run(JSON.stringify({ test: 't', message: 'expected 200 but got 503: flux capacitor offline' }), rules);
    expect(out[0]).toMatchObject({ category: 'network', confidence: 0.7 });
  });
});
