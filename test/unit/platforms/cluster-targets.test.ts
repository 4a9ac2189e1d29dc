import { strict as assert } from 'node:assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { after, describe, it } from 'node:test';
import { Testing, TerraformStack } from 'cdktf';
import * as yaml from 'yaml';
import {
  AwsNlbTarget,
  AzureLoadBalancerTarget,
  ClusterCheckKind,
  FailoverCluster,
  FailoverClusterProps,
  IClusterTarget,
  KeepalivedTarget,
  LoadBalancedClusterTarget,
  PacemakerTarget,
  Preemption,
  Topology,
  WindowsFailoverClusterTarget,
} from '../../../lib/internal';
import { AWS, AZURE, besideItsNeighbour, IDHA, problemsOf, REPO, rx } from '../../helpers';

const nodes = [
  { name: 'tomcat1', address: '10.99.0.1' },
  { name: 'tomcat2', address: '10.99.0.2' },
];
const vipProps = (targets: IClusterTarget[], over: Partial<FailoverClusterProps> = {}): FailoverClusterProps => ({
  nodes,
  virtualIp: '10.99.0.100',
  prefixLength: 24,
  servicePorts: [8080],
  targets,
  ...over,
});
const pcs = (over: Partial<FailoverClusterProps> = {}) => vipProps([new PacemakerTarget({ serviceUnit: 'tomcat10' })], over);
const wsfc = (over: Partial<FailoverClusterProps> = {}, t: Partial<ConstructorParameters<typeof WindowsFailoverClusterTarget>[0]> = {}) =>
  vipProps([new WindowsFailoverClusterTarget({ clusterName: 'idm-cluster', clusterAddress: '10.99.0.50', serviceName: 'Tomcat10', ...t })], over);
