/** docs/lint.md's rule catalogue is generated from the rules' metadata: it cannot go stale. */
import { strict as assert } from 'node:assert';
import * as fs from 'fs';
import * as path from 'path';
import { describe, it } from 'node:test';
import { CATALOGUE_BEGIN, CATALOGUE_END, renderCatalogue } from '../../../lib/lint/catalogue';
import { RULES } from '../../../lib/lint/packs';
import { REPO } from '../../helpers';

describe('docs/lint.md', () => {
  it('GIVEN the rules THEN the committed catalogue is what they generate (npm run docs), with a section for every rule', () => {
    const doc = fs.readFileSync(path.join(REPO, 'docs', 'lint.md'), 'utf8');
    const start = doc.indexOf(CATALOGUE_BEGIN);
    const end = doc.indexOf(CATALOGUE_END);
    assert.ok(start > 0 && end > start, 'the catalogue markers');
    assert.equal(doc.slice(start, end + CATALOGUE_END.length + 1), renderCatalogue(), 'docs/lint.md is stale: run npm run docs');
    for (const r of RULES) assert.ok(doc.includes(`\n#### ${r.id}\n`), r.id);
    // The drift check is not blind: a changed title is caught.
    assert.notEqual(renderCatalogue().replace(RULES[1].title, 'changed'), renderCatalogue());
  });
});
