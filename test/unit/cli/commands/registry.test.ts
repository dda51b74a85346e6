import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../../../cli/commands/registry.js';
import { help } from '../../../../cli/commands/main.js';

/**
 * tdl loads only the command it runs (issue 18: importing every command took 6.6 s and 99 MB on
 * a loaded machine); the registry that lists them must still name each one's real module.
 */
describe('the command registry', () => {
  it('each entry loads the command of its name, with its usage', async () => {
    for (const entry of COMMANDS) {
      const command = await entry.load();
      expect(command.name, `registry entry ${entry.name}`).toBe(entry.name);
      expect(command.usage, `${entry.name}'s usage`).toMatch(new RegExp(`^(Usage: | +)tdl ${entry.name}\\b`, 'm'));
    }
  }, 60_000);

  it('tdl --help lists every command with its summary, one line each', () => {
    const lines = help().split('\n');
    for (const entry of COMMANDS) expect(lines.some((l) => l.trim().startsWith(entry.name) && l.includes(entry.summary))).toBe(true);
    expect(new Set(COMMANDS.map((c) => c.name)).size).toBe(COMMANDS.length);
  });
});
