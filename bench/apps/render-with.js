// Renders a topology with the build in argv[2] (dist/ for cdktf, cdktn/dist/ for CDK Terrain), as
// `idha synth` does in its worker, into argv[4]: the framework comparison in bench/synth.js.
'use strict';
const fs = require('fs');
const path = require('path');
const [dist, config, out] = process.argv.slice(2);
const { loadTopologyFile } = require(path.resolve(dist, 'lib', 'topology', 'topology.js'));
const { renderTopology } = require(path.resolve(dist, 'lib', 'synth', 'synthesize.js'));
fs.mkdirSync(out, { recursive: true });
renderTopology(loadTopologyFile(config), { stagingDir: out, outDir: `${out}-final` });
