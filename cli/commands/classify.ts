import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { z } from 'zod';
import { EXIT, type Command } from '../command.js';
import { parse } from '../args.js';
import { classifyFailure, ruleSet } from '../../shared/analysis/classify.js';
import type { Rule } from '../../shared/analysis/rules.js';
import { ClassificationRule, describeIssues } from '../../shared/config/loop-config.js';
import { ConfigError } from '../../shared/kernel/errors.js';

const usage = `Usage: tdl classify [--rules FILE] [--help] < failures.jsonl

Reads JSON lines on stdin, each {"runner", "test", "message", "details"}, and writes one JSON
line per input: {"category", "confidence", "signature", "evidence"}. A line that cannot be
read gives {"error": "line N: ..."} in its place.
  --rules FILE   extra rules (a JSON array of {"category","pattern","confidence","why"},
                 as in a loop config's classification.rules), tried before the built-in ones

Exit: 0 every line classified; 1 some line could not be read; 2 usage or a bad rules file.`;

const Input = z.object({
  runner: z.string().optional(),
  test: z.string(),
  message: z.string().optional(),
  details: z.string().optional(),
  output: z.string().optional(),
});

/** Classifies a stream of JSON lines; resolves with the number of lines that could not be read. */
export async function classifyStream(input: Readable, output: Writable, rules: Rule[]): Promise<number> {
  const lines = createInterface({ input, crlfDelay: Infinity });
  let n = 0;
  let bad = 0;
  for await (const line of lines) {
    n++;
    if (line.trim() === '') continue;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (error) {
      bad++;
      output.write(`${JSON.stringify({ error: `line ${n}: not JSON (${(error as Error).message})` })}\n`);
      continue;
    }
    const parsed = Input.safeParse(json);
    if (!parsed.success) {
      bad++;
      output.write(`${JSON.stringify({ error: `line ${n}: ${describeIssues(parsed.error)}` })}\n`);
      continue;
    }
    const { category, confidence, signature, evidence } = classifyFailure(parsed.data, rules);
    output.write(`${JSON.stringify({ category, confidence, signature, evidence })}\n`);
  }
  return bad;
}

export const classifyCommand: Command = {
  name: 'classify',
  usage,
  async run(argv) {
    const { values } = parse(argv, { rules: { type: 'string' }, help: { type: 'boolean', short: 'h' } });
    if (values.help) {
      process.stdout.write(`${usage}\n`);
      return EXIT.ok;
    }
    let extra: Rule[] = [];
    if (values.rules) {
      let raw: unknown;
      try {
        raw = JSON.parse(await readFile(values.rules, 'utf8'));
      } catch (error) {
        throw new ConfigError(`cannot read rules ${values.rules}: ${(error as Error).message}`);
      }
      const parsed = z.array(ClassificationRule).safeParse(raw);
      if (!parsed.success) throw new ConfigError(`${values.rules}: ${describeIssues(parsed.error)}`);
      extra = parsed.data;
    }
    const bad = await classifyStream(process.stdin, process.stdout, ruleSet(extra));
    return bad > 0 ? EXIT.notSucceeded : EXIT.ok;
  },
};
