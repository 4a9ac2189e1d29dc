import { strict as assert } from 'node:assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { before, describe, it } from 'node:test';
import { REPO, runIdha } from './helpers';

/*
 * PowerShell itself is not installable on this machine (Debian has no package and the npm `pwsh`
 * package downloads from GitHub at install time), so no script here is run. What is checked is
 * that every PowerShell script identity-ha ships or writes parses under the tree-sitter PowerShell
 * grammar, run from its WebAssembly build: an unclosed brace, a stray quote or a broken here-string
 * fails here. Whether a cmdlet behaves as the script expects is not checked.
 */

// web-tree-sitter is ESM-first but ships a CommonJS build; loaded lazily so the other suites never pay for it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Parser, Language } = require('web-tree-sitter') as typeof import('web-tree-sitter');

let parser: InstanceType<typeof Parser>;
before(async () => {
  await Parser.init();
  const lang = await Language.load(require.resolve('tree-sitter-powershell/tree-sitter-powershell.wasm'));
  parser = new Parser();
  parser.setLanguage(lang);
});

/** Each syntax error as `line:column text`, or [] when the script parses. */
function syntaxErrors(source: string): string[] {
  const tree = parser.parse(source);
  assert.ok(tree, 'the parser returned a tree');
  const errors: string[] = [];
  const walk = (n: NonNullable<typeof tree>['rootNode']): void => {
    if (n.type === 'ERROR' || n.isMissing) errors.push(`${n.startPosition.row + 1}:${n.startPosition.column + 1} ${n.isMissing ? `missing ${n.type}` : JSON.stringify(n.text.slice(0, 80))}`);
    for (const c of n.children) if (c) walk(c);
  };
  walk(tree.rootNode);
  return errors;
}

function filesUnder(dir: string, suffix: string): string[] {
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith(suffix)).map((f) => path.join(dir, f)).sort();
}

describe('PowerShell that identity-ha ships and writes parses (tree-sitter PowerShell grammar)', () => {
  it('GIVEN a script with an unclosed block, a stray quote or an unterminated here-string THEN errors; GIVEN the fixed script THEN none', () => {
    // The negative neighbours: the check can fail.
    assert.notDeepEqual(syntaxErrors('if ($x { Write-Host "a" }\n'), []);
    assert.notDeepEqual(syntaxErrors('Write-Host "a\n$y = 1\n'), []);
    assert.notDeepEqual(syntaxErrors("$s = @'\nno end\n"), []);
    assert.deepEqual(syntaxErrors('if ($x) { Write-Host "a" }\n'), []);
    assert.deepEqual(syntaxErrors("$s = @'\nend\n'@\n"), []);
  });

  for (const name of ['install.ps1', 'uninstall.ps1']) {
    it(`GIVEN windows/${name} (in the host kit's zip) THEN it parses; GIVEN it without its last block's closing brace THEN it does not`, () => {
      const s = fs.readFileSync(path.join(REPO, 'windows', name), 'utf8');
      assert.deepEqual(syntaxErrors(s), []);
      const i = s.lastIndexOf('\n}');
      assert.ok(i > 0, 'the script has a block');
      assert.notDeepEqual(syntaxErrors(s.slice(0, i + 1) + s.slice(i + 2)), []);
    });
  }

  /** The parameter names install.ps1 declares in its param() block. */
  function installParameters(): Set<string> {
    const s = fs.readFileSync(path.join(REPO, 'windows', 'install.ps1'), 'utf8');
    const block = s.slice(s.indexOf('\nparam(') + 1, s.indexOf('\n)\n'));
    return new Set([...block.matchAll(/\]\$([A-Za-z]+)/g)].map((m) => m[1]));
  }

  function synth(example: string): string {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'idha-ps-'));
    const r = runIdha(['synth', '--config', path.join(REPO, 'examples', example), '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    return out;
  }

  it('GIVEN idha synth of the WSFC example THEN every .ps1 it writes parses', () => {
    const out = synth('failover-cluster-pacemaker-wsfc.yaml');
    const scripts = filesUnder(out, '.ps1');
    assert.ok(scripts.length > 0, 'the synth wrote PowerShell');
    for (const f of scripts) assert.deepEqual(syntaxErrors(fs.readFileSync(f, 'utf8')), [], path.relative(out, f));
  });

  for (const example of ['iqservice-pair.yaml', 'iqservice-dns.yaml', 'failover-cluster-cloud.yaml']) {
    it(`GIVEN idha synth of ${example} THEN each host's install-command.txt parses as PowerShell, is one .\\install.ps1 line, and names only parameters install.ps1 declares`, () => {
      const out = synth(example);
      const files = filesUnder(out, 'install-command.txt');
      assert.ok(files.length > 0, 'the host plan wrote install commands');
      const declared = installParameters();
      assert.ok(declared.has('Role') && declared.has('ProbeSources'), [...declared].join(' '));
      for (const f of files) {
        const text = fs.readFileSync(f, 'utf8');
        assert.deepEqual(syntaxErrors(text), [], path.relative(out, f));
        const commands = text.split(/\r?\n/).filter((l) => l && !l.startsWith('#'));
        assert.equal(commands.length, 1, text);
        assert.match(commands[0], /^\.\\install\.ps1 /);
        const used = [...commands[0].replace(/'[^']*'/g, "''").matchAll(/ -([A-Za-z]+)/g)].map((m) => m[1]);
        for (const u of used) assert.ok(declared.has(u), `-${u} in ${path.relative(out, f)} is not a parameter of install.ps1`);
        // The neighbour: a name install.ps1 does not declare is caught by the same test.
        assert.equal(declared.has('ProbeSource'), false);
      }
    });
  }
});
