// The output-language layer (lib/core/lang): the last line of defence behind every field's grammar.
// GIVEN a value no consumer reads literally THEN the writer refuses it as an internal error (a bug of
// identity-ha, never a config that says something else); its accepted neighbour is written as is,
// or quoted so that the consumer reads back exactly the value.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describe, it } from 'node:test';
import { as3Name, tmshWord } from '../../../lib/core/lang/as3';
import { haproxyComment, haproxySingleQuoted, haproxyWord } from '../../../lib/core/lang/haproxy';
import { httpdComment, httpdQuoted, httpdWord } from '../../../lib/core/lang/httpd';
import { jkComment, jkMountPath, jkName, jkValue } from '../../../lib/core/lang/mod-jk';
import { mermaidId, mermaidLabel } from '../../../lib/core/lang/mermaid';
import { psArg } from '../../../lib/core/lang/powershell';
import { systemdComment, systemdExec, systemdText, systemdWord } from '../../../lib/core/lang/systemd';

const HOSTILE = ["'", '"', '`', ';', '$(id)', '${X}', '#', '\\', 'a b', 'a\nb', 'a\u0000b', 'a\u202Eb', 'a\u2028b'];

/** One writer: the values it must refuse, each beside an accepted neighbour and what it writes for it. */
const MATRIX: Array<[string, (s: string) => string, string[], Array<[string, string]>]> = [
  [
    'haproxyWord',
    haproxyWord,
    [...HOSTILE.filter((x) => x !== '`' && x !== ';'), '{', '}', 'é', ''],
    [
      ['10.0.0.1:5050', '10.0.0.1:5050'],
      ['/identity/health', '/identity/health'],
    ],
  ],
  ['haproxySingleQuoted', haproxySingleQuoted, ["a'b", 'a\nb'], [['(^|/)x', "'(^|/)x'"]]],
  ['haproxyComment', haproxyComment, ['a\nbind :80', 'a\rb', 'a\u202Eb'], [['idm: HAProxy', '# idm: HAProxy']]],
  [
    'httpdQuoted',
    httpdQuoted,
    ['"', '\\', '${X}', '<Location>', 'a\nb', 'é'],
    [
      ['/etc/apache2/x.conf', '"/etc/apache2/x.conf"'],
      ['a b', '"a b"'],
    ],
  ],
  ['httpdWord', httpdWord, ['a b', '', '"', '${X}'], [['route=tc_1', 'route=tc_1']]],
  ['httpdComment', httpdComment, ['a\nInclude /etc/passwd'], [['x: y', '# x: y']]],
  ['jkName', jkName, ['a,b', 'a$(b)', 'a b', 'a#', 'a'.repeat(65), ''], [['node__tomcat1', 'node__tomcat1']]],
  [
    'jkValue',
    jkValue,
    ['a\\', 'a$(b)', 'a#b', 'a,b', ''],
    [
      ['10.0.5.11', '10.0.5.11'],
      ['fe80::1', 'fe80::1'],
    ],
  ],
  [
    'jkMountPath',
    jkMountPath,
    ['/a|b', '/a;b', '!/a', '/a*b', '/a b', '/$(x)'],
    [
      ['/identity', '/identity'],
      ['/identity/*', '/identity/*'],
    ],
  ],
  ['jkComment', jkComment, ['a\nworker.list=x'], [['x', '# x']]],
  [
    'systemdWord',
    systemdWord,
    ['', 'a\nb', 'a\u0000b'],
    [
      ['--bind', '--bind'],
      ['a b', '"a b"'],
      ['50%', '"50%%"'],
      ['$HOME', '"$$HOME"'],
      ['a"b\\c', '"a\\"b\\\\c"'],
    ],
  ],
  ['systemdText', systemdText, ['a\nExecStart=/bin/sh'], [['idha 100%', 'idha 100%%']]],
  ['systemdComment', systemdComment, ['a\n[Service]'], [['x', '# x']]],
  ['as3Name', as3Name, ['1a', 'a b', 'a/b', 'a-', '', 'a'.repeat(191)], [['idm_web_vs', 'idm_web_vs']]],
  [
    'tmshWord',
    tmshWord,
    ['a b', 'a{', 'a"', 'a;', 'a#'],
    [
      ['idha_iq_pool', 'idha_iq_pool'],
      ['fe80::1.5050', 'fe80::1.5050'],
    ],
  ],
  ['mermaidId', mermaidId, ['1a', 'a-b', 'a b', ''], [['s0', 's0']]],
  [
    'psArg',
    psArg,
    [],
    [
      ['5050', '5050'],
      ['http://10.0.0.1:9090/healthz', 'http://10.0.0.1:9090/healthz'],
      ['-x', "'-x'"],
      ["a'b", "'a''b'"],
      ['$x', "'$x'"],
    ],
  ],
];

describe('the output-language writers', () => {
  for (const [name, write, refused, accepted] of MATRIX) {
    it(
      `${name}: GIVEN ${refused.length} values its language would read otherwise THEN each is refused as an internal error; GIVEN its ` +
        `neighbours THEN each is written as expected`,
      () => {
        for (const v of refused)
          assert.throws(() => write(v), /internal error: .* cannot be written as/s, `${name}(${JSON.stringify(v)}) must be refused`);
        for (const [v, out] of accepted) assert.equal(write(v), out);
      },
    );
  }

  it('mermaidLabel: GIVEN a label with a quote, #, < > & and a newline THEN each is an entity and the label stays one quoted string', () => {
    assert.equal(mermaidLabel('a"b#c<d>&e\nf', '2 servers'), '"a#34;b#35;c#60;d#62;#38;e#10;f<br/>2 servers"');
  });

  it('systemdExec: GIVEN an argument vector THEN each word is quoted alone, and systemd-analyze verify accepts the unit', () => {
    const line = systemdExec(['/usr/bin/env', 'idha', 'shim', '--note', 'a b 50% $HOME "q"']);
    assert.equal(line, '/usr/bin/env idha shim --note "a b 50%% $$HOME \\"q\\""');
    const have = spawnSync('sh', ['-c', 'command -v systemd-analyze']).status === 0;
    assert.ok(have, 'systemd-analyze is missing (.ci/run installs systemd)');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'idha-unit-'));
    try {
      const unit = path.join(dir, 'idha-x.service');
      fs.writeFileSync(
        unit,
        ['[Unit]', `Description=${systemdText('x 100%')}`, '[Service]', `ExecStart=${systemdExec(['/bin/true', 'a b', '50%', '$HOME'])}`, ''].join(
          '\n',
        ),
      );
      const r = spawnSync('systemd-analyze', ['verify', unit], { encoding: 'utf8' });
      assert.doesNotMatch(r.stderr, /idha-x\.service:\d+|Failed|Invalid|Unknown/, r.stderr);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
