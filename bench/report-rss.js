// Preloaded with --require: writes this process's peak RSS (KiB) and wall time to $IDHA_BENCH_REPORT at exit.
'use strict';
const fs = require('fs');
const start = process.hrtime.bigint();
process.on('exit', () => {
  const file = process.env.IDHA_BENCH_REPORT;
  if (!file) return;
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  fs.writeFileSync(file, JSON.stringify({ maxRssKiB: process.resourceUsage().maxRSS, inProcessMs: ms }));
});
