import { strict as assert } from 'node:assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describe, it } from 'node:test';
import * as yaml from 'yaml';
import { HaproxyWebTarget, HaWebTierProps, KeepalivedTarget, ModJkTarget, Topology } from '../../../lib/internal';
import { debianApache } from '../../debian-apache';
import { as3Validator, IDHA, REPO } from '../../helpers';
import { build, file, PROXY_MODULES, rejectsEachBesideItsNeighbour, SECRET_FILE, tierProps } from '../../web-tier-fixtures';

describe('webTiers: in the topology file, through idha synth', () => {
  const run = (example: string) => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'idha-web-synth-')), 'out');
    const r = spawnSync(process.execPath, [IDHA, 'synth', '--config', path.join(REPO, 'examples', example), '--out', out], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(r.status, 0, r.stderr);
    return { out, stdout: r.stdout, stderr: r.stderr };
  };

  it(
    'GIVEN examples/web-tier.yaml (two applications, separated pools, a standby httpd) THEN every file; apachectl -t and haproxy -c accept ' +
      'them, the AS3 is valid',
    () => {
      const { out, stdout } = run('web-tier.yaml');
      const dir = path.join(out, 'snippets', 'idm-web');
      const files = (d: string): string[] =>
        fs
          .readdirSync(d, { withFileTypes: true })
          .flatMap((e) => (e.isDirectory() ? files(path.join(d, e.name)).map((f) => `${e.name}/${f}`) : [e.name]));
      assert.deepEqual(
        files(dir).sort(),
        [
          ...['haproxy', 'mod-jk', 'mod-proxy-balancer'].flatMap((b) => [
            `balancer/${b}/keepalived/httpd1-10.0.4.21.conf`,
            `balancer/${b}/keepalived/httpd2-10.0.4.22.conf`,
            `balancer/${b}/keepalived/keepalived.service.d/idha-restart.conf`,
          ]),
          'f5/as3.json',
          'haproxy/haproxy.cfg',
          'mod-jk/idha-idm-web.conf',
          'mod-proxy-balancer/idha-idm-web-proxy.conf',
          'tomcat/tomcat1-10.0.5.11-http-server.xml',
          'tomcat/tomcat1-10.0.5.11-server.xml',
          'tomcat/tomcat2-10.0.5.12-http-server.xml',
          'tomcat/tomcat2-10.0.5.12-server.xml',
          'tomcat/tomcat3-10.0.5.13-http-server.xml',
          'tomcat/tomcat3-10.0.5.13-server.xml',
          ...['httpd1-10.0.4.21', 'httpd2-10.0.4.22'].flatMap((h) =>
            ['haproxy.sh', 'mod-jk.sh', 'mod-proxy-balancer.sh'].map((f) => `hosts/${h}/${f}`),
          ),
          'hosts/tomcat1-10.0.5.11/tomcat.sh',
          'hosts/tomcat2-10.0.5.12/tomcat.sh',
          'hosts/tomcat3-10.0.5.13/tomcat.sh',
        ].sort(),
      );
      assert.match(stdout, /^idm-web balancer \(mod-jk\)\s+keepalived\s+7 s/m);
      // One keepalived set per balancer the hosts may run, each checking that balancer's own status page.
      for (const [b, page] of [
        ['mod-jk', 'jkstatus'],
        ['mod-proxy-balancer', 'balancer-manager'],
        ['haproxy', 'idha-balancer-health'],
      ]) {
        assert.match(
          fs.readFileSync(path.join(dir, `balancer/${b}/keepalived/httpd1-10.0.4.21.conf`), 'utf8'),
          new RegExp(`idha check --http http://10\\.0\\.4\\.21:80/${page} `),
        );
      }
      assert.ok(as3Validator()(JSON.parse(fs.readFileSync(path.join(dir, 'f5/as3.json'), 'utf8'))));
      const hc = spawnSync('haproxy', ['-c', '-f', path.join(dir, 'haproxy/haproxy.cfg')], { encoding: 'utf8' });
      assert.equal(hc.status, 0, hc.stderr + hc.stdout);
      // apachectl -t in Debian's layout (a private copy of /etc/apache2), the snippets enabled as a user would:
      // a2enmod, then the file in conf-available and a2enconf, with Debian's jk.conf left as it is.
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'idha-web-t-'));
      try {
        fs.writeFileSync(path.join(tmp, 'secret.conf'), 'Define IDHA_AJP_SECRET x\n');
        const local = (f: string) =>
          fs
            .readFileSync(path.join(dir, f), 'utf8')
            .replace(/\/etc\/apache2\/idha-ajp-secret\.conf/g, path.join(tmp, 'secret.conf'))
            .replace(/\/var\/log\/apache2/g, tmp);
        for (const [name, f, mods, off] of [
          ['jk', 'mod-jk/idha-idm-web.conf', ['jk'], []],
          ['proxy', 'mod-proxy-balancer/idha-idm-web-proxy.conf', PROXY_MODULES, ['jk']],
        ] as const) {
          const a = debianApache(tmp, name, 1, { enableMods: [...mods], disableMods: [...off], confs: { [path.basename(f)]: local(f) } });
          const t = a.check();
          assert.equal(t.status, 0, `${f}: ${t.output}`);
        }
      } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
      }
    },
  );

  it("GIVEN examples/web-tier-cloud.yaml THEN an ALB, an Application Gateway and an Azure LB stack, and each platform's session warning", () => {
    const { out, stderr } = run('web-tier-cloud.yaml');
    assert.deepEqual(fs.readdirSync(path.join(out, 'stacks')).sort(), ['identity-ha-aws-alb', 'identity-ha-azure-appgw', 'identity-ha-azure-lb']);
    const alb = JSON.parse(fs.readFileSync(path.join(out, 'stacks', 'identity-ha-aws-alb', 'cdk.tf.json'), 'utf8'));
    assert.ok(alb.provider.aws && alb.resource.aws_lb);
    assert.match(stderr, /aws-alb: the ALB keeps a session .*AWSALBAPP/);
    // Cloud balancers only: a Tomcat's steps name its HTTP fragment alone and have no AJP secret step; no balancer host files.
    const steps = fs.readFileSync(path.join(out, 'snippets', 'idm-az', 'hosts', 'tomcat3-10.1.5.13', 'tomcat.sh'), 'utf8');
    assert.match(steps, /^#   tomcat\/tomcat3-10\.1\.5\.13-http-server\.xml$/m);
    assert.doesNotMatch(steps, /-server\.xml$(?<!http-server\.xml)|idha\.ajp\.secret|SECRET/m);
    assert.deepEqual(fs.readdirSync(path.join(out, 'snippets', 'idm-az', 'hosts')).sort(), [
      'tomcat1-10.1.5.11',
      'tomcat2-10.1.5.12',
      'tomcat3-10.1.5.13',
    ]);
  });

  it('GIVEN a web tier named like a cluster THEN refused under webTiers[0].name; renamed THEN accepted', () => {
    const doc = yaml.parse(fs.readFileSync(path.join(REPO, 'examples', 'web-tier.yaml'), 'utf8'));
    const cl = yaml.parse(fs.readFileSync(path.join(REPO, 'examples', 'failover-cluster.yaml'), 'utf8')).clusters[0];
    assert.deepEqual(
      Topology.validate({ ...doc, clusters: [{ ...cl, name: 'idm-web' }] }).map((p) => p.field),
      ['webTiers[0].name'],
    );
    assert.deepEqual(Topology.validate({ ...doc, clusters: [cl] }), []);
    assert.deepEqual(
      Topology.validate({
        ...doc,
        webTiers: [
          { ...doc.webTiers[0], applications: [doc.webTiers[0].applications[0], { ...doc.webTiers[0].applications[1], paths: ['/identity/self'] }] },
        ],
      }).map((p) => p.field),
      ['webTiers[0].applications[1].paths[0]'],
    );
  });
});