const cloud = (lb: 'azure' | 'aws', over: Partial<FailoverClusterProps> = {}): FailoverClusterProps => ({
  nodes,
  servicePorts: [8080],
  targets: [
    new LoadBalancedClusterTarget({
      loadBalancer: lb === 'azure' ? new AzureLoadBalancerTarget(AZURE) : new AwsNlbTarget(AWS),
      allowedClients: ['10.20.0.0/16'],
    }),
  ],
  ...over,
});
const build = (p: FailoverClusterProps) => new FailoverCluster(new TerraformStack(Testing.app(), 's'), 'idm', p);
const file = (c: FailoverCluster, name: string) => {
  const s = c.snippets().find((x) => x.fileName === name);
  assert.ok(
    s,
    `${name} among ${c
      .snippets()
      .map((x) => x.fileName)
      .join(', ')}`,
  );
  return s.content;
};
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'idha-cluster-targets-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('Pacemaker: the pcs script and the OCF agent', () => {
  it(
    'GIVEN two nodes and preemption on THEN the service and the check cloned on every node, the VIP only where the check says healthy, ' +
      'scores 200/100, stickiness 0',
    () => {
      const s = file(build(pcs()), 'pacemaker/pacemaker.sh');
      assert.match(
        s,
        /resource create idha-idm-vip ocf:heartbeat:IPaddr2 ip=10\.99\.0\.100 cidr_netmask=24 op monitor interval=10s timeout=20s; fi$/m,
      );
      assert.match(s, /resource create idha-idm-service systemd:tomcat10 .*op start timeout=300s .*clone interleave=true \$on_nodes; fi$/m);
      assert.match(s, /resource create idha-idm-check ocf:identity-ha:idm op monitor interval=2s timeout=11s clone interleave=true \$on_nodes; fi$/m);
      assert.match(
        s,
        /location idha-idm-vip rule constraint-id=idha-idm-vip-healthy score=-INFINITY not_defined idha-idm-healthy or idha-idm-healthy ne 1$/m,
      );
      assert.match(s, /constraint colocation add idha-idm-vip with idha-idm-service-clone INFINITY/);
      assert.match(s, /constraint order start idha-idm-service-clone then start idha-idm-check-clone/);
      assert.match(s, /location add idha-idm-prefers-tomcat1 idha-idm-vip tomcat1 200$/m);
      assert.match(s, /location add idha-idm-prefers-tomcat2 idha-idm-vip tomcat2 100$/m);
      assert.match(s, /resource meta idha-idm-vip resource-stickiness=0$/m);
      assert.doesNotMatch(s, /migration-threshold|--group/, 'no bans and no group: a failing check only makes its node unhealthy');
      assert.match(s, /pcs cluster cib-push "\$cib" --config/);
    },
  );

  it("GIVEN preemption off THEN stickiness above the scores' spread (200 > 100)", () => {
    assert.match(file(build(pcs({ preemption: Preemption.OFF })), 'pacemaker/pacemaker.sh'), /resource meta idha-idm-vip resource-stickiness=200$/m);
  });

  it("THEN the agent maps each node name to its own address and defaults its parameters to the cluster's check", () => {
    const a = file(build(pcs({ healthCheck: { kind: ClusterCheckKind.HTTP, url: 'http://{address}:8080/identity/' } })), 'pacemaker/identity-ha-idm');
    assert.match(a, /^ {2}tomcat1\) address=10\.99\.0\.1 ;;$/m);
    assert.match(a, /^ {2}tomcat2\) address=10\.99\.0\.2 ;;$/m);
    assert.match(a, /^\[ -n "\$\{OCF_RESKEY_url\+x\}" \] \|\| OCF_RESKEY_url='http:\/\/\{address\}:8080\/identity\/'$/m);
    assert.doesNotMatch(a, /sh -c|eval /, 'no value is evaluated by a shell');
  });

  it('GIVEN preemption delayed THEN refused, naming what Pacemaker does instead; its neighbour (off) passes', () => {
    const bad = problemsOf(() => build(pcs({ preemption: Preemption.DELAYED, preemptDelaySeconds: 30 })));
    assert.equal(bad.length, 1);
    assert.equal(bad[0].field, 'preemption');
    assert.match(bad[0].fix ?? '', /no preempt delay/);
    assert.deepEqual(
      problemsOf(() => build(pcs({ preemption: Preemption.OFF }))),
      [],
    );
  });

  it('GIVEN a bad unit name THEN the field is named; a good one passes', () => {
    const bad = problemsOf(() => build(vipProps([new PacemakerTarget({ serviceUnit: 'tomcat 10; rm' })])));
    assert.deepEqual(
      bad.map((p) => p.field),
      ['targets.pacemaker.serviceUnit'],
    );
    assert.deepEqual(
      problemsOf(() => build(vipProps([new PacemakerTarget({ serviceUnit: 'tomcat10.service' })]))),
      [],
    );
  });

  it(
    'THEN the estimates: interval x fall + timeout + 1 s to move the VIP (the standbys run the service); failback interval x rise + timeout ' +
      '+ 1 s with on, none with off',
    () => {
      const [e] = build(pcs({ healthCheck: { rise: 3 } })).failoverEstimates();
      assert.equal(e.worstCaseSeconds, 7);
      assert.match(e.formula, /^2s x 2 failed checks \(fall\) \+ 2s timeout \+ 1s to move the VIP = 7/);
      assert.equal(e.failbackSeconds, 9);
      assert.match(e.failbackFormula ?? '', /^2s x 3 passing checks \(rise\)/);
      assert.equal(build(pcs({ preemption: Preemption.OFF })).failoverEstimates()[0].failbackSeconds, 0);
    },
  );
});

