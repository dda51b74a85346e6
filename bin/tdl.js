#!/usr/bin/env node
// No V8 flags are set here any more: --always-sparkplug for `tdl results` (issue 18) no longer
// paid for loading node:v8 once the reader did less per case (interleaved runs at 10,000 and
// 100,000 cases, same CPU time or less without it; see /work/notes/issue-18-ingest-fast.md).

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