describe('HaWebTier validation: every bad input beside an accepted neighbour', () => {
  const nodes = tierProps().nodes;
  const apps = tierProps().applications;
  const cases: Array<[string, HaWebTierProps, string, HaWebTierProps]> = [
    [
      'duplicate jvmRoutes',
      tierProps({ nodes: [nodes[0], { ...nodes[1], jvmRoute: 'tomcat1' }, nodes[2]] }),
      'nodes[1].jvmRoute',
      tierProps({ nodes: [nodes[0], { ...nodes[1], jvmRoute: 'tomcat_2' }, nodes[2]] }),
    ],
    [
      'an AJP maxConnections of 0',
      tierProps({ nodes: [nodes[0], { ...nodes[1], ajpMaxConnections: 0 }, nodes[2]] }),
      'nodes[1].ajpMaxConnections',
      tierProps({ nodes: [nodes[0], { ...nodes[1], ajpMaxConnections: 1 }, nodes[2]] }),
    ],
    ['a response timeout of 0 s', tierProps({ responseTimeoutSeconds: 0 }), 'responseTimeoutSeconds', tierProps({ responseTimeoutSeconds: 1 })],
    [
      'mod_jk with MaxRequestWorkers 0',
      tierProps({}, [new ModJkTarget({ ajpSecretFile: SECRET_FILE, maxRequestWorkers: 0 })]),
      'targets.mod-jk.maxRequestWorkers',
      tierProps({}, [new ModJkTarget({ ajpSecretFile: SECRET_FILE, maxRequestWorkers: 1 })]),
    ],
    [
      'a jvmRoute with a dot',
      tierProps({ nodes: [{ ...nodes[0], jvmRoute: 'tc.1' }, nodes[1], nodes[2]] }),
      'nodes[0].jvmRoute',
      tierProps({ nodes: [{ ...nodes[0], jvmRoute: 'tc_1' }, nodes[1], nodes[2]] }),
    ],
    [
      'an application with no nodes',
      tierProps({ applications: [{ ...apps[0], nodes: [] }, apps[1]] }),
      'applications[0].nodes',
      tierProps({ applications: [{ ...apps[0], nodes: ['tomcat2'] }, apps[1]] }),
    ],
    [
      'a path collision',
      tierProps({ applications: [apps[0], { ...apps[1], paths: ['/identity/self'] }] }),
      'applications[1].paths[0]',
      tierProps({ applications: [apps[0], { ...apps[1], paths: ['/identityself'] }] }),
    ],
    ['the same path twice', tierProps({ applications: [apps[0], { ...apps[1], paths: ['/identity/'] }] }), 'applications[1].paths[0]', tierProps()],
    [
      'a health URL, not a path',
      tierProps({ applications: [{ ...apps[0], healthPath: 'http://10.0.5.11:8080/identity/health' }, apps[1]] }),
      'applications[0].healthPath',
      tierProps(),
    ],
    ['a missing AJP secret reference', tierProps({}, [new ModJkTarget({} as never)]), 'targets.mod-jk.ajpSecretFile', tierProps()],
    [
      'a standby also active in the pool',
      tierProps({ applications: [apps[0], { ...apps[1], standbyNodes: ['tomcat3'] }] }),
      'applications[1].standbyNodes[0]',
      tierProps(),
    ],
    [
      'an AJP port equal to the HTTP port',
      tierProps({ nodes: [{ ...nodes[0], ajpPort: 8080 }, nodes[1], nodes[2]] }),
      'nodes[0].ajpPort',
      tierProps({ nodes: [{ ...nodes[0], ajpPort: 8010 }, nodes[1], nodes[2]] }),
    ],
    [
      'an unknown node in an application',
      tierProps({ applications: [{ ...apps[0], nodes: ['tomcat1', 'tomcat9'] }, apps[1]] }),
      'applications[0].nodes[1]',
      tierProps(),
    ],
    [
      'a timeout as long as the interval',
      tierProps({ healthCheck: { intervalSeconds: 3, timeoutSeconds: 3 } }),
      'healthCheck.timeoutSeconds',
      tierProps({ healthCheck: { intervalSeconds: 3, timeoutSeconds: 2 } }),
    ],
    [
      'a standby balancer with no VIP in its subnet',
      tierProps({
        balancerStandby: {
          nodes: [
            { name: 'httpd1', address: '10.0.6.11' },
            { name: 'httpd2', address: '10.0.6.12' },
          ],
          virtualIp: '10.0.7.10',
          prefixLength: 24,
          targets: [new KeepalivedTarget({ virtualRouterId: 60, interfaceName: 'eth0', authSecretFile: '/etc/keepalived/a.conf' })],
        },
      }),
      'balancerStandby.virtualIp',
      tierProps({
        balancerStandby: {
          nodes: [
            { name: 'httpd1', address: '10.0.6.11' },
            { name: 'httpd2', address: '10.0.6.12' },
          ],
          virtualIp: '10.0.6.10',
          prefixLength: 24,
          targets: [new KeepalivedTarget({ virtualRouterId: 60, interfaceName: 'eth0', authSecretFile: '/etc/keepalived/a.conf' })],
        },
      }),
    ],
    [
      "an application named node (mod_jk's node workers)",
      tierProps({ applications: [{ ...apps[0], name: 'node' }, apps[1]] }),
      'applications[0].name',
      tierProps({ applications: [{ ...apps[0], name: 'node-app' }, apps[1]] }),
    ],
    [
      "an application named jkstatus (mod_jk's status worker)",
      tierProps({ applications: [{ ...apps[0], name: 'jkstatus' }, apps[1]] }),
      'applications[0].name',
      tierProps({ applications: [{ ...apps[0], name: 'jk-status' }, apps[1]] }),
    ],
    [
      'an application name with --',
      tierProps({ applications: [{ ...apps[0], name: 'a--b' }, apps[1]] }),
      'applications[0].name',
      tierProps({ applications: [{ ...apps[0], name: 'a-b' }, apps[1]] }),
    ],
    ...[
      '/identity/..',
      '/identity/../x',
      '/identity;x',
      '/identity/%2e',
      '/identity/%2F',
      "/ident'ity",
      '/ident"ity',
      '/identity/*',
      '/a b',
      '/a\u202Eb',
      '/a\\b',
      '/a$b',
    ].map((p): [string, HaWebTierProps, string, HaWebTierProps] => [
      `the path ${JSON.stringify(p)}`,
      tierProps({ applications: [{ ...apps[0], paths: [p] }, apps[1]] }),
      'applications[0].paths[0]',
      tierProps({ applications: [{ ...apps[0], paths: ['/identity-x'] }, apps[1]] }),
    ]),
    ...['/identity/..;/health', "/health'", '/health?x=1', '/h%00'].map((p): [string, HaWebTierProps, string, HaWebTierProps] => [
      `the health path ${JSON.stringify(p)}`,
      tierProps({ applications: [{ ...apps[0], healthPath: p }, apps[1]] }),
      'applications[0].healthPath',
      tierProps({ applications: [{ ...apps[0], healthPath: '/identity/health.jsp' }, apps[1]] }),
    ]),
    ...['bad', '999.1.1.1', '10.0.0.1:80', ''].map((b): [string, HaWebTierProps, string, HaWebTierProps] => [
      `HAProxy bindAddress ${JSON.stringify(b)}`,
      tierProps({ targets: [new HaproxyWebTarget({ bindAddress: b })] }),
      'targets.haproxy.bindAddress',
      tierProps({ targets: [new HaproxyWebTarget({ bindAddress: '10.0.0.1' })] }),
    ]),
  ];
  rejectsEachBesideItsNeighbour(cases);
});

