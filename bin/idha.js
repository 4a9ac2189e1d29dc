#!/usr/bin/env node
'use strict';
require('../dist/bin/cli').main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
