#!/usr/bin/env node
// Writes the rule catalogue of docs/lint.md (between its markers) from the rules' metadata.
// Run by `npm run docs`; test/unit/lint/catalogue.test.ts fails when the committed file differs.
'use strict';
const fs = require('fs');
const path = require('path');
const { renderCatalogue, CATALOGUE_BEGIN, CATALOGUE_END } = require('../dist/lib/lint/catalogue');

const file = path.resolve(__dirname, '..', 'docs', 'lint.md');
const text = fs.readFileSync(file, 'utf8');
const start = text.indexOf(CATALOGUE_BEGIN);
const end = text.indexOf(CATALOGUE_END);
const head = start >= 0 ? text.slice(0, start) : text;
const tail = end >= 0 ? text.slice(end + CATALOGUE_END.length + 1) : '';
fs.writeFileSync(file, head + renderCatalogue() + tail);