describe('the standby balancer: two httpd hosts through FailoverCluster', () => {
  it(
    "GIVEN balancerStandby with keepalived THEN balancer/mod-jk/keepalived/<host>.conf checks the balancer's own status page with idha " +
      'check --http',
    () => {
      const t = build(
        tierProps({
          balancerStandby: {
            nodes: [
              { name: 'httpd1', address: '10.0.6.11' },
              { name: 'httpd2', address: '10.0.6.12' },
            ],
            virtualIp: '10.0.6.10',
            prefixLength: 24,
            targets: [new KeepalivedTarget({ virtualRouterId: 60, interfaceName: 'eth0', authSecretFile: '/etc/keepalived/a.conf' })],
          },
        }),
      );
      const k = file(t, 'balancer/mod-jk/keepalived/httpd1-10.0.6.11.conf');
      assert.match(k, /script "\/usr\/local\/bin\/idha check --http http:\/\/10\.0\.6\.11:80\/jkstatus --timeout 1"/);
      assert.match(k, /10\.0\.6\.10\/24 dev eth0/);
      assert.deepEqual(
        t.failoverEstimates().map((e) => `${e.service}/${e.platform}`),
        ['idm-web/mod-jk', 'idm-web balancer (mod-jk)/keepalived'],
      );
    },
  );
});
