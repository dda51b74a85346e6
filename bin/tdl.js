#!/usr/bin/env node
import v8 from 'node:v8';

// `tdl results` lives a fraction of a second, most of it in code run for the first time:
// compiling every function to baseline code at once (V8's Sparkplug) took about a tenth off
// its CPU time on 10,000 and 100,000 cases (issue 18). Long-running commands keep V8's own tiering.
if (process.argv[2] === 'results') v8.setFlagsFromString('--always-sparkplug');

// The compiled CLI lives in dist/: `npm run build` (npm start and npm test build first).
import('../dist/cli/commands/main.js')
  .then((m) => m.main(process.argv.slice(2)))
  .then((code) => {
    process.exitCode = code;
  })
  .catch((error) => {
    if (error && error.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/cli/commands/main.js')) {
      console.error('tdl: the compiled CLI is missing; run `npm run build` first');
    } else {
      console.error(`tdl: ${error && error.stack ? error.stack : error}`);
    }
    process.exitCode = 2;
  });
