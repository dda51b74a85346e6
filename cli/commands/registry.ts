import type { Command } from '../command.js';

/**
 * The commands `tdl` knows: name and one-line summary here, the command itself in its own
 * module, imported only when that command runs. `tdl --help` and an unknown name load none of
 * them, and `tdl results` does not pay for the Google clients that `tdl local` needs (importing
 * every command eagerly took 6.6 s and 99 MB on a loaded machine, issue 18).
 */
export interface CommandEntry {
  name: string;
  /** One line for `tdl help`. */
  summary: string;
  load(): Promise<Command>;
}

export const COMMANDS: readonly CommandEntry[] = [
  { name: 'local', summary: 'run a whole loop locally on the emulators', load: async () => (await import('./local.js')).localCommand },
  { name: 'status', summary: 'show the loops, their status, cycle, phase, pass rate and next action', load: async () => (await import('./status.js')).statusCommand },
  { name: 'report', summary: 'print or write the loop report or a cycle report (Markdown)', load: async () => (await import('./report.js')).reportCommand },
  { name: 'watch', summary: 'follow loop events live until the loop ends', load: async () => (await import('./watch.js')).watchCommand },
  { name: 'ui', summary: 'serve the dashboard: loops, cycles, pass-rate chart, failures, live progress', load: async () => (await import('./ui.js')).uiCommand },
  { name: 'rerun', summary: 're-run a loop by hand: deploy again (--redeploy) or test again (--retest)', load: async () => (await import('./rerun.js')).rerunCommand },
  { name: 'cancel', summary: 'cancel a loop: its running cycle ends, nothing more is deployed', load: async () => (await import('./rerun.js')).cancelCommand },
  { name: 'evaluate', summary: 're-judge the stored cycles of a loop under other criteria', load: async () => (await import('./evaluate.js')).evaluateCommand },
  { name: 'register', summary: 'create or update a loop from its config (needed before the first push in the cloud)', load: async () => (await import('./register.js')).registerCommand },
  { name: 'classify', summary: 'classify failures read as JSON lines on stdin (category, confidence, signature, evidence)', load: async () => (await import('./classify.js')).classifyCommand },
  { name: 'label', summary: "store a person's verdict on a failure cluster; later failures like it take it", load: async () => (await import('./label.js')).labelCommand },
  { name: 'rules', summary: "print people's labels as classification rules for the loop config (rules export)", load: async () => (await import('./rules.js')).rulesCommand },
  { name: 'results', summary: 'read result files (JUnit XML, pytest-json-report) and print their summary', load: async () => (await import('./results.js')).resultsCommand },
  { name: 'job', summary: 'run the suite as the test job and report its results into the cycle', load: async () => (await import('./job.js')).jobCommand },
  { name: 'emulators', summary: 'start the emulators around a command (npm test uses it), or until Ctrl-C', load: async () => (await import('./emulators.js')).emulatorsCommand },
];
