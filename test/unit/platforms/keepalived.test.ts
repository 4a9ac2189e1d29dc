import { strict as assert } from 'node:assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describe, it } from 'node:test';
import { Testing, TerraformStack } from 'cdktf';
import { ClusterCheckKind, FailoverCluster, FailoverClusterProps, KeepalivedTarget, KeepalivedTargetProps, Preemption } from '../../../lib/internal';
import { besideItsNeighbour, rx } from '../../helpers';

const KA: KeepalivedTargetProps = { virtualRouterId: 51, interfaceName: 'eth0', authSecretFile: '/etc/keepalived/idha-auth.conf' };
const props = (over: Partial<FailoverClusterProps> = {}, ka: Partial<KeepalivedTargetProps> = {}): FailoverClusterProps => ({
  nodes: [
    { name: 'tomcat1', address: '10.99.0.1' },
    { name: 'tomcat2', address: '10.99.0.2' },
  ],
  virtualIp: '10.99.0.100',
  prefixLength: 24,
  servicePorts: [8080],
  targets: [new KeepalivedTarget({ ...KA, ...ka })],
  ...over,
});
const build = (p: FailoverClusterProps) => new FailoverCluster(new TerraformStack(Testing.app(), 's'), 'idm', p);

describe('FailoverCluster with a keepalived target: the rendered configs', () => {
  it(
    'GIVEN two nodes THEN one keepalived.conf each: BACKUP, priorities 250/240, unicast peers, the check through idha check, the secret ' +
      'included, the VIP',
    () => {
      const [a, b] = build(props()).snippets();
      assert.equal(a.fileName, 'keepalived/tomcat1-10.99.0.1.conf');
      for (const line of [
        'state BACKUP',
        'interface eth0',
        'virtual_router_id 51',
        'priority 250',
        'advert_int 1',
        'unicast_src_ip 10.99.0.1',
        'garp_master_delay 1',
        'auth_type PASS',
        'auth_pass ${IDHA_AUTH_PASS}',
        '10.99.0.100/24 dev eth0',
        'script "/usr/local/bin/idha check --listening 8080 --host 10.99.0.1"',
        'weight 0',
        'fall 2',
        'rise 2',
        'interval 2',
      ]) {
        assert.match(a.content, new RegExp(`^\\s+${line.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`, 'm'), line);
      }
      assert.match(a.content, /unicast_peer \{\n {8}10\.99\.0\.2\n {4}\}/);
      assert.match(b.content, /^\s+priority 240$/m);
      assert.match(a.content, /^\$IDHA_AUTH_PASS=\nincludea \/etc\/keepalived\/idha-auth\.conf$/m, 'the password, empty unless the file sets it');
      assert.doesNotMatch(a.content + b.content, /auth_pass [^$]/, 'the secret never enters the output');
      assert.doesNotMatch(a.content, /nopreempt|preempt_delay/, 'preemption on: neither');
    },
  );

  it(
    "GIVEN gatewayAddress THEN a ping vrrp_script (weight 0, the check's fall and rise) tracked by the instance, and no warning; GIVEN none " +
      'THEN FailoverCluster.warnings() names gatewayAddress',
    () => {
      const c = build(props({}, { gatewayAddress: '10.99.0.254' }));
      const [a] = c.snippets();
      assert.match(
        a.content,
        rx(
          '',
          String.raw`vrrp_script idha_idm_gateway \{\n {4}script "\/usr\/bin\/ping -n -q -c 1 -W 1 10\.99\.0\.254"\n {4}interval 2`,
          String.raw`\n {4}timeout 2\n {4}fall 2\n {4}rise 2\n {4}weight 0\n\}`,
        ),
      );
      assert.match(a.content, /track_script \{\n {8}idha_idm_check\n {8}idha_idm_gateway\n {4}\}/);
      assert.deepEqual(c.warnings(), []);
      const [w] = build(props()).warnings();
      assert.match(w, /no gatewayAddress, so a VIP holder cut off from its peers .* Set targets\.keepalived\.gatewayAddress/);
    },
  );

  it('GIVEN preemption delayed THEN preempt_delay', () => {
    const [a] = build(props({ preemption: Preemption.DELAYED, preemptDelaySeconds: 30 })).snippets();
    assert.match(a.content, /^\s+preempt_delay 30$/m);
  });

  it(
    'GIVEN preemption off THEN no nopreempt (its first master keeps the VIP whatever its priority) but a holder bonus: idha check --holds ' +
      'VIP, weight one above the priority spread, applied after a master-down interval; the health check starts failed (init_fail) in every ' +
      'mode',
    () => {
      const [a, b] = build(props({ preemption: Preemption.OFF })).snippets();
      for (const c of [a.content, b.content]) {
        assert.doesNotMatch(c, /nopreempt/);
        assert.match(
          c,
          rx(
            '',
            String.raw`vrrp_script idha_idm_holds \{\n {4}script "\/usr\/local\/bin\/idha check --holds 10\.99\.0\.100"\n {4}interval`,
            String.raw` 2\n {4}timeout 2\n {4}fall 1\n {4}rise 3\n {4}weight 11\n {4}init_fail\n\}`,
          ),
        );
        assert.match(c, /track_script \{\n {8}idha_idm_check\n {8}idha_idm_holds\n {4}\}/);
      }
      const three = build(
        props({ preemption: Preemption.OFF, nodes: [1, 2, 3].map((i) => ({ name: `n${i}`, address: `10.99.0.${i}` })) }),
      ).snippets();
      assert.match(three[0].content, /^ {4}weight 21$/m, '250 - 230 + 1');
      const [on] = build(props()).snippets();
      assert.doesNotMatch(on.content, /_holds/);
      assert.match(on.content, /^ {4}weight 0\n {4}init_fail$/m);
    },
  );

  it("GIVEN an HTTP check THEN idha check --http with each node's address; GIVEN a command THEN that command", () => {
    const [a] = build(props({ healthCheck: { kind: ClusterCheckKind.HTTP, url: 'http://{address}:8080/identity/' } })).snippets();
    assert.match(a.content, /script "\/usr\/local\/bin\/idha check --http http:\/\/10\.99\.0\.1:8080\/identity\/ --timeout 1"/);
    const [c] = build(props({ healthCheck: { kind: ClusterCheckKind.COMMAND, command: '/usr/local/bin/tomcat-ok' } })).snippets();
    assert.match(c.content, /script "\/usr\/local\/bin\/tomcat-ok"/);
  });

  it(
    'THEN a systemd drop-in restarts keepalived (Restart=always, RestartSec=1) and removes the VIP once it stopped (ExecStopPost), which ' +
      'systemd-analyze verify accepts in a unit',
    () => {
      const d = build(props())
        .snippets()
        .find((x) => x.fileName === 'keepalived/keepalived.service.d/idha-restart.conf');
      assert.ok(d, 'the drop-in is written');
      assert.match(d.content, /^\[Service\]\nRestart=always\nRestartSec=1\nExecStopPost=-\/sbin\/ip address del 10\.99\.0\.100\/24 dev eth0$/m);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'idha-ka-dropin-'));
      try {
        const unit = path.join(dir, 'idha-ka-test.service');
        fs.writeFileSync(unit, `[Unit]\nDescription=test\n${d.content.replace('[Service]', '[Service]\nExecStart=/bin/true')}`);
        const r = spawnSync('systemd-analyze', ['verify', unit], { encoding: 'utf8' });
        assert.doesNotMatch(r.stderr, /idha-ka-test\.service:\d+/, r.stderr);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it('THEN the estimate is interval x fall + timeout + advert; failback interval x rise + timeout + master-down (+ the preempt delay)', () => {
    assert.deepEqual(build(props()).failoverEstimates(), [
      {
        service: 'idm',
        platform: 'keepalived',
        worstCaseSeconds: 7,
        terms: [],
        formula: '2s x 2 checks + 2s timeout + 1s advert = 7',
        failbackSeconds: 10,
        failbackFormula: '2s x 2 checks + 2s timeout + 4s master-down (3 x 1s advert + skew) = 10',
      },
    ]);
    assert.equal(build(props({ preemption: Preemption.DELAYED, preemptDelaySeconds: 30 })).failoverEstimates()[0].failbackSeconds, 40);
    assert.equal(build(props({ preemption: Preemption.OFF })).failoverEstimates()[0].failbackSeconds, 0);
  });
});

describe('FailoverCluster validation: every bad input beside an accepted neighbour', () => {
  const cases: Array<[string, FailoverClusterProps, string, FailoverClusterProps]> = [
    ["a VIP outside the nodes' subnet", props({ virtualIp: '10.98.0.100' }), 'virtualIp', props({ virtualIp: '10.99.0.200' })],
    ['a VIP equal to a node address', props({ virtualIp: '10.99.0.2' }), 'virtualIp', props({ virtualIp: '10.99.0.3' })],
    [
      'duplicate node addresses',
      props({
        nodes: [
          { name: 'a', address: '10.99.0.1' },
          { name: 'b', address: '10.99.0.1' },
        ],
      }),
      'nodes[1].address',
      props({
        nodes: [
          { name: 'a', address: '10.99.0.1' },
          { name: 'b', address: '10.99.0.5' },
        ],
      }),
    ],
    [
      'duplicate node names',
      props({
        nodes: [
          { name: 'a', address: '10.99.0.1' },
          { name: 'a', address: '10.99.0.2' },
        ],
      }),
      'nodes[1].name',
      props({
        nodes: [
          { name: 'a', address: '10.99.0.1' },
          { name: 'b', address: '10.99.0.2' },
        ],
      }),
    ],
    ['one node', props({ nodes: [{ name: 'a', address: '10.99.0.1' }] }), 'nodes', props()],
    [
      'a named node',
      props({
        nodes: [
          { name: 'a', address: 'tomcat1.corp' },
          { name: 'b', address: '10.99.0.2' },
        ],
      }),
      'nodes[0].address',
      props(),
    ],
    ['a router id of 256', props({}, { virtualRouterId: 256 }), 'targets.keepalived.virtualRouterId', props({}, { virtualRouterId: 255 })],
    ['a router id of 0', props({}, { virtualRouterId: 0 }), 'targets.keepalived.virtualRouterId', props({}, { virtualRouterId: 1 })],
    [
      'no secret reference',
      props({}, { authSecretFile: '' }),
      'targets.keepalived.authSecretFile',
      props({}, { authSecretFile: '/etc/keepalived/a.conf' }),
    ],
    [
      'a relative secret path',
      props({}, { authSecretFile: 'auth.conf' }),
      'targets.keepalived.authSecretFile',
      props({}, { authSecretFile: '/root/auth.conf' }),
    ],
    [
      'preemptDelaySeconds without delayed',
      props({ preemptDelaySeconds: 30 }),
      'preemptDelaySeconds',
      props({ preemption: Preemption.DELAYED, preemptDelaySeconds: 30 }),
    ],
    [
      'an HTTP check without a URL',
      props({ healthCheck: { kind: ClusterCheckKind.HTTP } }),
      'healthCheck.url',
      props({ healthCheck: { kind: ClusterCheckKind.HTTP, url: 'http://{address}:8080/' } }),
    ],
    ['no service port', props({ servicePorts: [] }), 'servicePorts', props({ servicePorts: [8080] })],
    [
      'an interface name with a space',
      props({}, { interfaceName: 'eth 0' }),
      'targets.keepalived.interfaceName',
      props({}, { interfaceName: 'ens192' }),
    ],
    [
      'an HTTP check with a port too (it would be dropped)',
      props({ healthCheck: { kind: ClusterCheckKind.HTTP, url: 'http://{address}:8080/', port: 8080 } }),
      'healthCheck.port',
      props({ healthCheck: { kind: ClusterCheckKind.HTTP, url: 'http://{address}:8080/' } }),
    ],
    [
      'a listening check with a URL too',
      props({ healthCheck: { port: 8080, url: 'http://{address}:8080/' } }),
      'healthCheck.url',
      props({ healthCheck: { port: 8080 } }),
    ],
    ["a VIP on the subnet's broadcast address", props({ virtualIp: '10.99.0.255' }), 'virtualIp', props({ virtualIp: '10.99.0.254' })],
    ["a VIP on the subnet's network address", props({ virtualIp: '10.99.0.0' }), 'virtualIp', props({ virtualIp: '10.99.0.10' })],
    ['a service port listed twice', props({ servicePorts: [8080, 8009, 8080] }), 'servicePorts[2]', props({ servicePorts: [8080, 8009] })],
    [
      'a command check run by a shell',
      props({ healthCheck: { kind: ClusterCheckKind.COMMAND, command: '/usr/bin/curl -f http://x/ | grep ok' } }),
      'healthCheck.command',
      props({ healthCheck: { kind: ClusterCheckKind.COMMAND, command: '/usr/local/bin/check-tomcat.sh --port 8080' } }),
    ],
    [
      'a gateway by name',
      props({}, { gatewayAddress: 'gw.corp' }),
      'targets.keepalived.gatewayAddress',
      props({}, { gatewayAddress: '10.99.0.254' }),
    ],
    [
      'a node as the gateway',
      props({}, { gatewayAddress: '10.99.0.2' }),
      'targets.keepalived.gatewayAddress',
      props({}, { gatewayAddress: '10.99.0.253' }),
    ],
    [
      'a gateway with a shell word',
      props({}, { gatewayAddress: '10.99.0.1;id' }),
      'targets.keepalived.gatewayAddress',
      props({}, { gatewayAddress: 'fd00::1' }),
    ],
    [
      'an idha command with a quote',
      props({}, { idhaCommand: '/usr/bin/env "idha"' }),
      'targets.keepalived.idhaCommand',
      props({}, { idhaCommand: '/usr/local/bin/idha' }),
    ],
    ...['$(id)', '${IFS}', '`id`', "'", '"', ' x', '#frag', '\\', '/a/../b', '/a/..;/b', '/%2e%2e/b', '/a\u202Eb', `/${'a'.repeat(1100)}`].map(
      (tail): [string, FailoverClusterProps, string, FailoverClusterProps] => [
        `an HTTP check URL holding ${JSON.stringify(tail.slice(0, 20))}`,
        props({ healthCheck: { kind: ClusterCheckKind.HTTP, url: `http://{address}:8080${tail.startsWith('/') ? tail : `/x${tail}`}` } }),
        'healthCheck.url',
        props({ healthCheck: { kind: ClusterCheckKind.HTTP, url: 'http://{address}:8080/x?a=1&b=(2);c=!d' } }),
      ],
    ),
  ];
  besideItsNeighbour(cases, (x) => FailoverCluster.validate(x));
});
