/**
 * Strategy client-side (the client-proxy target): a host plan per client host with the exact
 * `idha proxy` lines, a sandboxed unit or a WinSW service per listener, the estimates, and every
 * refused setting beside an accepted neighbour.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describe, it } from 'node:test';
import { TerraformStack, Testing } from 'cdktf';
import {
  ClientHostOs,
  ClientProxyTarget,
  ClientProxyTargetProps,
  ConnectionAction,
  HaproxyTarget,
  HaStrategy,
  IqServiceHaPair,
  IqServiceHaPairProps,
  ProbeKind,
} from '../../../lib/internal';
import { besideItsNeighbour, pairProps, problemsOf, REPO, runIdha } from '../../helpers';

const CLIENTS: ClientProxyTargetProps = {
  clients: [
    { name: 'iiq-a', address: '10.20.0.11' },
    { name: 'gw', address: '10.20.0.21', os: ClientHostOs.WINDOWS },
  ],
};

function clientSide(over: Partial<IqServiceHaPairProps> = {}, target: ClientProxyTargetProps = CLIENTS): IqServiceHaPairProps {
  return pairProps({ strategy: HaStrategy.CLIENT_SIDE, tlsPort: 5051, targets: [new ClientProxyTarget(target)], ...over });
}

function build(props: IqServiceHaPairProps): IqServiceHaPair {
  return new IqServiceHaPair(new TerraformStack(Testing.app(), 'test'), 'iqservice', props);
}

/** The words of the `idha proxy` line for one port in a Linux client's proxy-command.txt. */
function proxyLine(pair: IqServiceHaPair, client: string, port: number): string[] {
  const text = pair.snippets().find((s) => s.fileName === `clients/${client}/proxy-command.txt`)!.content;
  // The shell line, with the quotes a bracketed IPv6 address gets taken off.
  const line = text
    .split('\n')
    .map((l) => l.replace(/'/g, ''))
    .find((l) => l.startsWith('idha proxy --listen') && l.includes(`:${port} `))!;
  assert.ok(line, text);
  return line.split(' ');
}

const flag = (words: string[], f: string) => words[words.indexOf(f) + 1];

describe('client-proxy target (strategy client-side)', () => {
  const pair = build(clientSide());
  const files = pair.snippets().map((s) => s.fileName);

  it('THEN each client host gets its command lines and, per listener, a systemd unit (Linux) or a WinSW service (Windows)', () => {
    assert.deepEqual(files.sort(), [
      'clients/README.txt',
      'clients/gw/idha-proxy-iq-tls.xml',
      'clients/gw/idha-proxy-iq.xml',
      'clients/gw/install-command.txt',
      'clients/gw/proxy-command.txt',
      'clients/iiq-a/idha-proxy-iq-tls.service',
      'clients/iiq-a/idha-proxy-iq.service',
      'clients/iiq-a/proxy-command.txt',
    ]);
  });

  it("THEN the proxy listens on loopback at the service's port, prefers the primary and reads the primary's shim", () => {
    const w = proxyLine(pair, 'iiq-a', 5050);
    assert.equal(flag(w, '--listen'), '127.0.0.1:5050');
    assert.equal(flag(w, '--primary'), '10.0.1.10:5050');
    assert.equal(flag(w, '--secondary'), '10.0.2.10:5050');
    assert.equal(flag(w, '--primary-health'), 'http://10.0.1.10:15051/healthz');
    assert.equal(flag(w, '--stats-port'), '15055');
    assert.equal(flag(w, '--idle-timeout'), '1800', 'idleTimeoutMinutes 30 x 60');
    assert.equal(flag(w, '--connect-timeout'), '0.5');
    assert.equal(flag(w, '--mark-down-after'), '3');
    const tls = proxyLine(pair, 'iiq-a', 5051);
    assert.equal(flag(tls, '--listen'), '127.0.0.1:5051');
    assert.equal(flag(tls, '--primary'), '10.0.1.10:5051');
    assert.equal(flag(tls, '--stats-port'), '15056', 'the TLS listener takes the next stats port');
  });

  it('THEN the unit runs exactly the command line, sandboxed, with a stop timeout longer than the drain', () => {
    const unit = pair.snippets().find((s) => s.fileName === 'clients/iiq-a/idha-proxy-iq.service')!.content;
    const exec = unit.split('\n').find((l) => l.startsWith('ExecStart='))!;
    assert.equal(exec, `ExecStart=/usr/bin/env ${proxyLine(pair, 'iiq-a', 5050).join(' ')}`);
    for (const line of ['DynamicUser=yes', 'NoNewPrivileges=yes', 'ProtectSystem=strict', 'CapabilityBoundingSet=', 'TimeoutStopSec=10'])
      assert.ok(unit.split('\n').includes(line), line);
  });

  it('THEN the Windows client gets the same arguments through node and WinSW', () => {
    const xml = pair.snippets().find((s) => s.fileName === 'clients/gw/idha-proxy-iq.xml')!.content;
    const args = proxyLine(pair, 'iiq-a', 5050).slice(1).join(' ');
    assert.ok(xml.includes(`<arguments>"C:\\Program Files\\identity-ha\\bin\\idha.js" ${args}</arguments>`), xml);
    assert.match(xml, /<stoptimeout>10 sec<\/stoptimeout>/);
  });

  it("THEN the Windows client gets the host kit's install.ps1 line per listener, with the same arguments as a quoted verbatim string", () => {
    const kit = pair
      .snippets()
      .find((s) => s.fileName === 'clients/gw/install-command.txt')!
      .content.split('\r\n');
    const args = proxyLine(pair, 'iiq-a', 5050).slice(2).join(' ');
    assert.ok(kit.includes(`.\\install.ps1 -Role proxy -ServiceName idha-proxy-iq -ProxyArguments '${args}'`), kit.join('\n'));
    assert.equal(kit.filter((l) => l.startsWith('.\\install.ps1 -Role proxy')).length, 2, 'one service per listener');
  });

  it('THEN the overview says the one IdentityIQ change and what the IQService hosts must let through', () => {
    const readme = pair.snippets().find((s) => s.fileName === 'clients/README.txt')!.content;
    assert.match(readme, /IQService Host to 127\.0\.0\.1 and IQService Port to 5050/);
    assert.match(readme, /primary 10\.0\.1\.10: TCP 5050, 5051 and the shim's health port 15051/);
    assert.match(readme, /-ProbeSources, e\.g\. 10\.20\.0\.11\/32,10\.20\.0\.21\/32/);
  });

  it("THEN the estimate is the shim's detection plus one /healthz read; failback its rise plus two reads", () => {
    const [e] = pair.failoverEstimates();
    assert.equal(e.platform, 'client-proxy');
    assert.equal(e.worstCaseSeconds, 2.25, e.formula);
    assert.equal(e.failbackSeconds, 0.75, e.failbackFormula);
    assert.ok(e.notes!.some((n) => /at most 3 connections the 0.5 s connect timeout/.test(n)));
  });

  it('GIVEN IPv6 hosts and listenAddress ::1 THEN every host:port is bracketed', () => {
    const v6 = build(
      clientSide(
        {
          primary: { address: 'fd00::10', iqserviceVersion: '8.4p2' },
          secondary: { address: 'fd00::20', iqserviceVersion: '8.4p2' },
          allowedClients: ['fd00:20::/64'],
          tlsPort: undefined,
        },
        { clients: [{ name: 'a', address: 'fd00:20::11' }], listenAddress: '::1' },
      ),
    );
    const w = proxyLine(v6, 'a', 5050).join(' ');
    assert.match(
      w,
      /--listen \[::1\]:5050 --primary \[fd00::10\]:5050 --secondary \[fd00::20\]:5050 --primary-health http:\/\/\[fd00::10\]:15051\/healthz/,
    );
  });

  it('GIVEN a probe without the shim THEN a warning says the proxies detect by failed connects only, and no --primary-health', () => {
    const p = build(clientSide({ probe: { kind: ProbeKind.TCP_CONNECT, allowNoisyTcpProbe: true } }));
    assert.ok(p.warnings().some((w) => /no \/healthz to read/.test(w)));
    assert.ok(!proxyLine(p, 'iiq-a', 5050).includes('--primary-health'));
  });

  it('GIVEN onFailback reset THEN the proxies cut the secondary on failback', () => {
    const p = build(clientSide({ onFailback: ConnectionAction.RESET }));
    assert.ok(proxyLine(p, 'iiq-a', 5050).includes('--cut-secondary-on-failback'));
  });

  describe('refused settings, each beside an accepted neighbour', () => {
    const t = (over: Partial<ClientProxyTargetProps>) => clientSide({}, { ...CLIENTS, ...over });
    besideItsNeighbour<IqServiceHaPairProps>(
      [
        { what: 'no clients', bad: t({ clients: [] }), field: 'targets.client-proxy.clients', good: t({}) },
        {
          what: 'a client name with a path in it',
          bad: t({ clients: [{ name: '../etc', address: '10.20.0.11' }] }),
          field: 'targets.client-proxy.clients[0].name',
          good: t({ clients: [{ name: 'etc', address: '10.20.0.11' }] }),
        },
        {
          what: 'two clients with one name',
          bad: t({
            clients: [
              { name: 'a', address: '10.20.0.11' },
              { name: 'a', address: '10.20.0.12' },
            ],
          }),
          field: 'targets.client-proxy.clients[1].name',
          good: t({
            clients: [
              { name: 'a', address: '10.20.0.11' },
              { name: 'b', address: '10.20.0.12' },
            ],
          }),
        },
        {
          what: 'a client addressed by name',
          bad: t({ clients: [{ name: 'a', address: 'iiq.corp.example' }] }),
          field: 'targets.client-proxy.clients[0].address',
          good: t({ clients: [{ name: 'a', address: '10.20.0.30' }] }),
          says: /not a name/,
        },
        {
          what: 'a client outside allowedClients',
          bad: t({ clients: [{ name: 'a', address: '10.30.0.11' }] }),
          field: 'targets.client-proxy.clients[0].address',
          good: t({ clients: [{ name: 'a', address: '10.20.0.255' }] }),
          says: /add 10\.30\.0\.11\/32 to allowedClients/,
        },
        {
          what: 'listenAddress *',
          bad: t({ listenAddress: '*' }),
          field: 'targets.client-proxy.listenAddress',
          good: t({ listenAddress: '127.0.0.2' }),
        },
        {
          what: 'listenAddress a name',
          bad: t({ listenAddress: 'localhost' }),
          field: 'targets.client-proxy.listenAddress',
          good: t({ listenAddress: '10.20.0.11' }),
        },
        {
          what: 'connectTimeoutSeconds 0',
          bad: t({ connectTimeoutSeconds: 0 }),
          field: 'targets.client-proxy.connectTimeoutSeconds',
          good: t({ connectTimeoutSeconds: 0.1 }),
        },
        { what: 'markDownAfter 101', bad: t({ markDownAfter: 101 }), field: 'targets.client-proxy.markDownAfter', good: t({ markDownAfter: 0 }) },
        {
          what: 'statsPort whose second port is the TLS port',
          bad: t({ statsPort: 5050 }),
          field: 'targets.client-proxy.statsPort',
          good: t({ statsPort: 5052 }),
        },
        { what: 'drainSeconds 301', bad: t({ drainSeconds: 301 }), field: 'targets.client-proxy.drainSeconds', good: t({ drainSeconds: 300 }) },
        {
          what: 'onFailover reset',
          bad: clientSide({ onFailover: ConnectionAction.RESET }),
          field: 'onFailover',
          good: clientSide({ onFailover: ConnectionAction.KEEP }),
        },
        {
          what: 'a load-balancer target beside the proxies',
          bad: clientSide({ targets: [new ClientProxyTarget(CLIENTS), new HaproxyTarget()] }),
          field: 'targets.haproxy',
          good: clientSide({ targets: [new ClientProxyTarget(CLIENTS)] }),
          says: /client-proxy target alone/,
        },
        {
          what: 'the client-proxy target without strategy client-side',
          bad: clientSide({ strategy: undefined }),
          field: 'targets.client-proxy',
          good: clientSide({ strategy: HaStrategy.CLIENT_SIDE }),
        },
      ],
      (props) => problemsOf(() => build(props)),
    );
  });

  it('GIVEN two services whose proxies would take one port on a client host THEN idha synth refuses (exit 2) naming the field', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'idha-cs-'));
    try {
      const doc = fs.readFileSync(path.join(REPO, 'examples', 'iqservice-client-side.yaml'), 'utf8');
      const second = doc
        .slice(doc.indexOf('  - name: iqservice'))
        .replace('name: iqservice', 'name: iqservice-b')
        .replace(/10\.0\.1\.10/g, '10.0.1.11')
        .replace(/10\.0\.2\.10/g, '10.0.2.11');
      const file = path.join(dir, 'two.yaml');
      fs.writeFileSync(file, doc + second);
      const r = runIdha(['synth', '--config', file, '--out', path.join(dir, 'out')]);
      assert.equal(r.status, 2, r.stdout + r.stderr);
      assert.match(r.stderr, /targets\.client-proxy\.(listenAddress|statsPort)/);
      assert.match(r.stderr, /client host iiq-a/);
      assert.ok(!fs.existsSync(path.join(dir, 'out')), 'nothing written');
      // The neighbour: the second service on its own loopback address and stats port.
      const apart = second.replace('    targets:\n      client-proxy:\n', '    targets:\n      client-proxy:\n        listenAddress: 127.0.0.2\n');
      fs.writeFileSync(file, doc + apart);
      const ok = runIdha(['synth', '--config', file, '--out', path.join(dir, 'out')]);
      assert.equal(ok.status, 0, ok.stderr);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
