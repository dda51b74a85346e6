import { parseArgs } from 'node:util';
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { startChaosEmulators } from './emulators.js';
import { runMain } from '../../shared/process/process-group.js';
import { SCENARIOS, type ScenarioResult } from './scenarios.js';

const USAGE = `Usage: npm run chaos -- [--quick] [--only NAME,...] [--scale N] [--json] [--logs DIR]

Runs fault, load and bad-input scenarios against the real emulators and functions-framework
servers and prints, per scenario: loops, cycles completed, lost, doubled, stuck, bad inputs
tried and rejected with a clear error. --quick runs the scenarios CI runs; --json prints the
table as a JSON array on the last line; --logs DIR keeps every function's log lines there (one
file per scenario) and the emulators' output. Exit 1 when anything was lost, doubled or stuck, or a
bad input was not rejected. It starts emulators of its own, since scenarios restart them:
run it without PUBSUB_EMULATOR_HOST and FIRESTORE_EMULATOR_HOST set.

Scenarios: ${SCENARIOS.map((s) => `${s.name}${s.quick ? '' : ' (long)'}`).join(', ')}`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      scale: { type: 'string', default: '1' },
      json: { type: 'boolean', default: false },
      logs: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const only = values.only?.split(',').map((s) => s.trim());
  const chosen = SCENARIOS.filter((s) => (only ? only.includes(s.name) : !values.quick || s.quick));
  if (chosen.length === 0) {
    process.stderr.write(`no scenario matches ${values.only}\n${USAGE}\n`);
    return 2;
  }
  const say = (line: string) => process.stderr.write(`chaos: ${line}\n`);
  if (process.env.PUBSUB_EMULATOR_HOST || process.env.FIRESTORE_EMULATOR_HOST) {
    // Its clients must reach Firestore through its own gate, and the Firestore client obeys the variable first.
    process.stderr.write(`chaos runs on emulators of its own (scenarios restart them): unset PUBSUB_EMULATOR_HOST and FIRESTORE_EMULATOR_HOST\n`);
    return 2;
  }
  if (values.logs) {
    await mkdir(values.logs, { recursive: true });
    process.env.TDL_CHAOS_LOG_DIR = path.resolve(values.logs);
  }
  const emulators = await startChaosEmulators(say);
  const results: ScenarioResult[] = [];
  try {
    for (const scenario of chosen) {
      say(`${scenario.name}: running`);
      const started = Date.now();
      const r: ScenarioResult = await scenario.run(emulators, Math.max(1, Number(values.scale) || 1)).catch((error: Error) => ({
        // The harness itself failed: nothing was judged, so nothing may pass as judged.
        scenario: scenario.name,
        loops: 0,
        completed: 0,
        lost: 0,
        doubled: 0,
        stuck: 1,
        badInputs: 0,
        rejected: 0,
        seconds: (Date.now() - started) / 1000,
        problems: [`the scenario could not run: ${error.stack ?? error.message}`],
      }));
      results.push(r);
      say(`${scenario.name}: ${r.completed} cycles completed, ${r.lost} lost, ${r.doubled} doubled, ${r.stuck} stuck, ${r.rejected}/${r.badInputs} bad inputs rejected in ${r.seconds.toFixed(1)} s`);
      for (const p of r.problems.slice(0, 10)) say(`  ${p}`);
    }
  } finally {
    if (values.logs && emulators.logPath) await copyFile(emulators.logPath, path.join(values.logs, 'emulators.log')).catch(() => undefined);
    await emulators.stop();
  }
  const header = ['scenario', 'loops', 'completed', 'lost', 'doubled', 'stuck', 'badInputs', 'rejected', 'seconds'];
  const rows = results.map((r) => [r.scenario, r.loops, r.completed, r.lost, r.doubled, r.stuck, r.badInputs, r.rejected, r.seconds.toFixed(1)].map(String));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const table = [line(header), ...rows.map(line)].join('\n');
  const out = values.json ? process.stderr : process.stdout;
  out.write(`\n${table}\n`);
  if (values.json) {
    process.stdout.write(`${JSON.stringify(results.map(({ problems: _p, seconds: _s, ...r }) => r))}\n`);
  }
  const bad = results.some((r) => r.lost || r.doubled || r.stuck || r.rejected < r.badInputs);
  return bad ? 1 : 0;
}

runMain('chaos', main);