describe('Windows Server Failover Cluster: the PowerShell script and the check service', () => {
  // What wsfc.ps1 does (each cmdlet and its parameters, a second run, a changed topology) is specified
  // under Pester in test/powershell/wsfc.Tests.ps1 and parsed by PowerShell in powershell-syntax.test.ts.
  it(
    'GIVEN healthCheck.rise 3 THEN refused with wsfc, saying the role moves back when the preferred node comes online (its standbys run ' +
      'nothing to check); GIVEN rise left out THEN accepted; Pacemaker and keepalived accept rise 3',
    () => {
      const bad = problemsOf(() => build(wsfc({ healthCheck: { rise: 3 } })));
      assert.deepEqual(
        bad.map((p) => p.field),
        ['healthCheck.rise'],
      );
      assert.match(bad[0].fix ?? '', /AutoFailbackType/);
      assert.deepEqual(
        problemsOf(() => build(wsfc())),
        [],
      );
      assert.deepEqual(
        problemsOf(() => build(pcs({ healthCheck: { rise: 3 } }))),
        [],
      );
      assert.deepEqual(
        problemsOf(() =>
          build(
            vipProps([new KeepalivedTarget({ virtualRouterId: 5, interfaceName: 'eth0', authSecretFile: '/etc/k.conf' })], {
              healthCheck: { rise: 3 },
            }),
          ),
        ),
        [],
      );
    },
  );

  it(
    'GIVEN two nodes THEN CRLF line ends, the nodes in order, the VIP; GIVEN preemption off THEN AutoFailbackType 0; GIVEN no ' +
      'clusterAddress THEN $null',
    () => {
      const s = file(build(wsfc()), 'wsfc/wsfc.ps1');
      assert.ok(
        s
          .split('\n')
          .slice(0, -1)
          .every((l) => l.endsWith('\r')),
        'CRLF throughout',
      );
      assert.match(s, /\$Nodes = @\('tomcat1', 'tomcat2'\)/);
      assert.match(s, /\$VirtualIp = '10\.99\.0\.100'/);
      assert.match(s, /\$settings = \[ordered\]@\{ AutoFailbackType = 1;/);
      assert.match(file(build(wsfc({ preemption: Preemption.OFF })), 'wsfc/wsfc.ps1'), /\$settings = \[ordered\]@\{ AutoFailbackType = 0;/);
      assert.match(file(build(wsfc({}, { clusterAddress: undefined })), 'wsfc/wsfc.ps1'), /\$ClusterAddress = \$null/);
    },
  );

  it(
    "THEN one WinSW file per node runs the kit's idha-shim.exe check --watch with the node's address, the interval, fall and start period, " +
      'start type Manual; GIVEN nodeExe THEN Node.js with bin\\idha.js',
    () => {
      const c = build(
        wsfc({
          healthCheck: { kind: ClusterCheckKind.HTTP, url: 'http://{address}:8080/identity/', intervalSeconds: 3, fall: 3, startupSeconds: 120 },
        }),
      );
      const x = file(c, 'wsfc/idha-check-idm-tomcat2-10.99.0.2.xml');
      assert.match(x, /<id>idha-check-idm<\/id>/);
      assert.match(x, /<executable>C:\\Program Files\\identity-ha\\idha-shim\.exe<\/executable>/);
      assert.match(
        x,
        /<arguments>check --http http:\/\/10\.99\.0\.2:8080\/identity\/ --timeout 2 --watch --interval 3 --fall 3 --start-period 120<\/arguments>/,
      );
      assert.match(x, /<startmode>Manual<\/startmode>/);
      const n = file(build(wsfc({}, { nodeExe: 'C:\\nodejs\\node.exe' })), 'wsfc/idha-check-idm-tomcat2-10.99.0.2.xml');
      assert.match(n, /<executable>C:\\nodejs\\node\.exe<\/executable>/);
      assert.match(
        n,
        rx(
          '',
          String.raw`<arguments>"C:\\Program Files\\identity-ha\\bin\\idha\.js" check --listening 8080 --host 10\.99\.0\.2 --watch `,
          String.raw`--interval 2 --fall 2 --start-period 300<\/arguments>`,
        ),
      );
      // The comment names the same file (a template literal once turned \b into a backspace there).
      assert.ok(n.includes('It runs Node.js (C:\\nodejs\\node.exe) with C:\\Program Files\\identity-ha\\bin\\idha.js. -->'), n);
    },
  );

  const cases: Array<[string, FailoverClusterProps, string, FailoverClusterProps]> = [
    ['preemption delayed', wsfc({ preemption: Preemption.DELAYED }), 'preemption', wsfc({ preemption: Preemption.ON })],
    [
      'an IPv6 VIP',
      wsfc({
        nodes: [
          { name: 'a', address: 'fd00::1' },
          { name: 'b', address: 'fd00::2' },
        ],
        virtualIp: 'fd00::10',
        prefixLength: 64,
      }),
      'virtualIp',
      wsfc(),
    ],
    [
      'a node name over 15 characters',
      wsfc({ nodes: [{ name: 'tomcat-primary-01', address: '10.99.0.1' }, nodes[1]] }),
      'nodes[0].name',
      wsfc({ nodes: [{ name: 'tomcat-prim-01', address: '10.99.0.1' }, nodes[1]] }),
    ],
    [
      'a command check',
      wsfc({ healthCheck: { kind: ClusterCheckKind.COMMAND, command: '/bin/true' } }),
      'healthCheck.kind',
      wsfc({ healthCheck: { kind: ClusterCheckKind.LISTENING } }),
    ],
    [
      'a cluster address equal to the VIP',
      wsfc({}, { clusterAddress: '10.99.0.100' }),
      'targets.wsfc.clusterAddress',
      wsfc({}, { clusterAddress: '10.99.0.101' }),
    ],
    [
      'a network name over 15 characters',
      wsfc({}, { networkName: 'identity-manager-web' }),
      'targets.wsfc.networkName',
      wsfc({}, { networkName: 'idm-web' }),
    ],
    [
      'a tab in nodeExe (no Windows path holds a control character; XML could not carry it)',
      wsfc({}, { nodeExe: 'C:\\nodejs\tnode.exe' }),
      'targets.wsfc.nodeExe',
      wsfc({}, { nodeExe: 'C:\\nodejs\\node.exe' }),
    ],
  ];
  besideItsNeighbour(cases, (x) => problemsOf(() => build(x)), { exact: true });
});

describe("a cloud cluster: the load balancer renderers as they are, with the pair's prefer-primary wiring", () => {
  for (const lb of ['azure', 'aws'] as const) {
    it(`GIVEN ${lb} THEN its load balancer resources in the stack, and a host plan with the second node\'s sidecar as the secondary`, () => {
      const app = Testing.app();
      const stack = new TerraformStack(app, 's');
      const c = new FailoverCluster(stack, 'idm', cloud(lb));
      const tf = JSON.parse(Testing.synth(stack));
      const types = Object.keys(tf.resource ?? {});
      assert.ok(types.includes(lb === 'azure' ? 'azurerm_lb' : 'aws_lb'), types.join(', '));
      const second = c.snippets().find((s) => s.fileName === 'hosts/secondary-10.99.0.2/shim-command.txt');
      assert.ok(
        second,
        c
          .snippets()
          .map((s) => s.fileName)
          .join(', '),
      );
      assert.match(second.content, /--role secondary --peer http:\/\/10\.99\.0\.1:15051\/healthz/);
      assert.match(c.snippets().find((s) => s.fileName === 'hosts/primary-10.99.0.1/shim-command.txt')!.content, /--service-port 8080 /);
      assert.ok(c.failoverEstimates()[0].worstCaseSeconds > 0);
    });
  }

  const cases: Array<[string, FailoverClusterProps, string, FailoverClusterProps]> = [
    ['a cloud target with a bare VIP', cloud('azure', { virtualIp: '10.99.0.100', prefixLength: 24 }), 'virtualIp', cloud('azure')],
    [
      'a cloud target beside keepalived',
      { ...vipProps([new KeepalivedTarget({ virtualRouterId: 5, interfaceName: 'eth0', authSecretFile: '/etc/k.conf' }), ...cloud('aws').targets]) },
      'targets',
      vipProps([new KeepalivedTarget({ virtualRouterId: 5, interfaceName: 'eth0', authSecretFile: '/etc/k.conf' })]),
    ],
    ['three nodes behind a load balancer', cloud('aws', { nodes: [...nodes, { name: 'tomcat3', address: '10.99.0.3' }] }), 'nodes', cloud('aws')],
    [
      'an HTTP check behind a load balancer',
      cloud('azure', { healthCheck: { kind: ClusterCheckKind.HTTP, url: 'http://{address}:8080/' } }),
      'healthCheck',
      cloud('azure', { healthCheck: { kind: ClusterCheckKind.LISTENING, port: 8080 } }),
    ],
    [
      'preemption off behind a load balancer',
      cloud('aws', { preemption: Preemption.OFF }),
      'preemption',
      cloud('aws', { preemption: Preemption.ON }),
    ],
    // The balancer checks a service model derived from the cluster: the path is the one the user
    // wrote (the target's list, its own index), not the model's.
    [
      'an IPv6 client block (after a repeated one) beside IPv4 nodes',
      {
        ...cloud('azure'),
        targets: [
          new LoadBalancedClusterTarget({
            loadBalancer: new AzureLoadBalancerTarget(AZURE),
            allowedClients: ['10.20.0.0/16', '10.20.0.0/16', 'fd00::/8'],
          }),
        ],
      },
      'targets.azure.allowedClients[2]',
      {
        ...cloud('azure'),
        targets: [
          new LoadBalancedClusterTarget({
            loadBalancer: new AzureLoadBalancerTarget(AZURE),
            allowedClients: ['10.20.0.0/16', '10.20.0.0/16', '10.30.0.0/16'],
          }),
        ],
      },
    ],
    [
      'a keepalived cluster without a VIP',
      {
        ...vipProps([new KeepalivedTarget({ virtualRouterId: 5, interfaceName: 'eth0', authSecretFile: '/etc/k.conf' })]),
        virtualIp: undefined,
        prefixLength: undefined,
      },
      'virtualIp',
      vipProps([new KeepalivedTarget({ virtualRouterId: 5, interfaceName: 'eth0', authSecretFile: '/etc/k.conf' })]),
    ],
  ];
  besideItsNeighbour(cases, (x) => problemsOf(() => build(x)), { exact: true });
});

describe('the bundled cluster examples through idha synth', () => {
  const REPO_EX = path.join(REPO, 'examples');
  const synth = (example: string) => {
    const out = path.join(fs.mkdtempSync(path.join(tmp, 'synth-')), 'out');
    const r = spawnSync(process.execPath, [IDHA, 'synth', '--config', path.join(REPO_EX, example), '--out', out], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return { out, stdout: r.stdout };
  };

  it(
    'GIVEN examples/failover-cluster-pacemaker-wsfc.yaml THEN the pcs script, its agent, the PowerShell script and a check service per ' +
      'Windows node, with both estimates',
    () => {
      const { out, stdout } = synth('failover-cluster-pacemaker-wsfc.yaml');
      assert.deepEqual(fs.readdirSync(path.join(out, 'snippets', 'idm-linux', 'pacemaker')).sort(), ['identity-ha-idm-linux', 'pacemaker.sh']);
      assert.deepEqual(fs.readdirSync(path.join(out, 'snippets', 'idm-win', 'wsfc')).sort(), [
        'idha-check-idm-win-idm-web1-10.0.4.11.xml',
        'idha-check-idm-win-idm-web2-10.0.4.12.xml',
        'wsfc.ps1',
      ]);
      assert.match(stdout, /^idm-linux\s+pacemaker\s+7 s\s+2s x 2 failed checks \(fall\)/m);
      assert.match(stdout, /^idm-win\s+wsfc\s+11 s\s+2s x 2 checks \+ 2s timeout \+ 5s LooksAlive = 11/m);
      assert.equal(fs.existsSync(path.join(out, 'stacks')), false, 'no Terraform for clusters rendered as files');
      assert.match(fs.readFileSync(path.join(out, 'snippets', 'idm-linux', 'pacemaker', 'pacemaker.sh'), 'utf8'), /resource-stickiness=200$/m);
    },
  );

  it(
    "GIVEN examples/failover-cluster-cloud.yaml THEN the Azure and AWS stacks hold a load balancer, and each node's sidecar command is " + 'printed',
    () => {
      const { out, stdout } = synth('failover-cluster-cloud.yaml');
      const az = JSON.parse(fs.readFileSync(path.join(out, 'stacks', 'identity-ha-azure', 'cdk.tf.json'), 'utf8'));
      const aws = JSON.parse(fs.readFileSync(path.join(out, 'stacks', 'identity-ha-aws', 'cdk.tf.json'), 'utf8'));
      assert.ok(az.resource.azurerm_lb && az.provider.azurerm, Object.keys(az.resource).join(', '));
      assert.ok(aws.resource.aws_lb && aws.provider.aws, Object.keys(aws.resource).join(', '));
      assert.match(JSON.stringify(az.resource.azurerm_lb), /10\.1\.3\.10/, 'the frontend address from the loadBalancer block');
      assert.match(
        stdout,
        rx(
          '',
          String.raw`idm-az secondary \(tomcat2\) 10\.1\.3\.12: idha shim .*--interval 2 --fall 2 --rise 2 .*--role secondary --pee`,
          String.raw`r http:\/\/10\.1\.3\.11:15051\/healthz`,
        ),
      );
      assert.match(stdout, /^idm-aws\s+aws\s+\d+ s/m);
    },
  );

  it('GIVEN a cloud cluster with a virtualIp in the file THEN refused under clusters[0].virtualIp; without it THEN accepted', () => {
    const doc = yaml.parse(fs.readFileSync(path.join(REPO_EX, 'failover-cluster-cloud.yaml'), 'utf8'));
    const bad = Topology.validate({ ...doc, clusters: [{ ...doc.clusters[0], virtualIp: '10.1.3.10', prefixLength: 24 }] });
    assert.deepEqual(
      bad.map((p) => p.field),
      ['clusters[0].virtualIp'],
    );
    assert.deepEqual(Topology.validate({ ...doc, clusters: [doc.clusters[0]] }), []);
  });

  it('GIVEN a cluster named like a service THEN refused (both write snippets/<name>/); renamed THEN accepted', () => {
    const doc = yaml.parse(fs.readFileSync(path.join(REPO_EX, 'failover-cluster-pacemaker-wsfc.yaml'), 'utf8'));
    const pair = yaml.parse(fs.readFileSync(path.join(REPO_EX, 'iqservice-pair.yaml'), 'utf8'));
    const svc = { ...pair.services[0], targets: { haproxy: pair.services[0].targets.haproxy } };
    assert.deepEqual(
      Topology.validate({ ...doc, services: [{ ...svc, name: 'idm-linux' }] }).map((p) => p.field),
      ['clusters[0].name'],
    );
    assert.deepEqual(Topology.validate({ ...doc, services: [svc] }), []);
  });
});
