#!/usr/bin/env node
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
