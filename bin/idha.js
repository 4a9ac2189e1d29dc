#!/usr/bin/env node
'use strict';
// A reader that stops early (`idha synth | head -3`) closes the pipe: stop quietly, as other tools do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}
require('../dist/bin/cli').main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
