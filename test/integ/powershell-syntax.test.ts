import { strict as assert } from 'node:assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describe, it } from 'node:test';
import { REPO, runIdha } from '../helpers';
import { parseErrors } from '../pwsh';

/*
 * Every PowerShell script identity-ha ships or writes is parsed by PowerShell itself (7.6, the .NET
 * tool that .ci/run installs): [System.Management.Automation.Language.Parser]::ParseInput, 0 errors.
 * A parse error stops a whole script before its first line runs, so this is the first check any
 * script must pass. What the scripts do is checked under Pester (test/powershell/*.Tests.ps1).
 */

let scratch = 0;
/** Each syntax error of `source` as `line:column id: message`, or [] when it parses. */
function syntaxErrors(source: string): string[] {
  const f = path.join(os.tmpdir(), `idha-ps-${process.pid}-${scratch++}.ps1`);
  fs.writeFileSync(f, source);
  try {
    return parseErrors([f]).get(f)!;
  } finally {
    fs.rmSync(f, { force: true });
  }
}

/** The parse errors of many files in one pwsh run, each file's beside its name relative to `root`. */
function allErrors(files: string[], root: string): Record<string, string[]> {
  const m = parseErrors(files);
  return Object.fromEntries(files.map((f) => [path.relative(root, f), m.get(f)!]).filter(([, e]) => (e as string[]).length > 0));
}

function filesUnder(dir: string, suffix: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith(suffix))
    .map((f) => path.join(dir, f))
    .sort();
}

describe("PowerShell that identity-ha ships and writes parses (PowerShell 7.6's own parser)", () => {
  it(
    'GIVEN a script with an unclosed block, a stray quote, an unterminated here-string or $n: in a string (the WSFC bug) THEN errors; GIVEN ' +
      'the fixed script THEN none',
    () => {
      // The negative neighbours: the check can fail, also on what tree-sitter's grammar accepted.
      assert.notDeepEqual(syntaxErrors('if ($x { Write-Host "a" }\n'), []);
      assert.notDeepEqual(syntaxErrors('Write-Host "a\n$y = 1\n'), []);
      assert.notDeepEqual(syntaxErrors("$s = @'\nno end\n"), []);
      assert.match(syntaxErrors('$n = 1\nthrow "not installed on $n: install it"\n').join(), /InvalidVariableReferenceWithDrive/);
      assert.deepEqual(syntaxErrors('$n = 1\nthrow "not installed on ${n}: install it"\n'), []);
      assert.deepEqual(syntaxErrors('if ($x) { Write-Host "a" }\n'), []);
      assert.deepEqual(syntaxErrors("$s = @'\nend\n'@\n"), []);
    },
  );

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

  it('GIVEN idha synth of every bundled example THEN every .ps1 and every install-command.txt it writes parses', () => {
    // session-failover.yaml is for idha peers.
    const examples = fs.readdirSync(path.join(REPO, 'examples')).filter((f) => f.endsWith('.yaml') && f !== 'session-failover.yaml');
    assert.ok(examples.length >= 7, examples.join());
    const files: string[] = [];
    const outs = examples.map((e) => synth(e));
    for (const out of outs) files.push(...filesUnder(out, '.ps1'), ...filesUnder(out, 'install-command.txt'));
    assert.ok(files.some((f) => f.endsWith('wsfc.ps1')) && files.some((f) => f.endsWith('install-command.txt')), files.join('\n'));
    assert.deepEqual(allErrors(files, os.tmpdir()), {});
  });

  it(
    'GIVEN the cluster matrix (WSFC with each check kind, preemption on and off, two service ports, a service name with a space and ' +
      'parentheses) and the host-kit matrix (each strategy, mode and address family) THEN every script and install line parses',
    () => {
      const out = fs.mkdtempSync(path.join(os.tmpdir(), 'idha-psm-'));
      const checks = ['{ kind: listening }', '{ kind: http, url: "http://{address}:8080/identity/?a=1&b=2" }', '{ kind: listening, port: 8009 }'];
      const files: string[] = [];
      checks.forEach((check, i) =>
        ['on', 'off'].forEach((preemption) => {
          const dir = path.join(out, `c${i}-${preemption}`);
          const yaml = [
            'version: 1',
            'name: m',
            'clusters:',
            `  - name: idm-${i}`,
            '    nodes: [{ name: "web-1", address: 10.0.4.11 }, { name: "web-2", address: 10.0.4.12 }]',
            '    servicePorts: [8080, 8009]',
            '    virtualIp: 10.0.4.10',
            '    prefixLength: 24',
            `    preemption: ${preemption}`,
            `    healthCheck: ${check}`,
            '    targets:',
            `      wsfc: { networkName: idm-${i}, serviceName: "Tomcat 10 (idm)", clusterName: idm-cl, clusterAddress: 10.0.4.5 }`,
            '',
          ].join('\n');
          fs.writeFileSync(`${dir}.yaml`, yaml);
          const r = runIdha(['synth', '--config', `${dir}.yaml`, '--out', dir]);
          assert.equal(r.status, 0, r.stderr);
          files.push(...filesUnder(dir, '.ps1'));
        }),
      );
      // The host kit: every target of the example (Azure, AWS, F5, HAProxy), HAProxy alone on IPv4, IPv6 and a DNS-named host, and DNS failover.
      const haproxyOnly = (a: string, b: string, clients = '10.20.0.0/24', bind = '10.0.0.60') =>
        [
          'version: 1',
          'name: k',
          'services:',
          '  - name: iq',
          `    primary: { address: "${a}", iqserviceVersion: "8.4p2" }`,
          `    secondary: { address: "${b}", iqserviceVersion: "8.4p2" }`,
          '    port: 5050',
          `    allowedClients: ["${clients}"]`,
          '    targets:',
          `      haproxy: { bindAddress: "${bind}" }`,
          '',
        ].join('\n');
      const kits: Array<[string, string]> = [
        ...['iqservice-pair.yaml', 'iqservice-dns.yaml', 'failover-cluster-cloud.yaml'].map((ex): [string, string] => [
          ex,
          fs.readFileSync(path.join(REPO, 'examples', ex), 'utf8'),
        ]),
        ['haproxy-v4', haproxyOnly('10.0.1.10', '10.0.2.10')],
        ['haproxy-v6', haproxyOnly('fd00:1::10', 'fd00:2::10', 'fd00:20::/64', 'fd00::60')],
        ['haproxy-named', haproxyOnly('iq-1.corp.example', 'iq-2.corp.example')],
      ];
      for (const [k, text] of kits) {
        const dir = path.join(out, k);
        fs.writeFileSync(`${dir}.yaml`, text);
        const r = runIdha(['synth', '--config', `${dir}.yaml`, '--out', dir]);
        assert.equal(r.status, 0, `${k}: ${r.stderr}`);
        const found = filesUnder(dir, 'install-command.txt');
        assert.ok(found.length >= 2, `${k}: ${found.length} install commands`);
        files.push(...found);
      }
      assert.ok(files.length >= 12, `${files.length} files`);
      assert.deepEqual(allErrors(files, out), {});
      fs.rmSync(out, { recursive: true, force: true });
    },
  );

  for (const example of ['iqservice-pair.yaml', 'iqservice-dns.yaml', 'failover-cluster-cloud.yaml']) {
    it(
      `GIVEN idha synth of ${example} THEN each host's install-command.txt parses as PowerShell, is one .\\install.ps1 line, and names only ` +
        `parameters install.ps1 declares`,
      () => {
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
      },
    );
  }
});
