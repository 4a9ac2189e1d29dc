// What the PowerShell scripts do, under Pester 6 in PowerShell 7.6 (both installed by .ci/run), with
// every Windows-only cmdlet and external program mocked: wsfc.ps1 against a fake cluster, install.ps1
// and uninstall.ps1 against stand-in services, firewall and nssm. Each Pester file is a specification
// of its own (test/powershell/*.Tests.ps1); this runs it with the scripts identity-ha writes and fails
// on any failed or missing Pester test.
import { strict as assert } from 'node:assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { after, describe, it } from 'node:test';
import { REPO, runIdha } from '../helpers';
import { runPester } from '../pwsh';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'idha-pester-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** The wsfc.ps1 that idha synth writes for one cluster. */
function wsfcScript(
  name: string,
  c: { nodes: Array<[string, string]>; vip: string; service: string; preemption: string; clusterAddress?: string },
): string {
  const yaml = [
    'version: 1',
    'name: t',
    'clusters:',
    '  - name: idm',
    `    nodes: [${c.nodes.map(([n, a]) => `{ name: ${n}, address: ${a} }`).join(', ')}]`,
    '    servicePorts: [8080]',
    `    virtualIp: ${c.vip}`,
    '    prefixLength: 24',
    `    preemption: ${c.preemption}`,
    '    healthCheck: { kind: listening }',
    `    targets: { wsfc: { clusterName: idm-cl, networkName: idm-web, serviceName: ${c.service}${
      c.clusterAddress ? `, clusterAddress: ${c.clusterAddress}` : ''
    } } }`,
    '',
  ].join('\n');
  const f = path.join(tmp, `${name}.yaml`);
  fs.writeFileSync(f, yaml);
  const r = runIdha(['synth', '--config', f, '--out', path.join(tmp, name)]);
  assert.equal(r.status, 0, r.stderr);
  const script = path.join(tmp, name, 'snippets', 'idm', 'wsfc', 'wsfc.ps1');
  assert.ok(fs.existsSync(script), script);
  return script;
}

function expectPester(file: string, data: Record<string, string>, atLeast: number): void {
  const r = runPester(path.join(REPO, 'test', 'powershell', file), data);
  assert.equal(r.failed, 0, r.output.slice(-6000));
  assert.ok(r.passed >= atLeast, `${r.passed} Pester tests passed, expected ${atLeast}: ${r.output.slice(-3000)}`);
}

describe('PowerShell behaviour under Pester (real PowerShell 7.6, Windows cmdlets mocked)', { timeout: 600_000 }, () => {
  it(
    'wsfc.ps1: GIVEN no cluster THEN each cmdlet with its parameters; GIVEN a second run THEN nothing changes; GIVEN a changed topology ' +
      'THEN it converges; GIVEN a node without a service or no clusterAddress THEN it stops before changing anything',
    () => {
      const first = wsfcScript('first', {
        nodes: [
          ['web-1', '10.0.4.11'],
          ['web-2', '10.0.4.12'],
        ],
        vip: '10.0.4.10',
        service: 'Tomcat10',
        preemption: 'on',
        clusterAddress: '10.0.4.5',
      });
      const changed = wsfcScript('changed', {
        nodes: [
          ['web-2', '10.0.4.12'],
          ['web-1', '10.0.4.11'],
          ['web-3', '10.0.4.13'],
        ],
        vip: '10.0.4.20',
        service: 'Tomcat11',
        preemption: 'off',
        clusterAddress: '10.0.4.5',
      });
      const noAddress = wsfcScript('no-address', {
        nodes: [
          ['web-1', '10.0.4.11'],
          ['web-2', '10.0.4.12'],
        ],
        vip: '10.0.4.10',
        service: 'Tomcat10',
        preemption: 'on',
      });
      expectPester('wsfc.Tests.ps1', { Script: first, Changed: changed, NoAddress: noAddress }, 6);
    },
  );

  it(
    'install.ps1 and uninstall.ps1: GIVEN a fresh host THEN nssm and firewall calls with their parameters; GIVEN a second run THEN the same ' +
      'end state; GIVEN other arguments THEN they converge; GIVEN not elevated or a name for an address THEN nothing is written; GIVEN the ' +
      "synthesized install line THEN it runs; GIVEN -RemoveFiles THEN only the kit's own files go",
    () => {
      const out = path.join(tmp, 'kit');
      const r = runIdha(['synth', '--config', path.join(REPO, 'examples', 'iqservice-pair.yaml'), '--out', out]);
      assert.equal(r.status, 0, r.stderr);
      const line = fs
        .readFileSync(path.join(out, 'snippets', 'iqservice', 'hosts', 'secondary-10.0.2.10', 'install-command.txt'), 'utf8')
        .split(/\r?\n/)
        .find((l) => l.startsWith('.\\install.ps1'))!;
      assert.ok(line, 'the host plan has an install line');
      const cs = path.join(tmp, 'kit-client-side');
      const rc = runIdha(['synth', '--config', path.join(REPO, 'examples', 'iqservice-client-side.yaml'), '--out', cs]);
      assert.equal(rc.status, 0, rc.stderr);
      const proxyLine = fs
        .readFileSync(path.join(cs, 'snippets', 'iqservice', 'clients', 'gateway-win', 'install-command.txt'), 'utf8')
        .split(/\r?\n/)
        .find((l) => l.startsWith('.\\install.ps1 -Role proxy'))!;
      assert.ok(proxyLine, 'the Windows client has an install line');
      expectPester('kit.Tests.ps1', { Windows: path.join(REPO, 'windows'), InstallLine: line, ProxyLine: proxyLine }, 14);
    },
  );
});
