import { strict as assert } from 'node:assert';
import * as fs from 'fs';
import * as path from 'path';
import { describe, it } from 'node:test';
import { REPO } from '../helpers';

const read = (...p: string[]) => fs.readFileSync(path.join(REPO, ...p), 'utf8');

describe('generated reference docs cannot go stale', () => {
  for (const [committed, built] of [
    ['API.md', 'dist/docs/API.md'],
    ['docs/topology.md', 'dist/docs/topology.md'],
  ] as const) {
    it(`GIVEN the build THEN the committed ${committed} is exactly what it generates (else: npm run docs)`, () => {
      assert.ok(read(committed) === read(built), `${committed} differs from the build's ${built}: run \`npm run docs\` and commit it`);
    });
  }

  it('THEN docs/topology.md has a row for every key of the schema, the targets.haproxy block among them, with defaults from the constructs', () => {
    const schema = JSON.parse(read('schema', 'topology.schema.json'));
    let keys = 0;
    const walk = (n: any) => {
      for (const [k, v] of Object.entries<any>(n?.properties ?? {})) {
        if (k !== '$schema') keys++;
        walk(v);
        walk(v.items);
      }
    };
    walk(schema);
    for (const d of Object.values(schema.definitions)) walk(d);
    const doc = read('docs', 'topology.md');
    assert.equal((doc.match(/^\| `[^`]+` \|/gm) ?? []).length, keys);
    assert.match(doc, /^\| `haproxy` \| haproxyTarget \|/m);
    assert.match(doc, /^## `haproxyTarget`/m);
    assert.match(doc, /^\| `rise` \| integer \| {2}\| 1 \| Good checks before a server is up again/m);
    assert.match(doc, /^\| `dampHalfLifeSeconds` \| number \| {2}\| 60 \|/m);
    // every key has a description
    assert.deepEqual(
      doc.split('\n').filter((l) => /^\| `/.test(l) && /\| *\|$/.test(l)),
      [],
    );
  });

  it('THEN API.md documents the facades and the target base for other languages', () => {
    const api = read('API.md');
    for (const name of ['Topology', 'Snippets', 'HaTargetBase', 'IqServiceHaPair', 'IHaTarget'])
      assert.match(api, new RegExp(`^### ${name} `, 'm'), name);
  });
});

describe('the docs by audience', () => {
  const pages = [
    ...fs
      .readdirSync(path.join(REPO, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .map((f) => path.join('docs', f)),
    ...fs.readdirSync(path.join(REPO, 'docs', 'platforms')).map((f) => path.join('docs', 'platforms', f)),
    'bench/README.md',
    'CONTRIBUTING.md',
  ];

  it(
    "THEN the TypeScript examples are where they are compiled: the README (jsii-rosetta, the assembly's readme) and examples/*.ts (tsc); no " +
      'page holds one',
    () => {
      assert.ok(pages.length >= 13, pages.join());
      assert.deepEqual(
        pages.filter((p) => /^```(ts|typescript)$/m.test(read(p))),
        [],
      );
      assert.match(read('README.md'), /^```ts$/m);
    },
  );

  it('THEN every page starts with its title and says whom it is for, and holds no section of another page twice', () => {
    const seen = new Map<string, string>();
    for (const p of pages.filter((x) => x !== 'docs/topology.md')) {
      const text = read(p);
      assert.match(text, /^# \S/, p);
      for (const h of text.match(/^## .*/gm) ?? []) {
        assert.ok(!seen.has(h) || seen.get(h) === p, `${h} in ${p} and ${seen.get(h)}`);
        seen.set(h, p);
      }
    }
  });
});
