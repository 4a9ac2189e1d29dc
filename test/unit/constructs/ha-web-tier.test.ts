import { strict as assert } from 'node:assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describe, it } from 'node:test';
import { Testing, TerraformStack } from 'cdktf';
import * as yaml from 'yaml';
import {
  AwsAlbTarget,
  AzureApplicationGatewayTarget,
  AzureLoadBalancerWebTarget,
  F5WebTarget,
  HaproxyWebTarget,
  HaWebTier,
  HaWebTierProps,
  IWebTierTarget,
  KeepalivedTarget,
  ModJkTarget,
  ModProxyBalancerTarget,
  Topology,
} from '../../../lib/internal';
import { debianApache } from '../../debian-apache';
import { as3Validator, besideItsNeighbour, IDHA, problemsOf, REPO, resources, rx } from '../../helpers';

const SECRET_FILE = '/etc/apache2/idha-ajp-secret.conf';
/** What the mod_proxy_balancer snippet asks for: a2enmod enables their dependencies (slotmem_shm) itself. */
const PROXY_MODULES = ['proxy', 'proxy_http', 'proxy_balancer', 'proxy_hcheck', 'lbmethod_byrequests'];
const tierProps = (
  over: Partial<HaWebTierProps> = {},
  targets: IWebTierTarget[] = [new ModJkTarget({ ajpSecretFile: SECRET_FILE })],
): HaWebTierProps => ({
  nodes: [
    { name: 'tomcat1', address: '10.0.5.11' },
    { name: 'tomcat2', address: '10.0.5.12' },
    { name: 'tomcat3', address: '10.0.5.13' },
  ],
  applications: [
    { name: 'operator', paths: ['/identity'], healthPath: '/identity/health', nodes: ['tomcat1', 'tomcat2'] },
    { name: 'selfservice', paths: ['/selfservice'], healthPath: '/selfservice/health', nodes: ['tomcat3'], standbyNodes: ['tomcat1'] },
  ],
  targets,
  ...over,
});
const build = (p: HaWebTierProps) => new HaWebTier(new TerraformStack(Testing.app(), 's'), 'idm-web', p);
/** Each rejected tier names exactly `field` (once or more); the accepted neighbour has no problem. */
const rejectsEachBesideItsNeighbour = (cases: Array<[string, HaWebTierProps, string, HaWebTierProps]>) =>
  besideItsNeighbour(cases, (x) => problemsOf(() => build(x)), { exact: true });
const file = (t: HaWebTier, name: string) => {
  const s = t.snippets().find((x) => x.fileName === name);
  assert.ok(
    s,
    `${name} among ${t
      .snippets()
      .map((x) => x.fileName)
      .join(', ')}`,
  );
  return s.content;
};

describe('HaWebTier with mod_jk: the rendered files', () => {
  it(
    'GIVEN two applications THEN one httpd file: one lb worker each as JkWorkerProperty, members by reference with route = jvmRoute, the ' +
      'standby at distance 1, sticky sessions',
    () => {
      const c = file(build(tierProps()), 'mod-jk/idha-idm-web.conf');
      const w = c
        .split('\n')
        .filter((l) => l.startsWith('JkWorkerProperty '))
        .map((l) => l.replace(/^JkWorkerProperty "?|"$/g, ''))
        .join('\n');
      assert.match(w, /^worker\.list=operator,selfservice,jkstatus$/m);
      assert.match(w, /^worker\.maintain=5$/m);
      assert.match(w, /^worker\.node__tomcat1\.type=ajp13$/m);
      assert.match(w, /^worker\.node__tomcat1\.host=10\.0\.5\.11$/m);
      assert.match(w, /^worker\.node__tomcat1\.port=8009$/m);
      assert.match(w, /^worker\.node__tomcat1\.ping_mode=A$/m);
      assert.match(w, /^worker\.node__tomcat1\.ping_timeout=3000$/m);
      assert.match(w, /^worker\.node__tomcat1\.connection_pool_timeout=600$/m);
      assert.match(w, /^worker\.operator\.balance_workers=operator__tomcat1,operator__tomcat2$/m);
      assert.match(w, /^worker\.operator\.sticky_session=true$/m);
      assert.match(w, /^worker\.operator__tomcat2\.reference=worker\.node__tomcat2$/m);
      assert.match(w, /^worker\.operator__tomcat2\.route=tomcat2$/m);
      assert.match(w, /^worker\.selfservice\.balance_workers=selfservice__tomcat3,selfservice__tomcat1$/m);
      assert.match(w, /^worker\.selfservice__tomcat3\.distance=0$/m);
      assert.match(w, /^worker\.selfservice__tomcat1\.distance=1$/m);
      assert.match(w, /^worker\.jkstatus\.type=status$/m);
      assert.match(c, /^JkWatchdogInterval 5$/m, "replaces Debian's JkWatchdogInterval 60");
      assert.doesNotMatch(c, /^\s*JkWorkersFile/m, "Debian's jk.conf sets the only JkWorkersFile httpd allows");
    },
  );

  it('THEN the same file mounts each context path and what is under it, includes the secret file and keeps jkstatus local', () => {
    const c = file(build(tierProps()), 'mod-jk/idha-idm-web.conf');
    assert.deepEqual(
      c.split('\n').filter((l) => /^JkMount /.test(l)),
      [
        'JkMount "/identity" operator',
        'JkMount "/identity/*" operator',
        'JkMount "/selfservice" selfservice',
        'JkMount "/selfservice/*" selfservice',
      ],
    );
    assert.match(c, /^Include "\/etc\/apache2\/idha-ajp-secret\.conf"$/m);
    assert.match(c, /^JkWorkerProperty worker\.node__tomcat3\.secret=\$\{IDHA_AJP_SECRET\}$/m);
    assert.match(c, /<Location "\/jkstatus">\n {4}JkMount jkstatus\n {4}Require local\n<\/Location>/);
  });

  it(
    'THEN each Tomcat gets an AJP connector with secretRequired, its address and a secret read from catalina.properties, and jvmRoute on ' +
      'the Engine',
    () => {
      const x = file(
        build(
          tierProps({
            nodes: [
              { name: 'tomcat1', address: '10.0.5.11', jvmRoute: 'tc_1', ajpPort: 8010 },
              { name: 'tomcat2', address: '10.0.5.12' },
              { name: 'tomcat3', address: '10.0.5.13' },
            ],
          }),
        ),
        'tomcat/tomcat1-10.0.5.11-server.xml',
      );
      assert.match(
        x,
        rx(
          '',
          String.raw`<Connector protocol="AJP\/1\.3" address="10\.0\.5\.11" port="8010" rejectSuspiciousURIs="true" secretRequired=`,
          String.raw`"true" secret="\$\{idha\.ajp\.secret:-\}" bindOnInit="false" connectionTimeout="600000" maxConnections="8192" `,
          String.raw`\/>`,
        ),
      );
      assert.match(
        x,
        /<Connector protocol="HTTP\/1\.1" address="10\.0\.5\.11" port="8080" rejectSuspiciousURIs="true" connectionTimeout="600000" \/>/,
        'the HTTP connector too',
      );
      assert.match(x, /<Engine name="Catalina" defaultHost="localhost" jvmRoute="tc_1">/);
    },
  );
});

describe('mod_jk: CPing before each request, or not', () => {
  it(
    'GIVEN the default THEN ping_mode=A and the estimate is the CPing (health) timeout; GIVEN cpingBeforeEachRequest false THEN ' +
      'ping_mode=CI and the estimate is the response timeout',
    () => {
      const a = build(tierProps());
      assert.match(file(a, 'mod-jk/idha-idm-web.conf'), /^JkWorkerProperty worker\.node__tomcat1\.ping_mode=A$/m);
      assert.equal(a.failoverEstimates()[0].worstCaseSeconds, 3);
      const ci = build(tierProps({}, [new ModJkTarget({ ajpSecretFile: SECRET_FILE, cpingBeforeEachRequest: false })]));
      assert.match(file(ci, 'mod-jk/idha-idm-web.conf'), /^JkWorkerProperty worker\.node__tomcat1\.ping_mode=CI$/m);
      assert.equal(ci.failoverEstimates()[0].worstCaseSeconds, 60);
      assert.match(ci.failoverEstimates()[0].formula, /60s reply_timeout for a hung Tomcat/);
    },
  );
});

describe("mod_jk sized against the Tomcats' AJP maxConnections", () => {
  it(
    "GIVEN tomcat2 with ajpMaxConnections 100 and httpd's default MaxRequestWorkers (150) THEN a warning names tomcat2 and both numbers; " +
      'its connector has maxConnections="100"',
    () => {
      const t = build(
        tierProps({
          nodes: [
            { name: 'tomcat1', address: '10.0.5.11' },
            { name: 'tomcat2', address: '10.0.5.12', ajpMaxConnections: 100 },
            { name: 'tomcat3', address: '10.0.5.13' },
          ],
        }),
      );
      const w = t.warnings().filter((x) => /ajpMaxConnections/.test(x));
      assert.equal(w.length, 1, t.warnings().join('\n'));
      assert.match(w[0], /tomcat2 \(ajpMaxConnections 100\).*MaxRequestWorkers \(150\)/);
      assert.doesNotMatch(w[0], /tomcat1|tomcat3/);
      assert.match(file(t, 'tomcat/tomcat2-10.0.5.12-server.xml'), /maxConnections="100"/);
    },
  );
  it('GIVEN the same node with maxRequestWorkers 100 THEN no such warning (the neighbour)', () => {
    const t = build(
      tierProps(
        {
          nodes: [
            { name: 'tomcat1', address: '10.0.5.11' },
            { name: 'tomcat2', address: '10.0.5.12', ajpMaxConnections: 100 },
            { name: 'tomcat3', address: '10.0.5.13' },
          ],
        },
        [new ModJkTarget({ ajpSecretFile: SECRET_FILE, maxRequestWorkers: 100 })],
      ),
    );
    assert.deepEqual(
      t.warnings().filter((x) => /ajpMaxConnections/.test(x)),
      [],
    );
  });
});

describe('HaWebTier with mod_proxy_balancer and HAProxy: the rendered files', () => {
  it(
    'GIVEN mod_proxy_balancer THEN BalancerMember with route, the response timeout (which hcheck uses too), +H for the standby, ' +
      'stickysession, failontimeout, hcmethod/hcuri and a 2xx expression',
    () => {
      const c = file(build(tierProps({}, [new ModProxyBalancerTarget()])), 'mod-proxy-balancer/idha-idm-web-proxy.conf');
      assert.match(
        c,
        rx(
          '',
          String.raw`<Proxy "balancer:\/\/operator">\n {4}BalancerMember "http:\/\/10\.0\.5\.11:8080" route=tomcat1 connectiontimeo`,
          String.raw`ut=3 timeout=60 hcmethod=GET hcuri=\/identity\/health hcexpr=idha_2xx hcinterval=5 hcfails=2 hcpasses=2\n`,
        ),
      );
      assert.match(c, /BalancerMember "http:\/\/10\.0\.5\.11:8080" route=tomcat1 .* hcuri=\/selfservice\/health .* status=\+H$/m);
      assert.match(c, /ProxySet stickysession=JSESSIONID\|jsessionid lbmethod=byrequests failontimeout=On/);
      assert.match(c, /^ProxyPass "\/selfservice" "balancer:\/\/selfservice\/selfservice"$/m);
    },
  );

  it(
    'GIVEN HAProxy THEN a backend per application by path, httpchk on the health path, the standby as backup, routing by the jvmRoute ' + 'suffix',
    () => {
      const c = file(build(tierProps({}, [new HaproxyWebTarget()])), 'haproxy/haproxy.cfg');
      assert.match(c, /acl app__operator path \/identity\n {4}acl app__operator path_beg \/identity\/\n/);
      assert.match(c, /^ {4}stats socket \/run\/haproxy\/admin\.sock mode 660 level admin$/m);
      assert.match(
        c,
        rx(
          '',
          String.raw`http-request return status 404 content-type text\/plain string "no application at this path" unless app__opera`,
          String.raw`tor \|\| app__selfservice\n {4}use_backend idm-web-operator if app__operator\n`,
        ),
      );
      assert.match(c, /backend idm-web-selfservice\n(.*\n)*? {4}option httpchk GET \/selfservice\/health/);
      assert.match(c, /^ {4}server tomcat1 10\.0\.5\.11:8080 backup$/m);
      assert.match(c, /^ {4}use-server tomcat2 if \{ req\.cook\(JSESSIONID\) -m end \.tomcat2 \}$/m);
      assert.doesNotMatch(c, /^\s*cookie /m, 'HAProxy sets no cookie of its own');
      // No request lost at a kill (the live test shows what these do): retries elsewhere, never a POST once sent, mark-down on live errors.
      for (const line of [
        'retries 3',
        'option redispatch 1',
        'retry-on conn-failure empty-response response-timeout',
        'timeout server 60s',
        'http-request disable-l7-retry unless METH_GET || METH_HEAD || METH_OPTIONS || METH_PUT || METH_DELETE || METH_TRACE',
      ]) {
        assert.match(c, new RegExp(`^ {4}${line.replace(/[|()]/g, '\\$&')}$`, 'm'), line);
      }
      assert.match(c, /^ {4}default-server check inter 5s fall 2 rise 2 observe layer4 error-limit 1 on-error mark-down$/m);
    },
  );
});

const ALB = { vpcId: 'vpc-0a1b2c3d', subnetIds: ['subnet-0aaa1111', 'subnet-0bbb2222'], targetSecurityGroupId: 'sg-0123abcd' };
const APPGW = {
  resourceGroupName: 'rg',
  location: 'westeurope',
  subnetId: '/subscriptions/x/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/appgw',
  frontendPrivateIp: '10.0.9.10',
  publicIpAddressId: '/subscriptions/x/pip',
  gatewayNetworkSecurityGroupName: 'nsg-appgw',
};
const AZLB = {
  resourceGroupName: 'rg',
  location: 'westeurope',
  subnetId: '/subscriptions/x/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/web',
  virtualNetworkId: '/subscriptions/x/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v',
  networkSecurityGroupName: 'nsg-web',
};
const noStandby = (over: Partial<HaWebTierProps> = {}, targets: IWebTierTarget[] = []) =>
  tierProps(
    {
      allowedClients: ['10.0.0.0/8'],
      applications: [tierProps().applications[0], { ...tierProps().applications[1], standbyNodes: undefined }],
      ...over,
    },
    targets,
  );
const synthTier = (p: HaWebTierProps) => {
  const stack = new TerraformStack(Testing.app(), 's');
  const t = new HaWebTier(stack, 'idm-web', p);
  return { tier: t, tf: JSON.parse(Testing.synth(stack)) };
};

describe('HaWebTier on cloud balancers and F5', () => {
  it(
    'GIVEN aws-alb THEN an application ALB, a target group per application with its health path and app_cookie stickiness on JSESSIONID, ' +
      'rules by path',
    () => {
      const { tf } = synthTier(noStandby({}, [new AwsAlbTarget(ALB)]));
      const lb = resources(tf, 'aws_lb')[0];
      assert.equal(lb.load_balancer_type, 'application');
      const tgs = resources(tf, 'aws_lb_target_group');
      assert.deepEqual(tgs.map((t) => t.name).sort(), ['idm-web-operator', 'idm-web-selfservice']);
      const op = tgs.find((t) => t.name === 'idm-web-operator')!;
      assert.deepEqual(op.stickiness, { enabled: true, type: 'app_cookie', cookie_name: 'JSESSIONID', cookie_duration: 86400 });
      assert.equal(op.health_check.path, '/identity/health');
      assert.equal(op.health_check.matcher, '200-299');
      const rules = resources(tf, 'aws_lb_listener_rule');
      // First (priorities 1-5): 400 for dot segments and encoded separators; then one rule per path.
      assert.deepEqual(
        rules.map((r) => [r.priority, r.action[0].type, r.condition[0].path_pattern.values]),
        [
          [1, 'fixed-response', ['*/../*', '*/..;*', '*/..']],
          [2, 'fixed-response', ['*/./*', '*/.;*', '*/.']],
          [3, 'fixed-response', ['*%2e*', '*%2E*']],
          [4, 'fixed-response', ['*%2f*', '*%2F*']],
          [5, 'fixed-response', ['*%5c*', '*%5C*']],
          [100, 'forward', ['/identity', '/identity/*']],
          [101, 'forward', ['/selfservice', '/selfservice/*']],
        ],
      );
      assertWithinAlbLimits(rules);
      assert.equal(Object.keys(tf.resource.aws_lb_target_group_attachment).length, 3);
    },
  );

  /** AWS (ALB listener rules): one path-pattern condition per rule, at most 3 values in it, 5 per rule, and 5 wildcard characters per rule. */
  const assertWithinAlbLimits = (rules: any[]) => {
    for (const r of rules) {
      assert.equal(r.condition.filter((c: any) => c.path_pattern).length, 1, JSON.stringify(r));
      for (const c of r.condition) assert.ok(c.path_pattern.values.length <= 3, JSON.stringify(c));
      assert.ok(r.condition.reduce((k: number, c: any) => k + c.path_pattern.values.length, 0) <= 5, JSON.stringify(r));
      assert.ok(
        r.condition.reduce((k: number, c: any) => k + c.path_pattern.values.join('').replace(/[^*?]/g, '').length, 0) <= 5,
        `wildcards: ${JSON.stringify(r)}`,
      );
    }
  };
  // Each path needs 2 values (itself and what is under it): one rule per path.
  for (const n of [1, 2, 3]) {
    it(
      `GIVEN aws-alb and an application with ${n} path(s) THEN one rule per path, each within AWS's 3 values per condition and 5 per rule, ` +
        `priorities unique`,
      () => {
        const paths = ['/identity', '/identityiq', '/iiq'].slice(0, n);
        const apps = [
          { ...tierProps().applications[0], paths },
          { ...tierProps().applications[1], standbyNodes: undefined },
        ];
        const { tf } = synthTier(noStandby({ applications: apps }, [new AwsAlbTarget(ALB)]));
        const rules = resources(tf, 'aws_lb_listener_rule')
          .filter((r) => r.action[0].type === 'forward')
          .sort((a, b) => a.priority - b.priority);
        assert.deepEqual(
          rules.map((r) => r.condition[0].path_pattern.values),
          [...paths.map((x) => [x, `${x}/*`]), ['/selfservice', '/selfservice/*']],
        );
        assertWithinAlbLimits(resources(tf, 'aws_lb_listener_rule'));
        const priorities = resources(tf, 'aws_lb_listener_rule').map((r) => r.priority);
        assert.equal(new Set(priorities).size, priorities.length);
      },
    );
  }

  it('GIVEN aws-alb with IPv6 Tomcats THEN a dualstack ALB and target groups of ip_address_type ipv6; IPv4 ones stay ipv4', () => {
    const v6 = noStandby(
      {
        nodes: [
          { name: 'tomcat1', address: 'fd00:5::11' },
          { name: 'tomcat2', address: 'fd00:5::12' },
          { name: 'tomcat3', address: 'fd00:5::13' },
        ],
        allowedClients: ['fd00::/16'],
      },
      [new AwsAlbTarget(ALB)],
    );
    const { tf } = synthTier(v6);
    assert.equal(resources(tf, 'aws_lb')[0].ip_address_type, 'dualstack');
    assert.deepEqual(
      resources(tf, 'aws_lb_target_group').map((t) => t.ip_address_type),
      ['ipv6', 'ipv6'],
    );
    const v4 = synthTier(noStandby({}, [new AwsAlbTarget(ALB)])).tf;
    assert.deepEqual(
      resources(v4, 'aws_lb_target_group').map((t) => t.ip_address_type),
      ['ipv4', 'ipv4'],
    );
  });

  describe('aws-alb refuses what AWS refuses, beside an accepted neighbour', () => {
    const long = `/${'a'.repeat(126)}`;
    rejectsEachBesideItsNeighbour([
      [
        'an application with IPv4 and IPv6 nodes (one target group holds one family)',
        noStandby(
          {
            nodes: [
              { name: 'tomcat1', address: '10.0.5.11' },
              { name: 'tomcat2', address: 'fd00:5::12' },
              { name: 'tomcat3', address: 'fd00:5::13' },
            ],
            allowedClients: ['10.0.0.0/8', 'fd00::/16'],
          },
          [new AwsAlbTarget(ALB)],
        ),
        'applications[0].nodes',
        noStandby(
          {
            nodes: [
              { name: 'tomcat1', address: 'fd00:5::11' },
              { name: 'tomcat2', address: 'fd00:5::12' },
              { name: 'tomcat3', address: '10.0.5.13' },
            ],
            allowedClients: ['10.0.0.0/8', 'fd00::/16'],
          },
          [new AwsAlbTarget(ALB)],
        ),
      ],
      [
        'a path whose pattern exceeds 128 characters',
        noStandby(
          {
            applications: [
              { ...tierProps().applications[0], paths: [long] },
              { ...tierProps().applications[1], standbyNodes: undefined },
            ],
          },
          [new AwsAlbTarget(ALB)],
        ),
        'applications[0].paths[0]',
        noStandby(
          {
            applications: [
              { ...tierProps().applications[0], paths: [long.slice(0, 126)] },
              { ...tierProps().applications[1], standbyNodes: undefined },
            ],
          },
          [new AwsAlbTarget(ALB)],
        ),
      ],
      [
        '96 paths (101 rules with the 5 dot-segment rules)',
        noStandby(
          {
            applications: [
              { ...tierProps().applications[0], paths: Array.from({ length: 95 }, (_, k) => `/p${k}`) },
              { ...tierProps().applications[1], standbyNodes: undefined },
            ],
          },
          [new AwsAlbTarget(ALB)],
        ),
        'applications',
        noStandby(
          {
            applications: [
              { ...tierProps().applications[0], paths: Array.from({ length: 94 }, (_, k) => `/p${k}`) },
              { ...tierProps().applications[1], standbyNodes: undefined },
            ],
          },
          [new AwsAlbTarget(ALB)],
        ),
      ],
    ]);
  });

  it('GIVEN azure-appgw THEN Standard_v2, a probe and cookie-affinity HTTP settings per application, and one path-based rule', () => {
    const { tf } = synthTier(noStandby({}, [new AzureApplicationGatewayTarget(APPGW)]));
    const g = resources(tf, 'azurerm_application_gateway')[0];
    assert.equal(g.sku.name, 'Standard_v2');
    assert.deepEqual(
      g.probe.map((p: any) => [p.name, p.path, p.interval, p.unhealthy_threshold, p.match.status_code[0]]),
      [
        ['operator-probe', '/identity/health', 5, 2, '200-299'],
        ['selfservice-probe', '/selfservice/health', 5, 2, '200-299'],
      ],
    );
    assert.deepEqual(
      g.backend_http_settings.map((x: any) => [x.name, x.cookie_based_affinity]),
      [
        ['operator-http', 'Enabled'],
        ['selfservice-http', 'Enabled'],
        ['unmatched-http', 'Disabled'],
      ],
    );
    assert.deepEqual(
      g.url_path_map[0].path_rule.map((r: any) => r.paths),
      [
        ['/identity', '/identity/*'],
        ['/selfservice', '/selfservice/*'],
      ],
    );
    assert.equal(g.request_routing_rule[0].rule_type, 'PathBasedRouting');
    assert.equal(g.http_listener[0].frontend_ip_configuration_name, 'private');
  });

  it(
    'GIVEN azure-appgw THEN a path no application serves goes under a prefix no application uses (a Tomcat answers 404), not to the first ' +
      'application',
    () => {
      const { tier, tf } = synthTier(noStandby({}, [new AzureApplicationGatewayTarget(APPGW)]));
      const g = resources(tf, 'azurerm_application_gateway')[0];
      const settings = g.backend_http_settings.find((x: any) => x.name === g.url_path_map[0].default_backend_http_settings_name);
      assert.deepEqual([settings.name, settings.path, settings.cookie_based_affinity], ['unmatched-http', '/idha-no-application/', 'Disabled']);
      assert.ok(!g.url_path_map[0].path_rule.some((r: any) => r.backend_http_settings_name === 'unmatched-http'), 'no application uses it');
      assert.ok(
        tier.warnings().some((w) => /a path no application serves .* Tomcat answers 404/.test(w)),
        tier.warnings().join('\n'),
      );
    },
  );

  it(
    "GIVEN azure-appgw with allowedClients THEN the gateway subnet's NSG lets only them reach the listener port: Allow, then Deny at the " +
      'next priority, before AllowVnetInBound (65000)',
    () => {
      const { tf } = synthTier(noStandby({}, [new AzureApplicationGatewayTarget(APPGW)]));
      const rules = resources(tf, 'azurerm_network_security_rule')
        .filter((r) => r.network_security_group_name === 'nsg-appgw')
        .sort((a, b) => a.priority - b.priority);
      assert.deepEqual(
        rules.map((r) => [r.priority, r.access, r.source_address_prefixes ?? r.source_address_prefix, r.destination_port_range]),
        [
          [1110, 'Allow', ['10.0.0.0/8'], '80'],
          [1111, 'Deny', '*', '80'],
        ],
      );
      assert.ok(rules.every((r) => r.priority < 65000));
    },
  );

  it(
    "GIVEN azure-lb web THEN the Tomcats' NSG: Allow clients, Allow the Azure probe, (Allow directSources,) then Deny everyone else on the " +
      'HTTP port, before AllowVnetInBound',
    () => {
      const apps = tierProps().applications.map((a) => ({ ...a, nodes: ['tomcat1', 'tomcat2'], standbyNodes: undefined }));
      for (const [direct, expected] of [
        [
          undefined,
          [
            [1200, 'Allow', ['10.0.0.0/8']],
            [1201, 'Allow', 'AzureLoadBalancer'],
            [1203, 'Deny', '*'],
          ],
        ],
        [
          ['10.9.0.0/24'],
          [
            [1200, 'Allow', ['10.0.0.0/8']],
            [1201, 'Allow', 'AzureLoadBalancer'],
            [1202, 'Allow', ['10.9.0.0/24']],
            [1203, 'Deny', '*'],
          ],
        ],
      ] as const) {
        const { tier, tf } = synthTier(
          noStandby({ applications: apps }, [new AzureLoadBalancerWebTarget({ ...AZLB, directSources: direct as string[] | undefined })]),
        );
        const rules = resources(tf, 'azurerm_network_security_rule').sort((a, b) => a.priority - b.priority);
        assert.deepEqual(
          rules.map((r) => [r.priority, r.access, r.source_address_prefixes ?? r.source_address_prefix]),
          expected,
        );
        assert.ok(rules.every((r) => r.destination_port_range === '8080' && r.priority < 65000));
        assert.ok(
          tier.warnings().some((w) => /passes only on status 200/.test(w)),
          'the 200-only probe is said',
        );
      }
    },
  );

  it('GIVEN azure-lb with one pool THEN an HTTP probe on the health path and SourceIPProtocol distribution', () => {
    const apps = tierProps().applications.map((a) => ({ ...a, nodes: ['tomcat1', 'tomcat2'], standbyNodes: undefined }));
    const { tf } = synthTier(noStandby({ applications: apps }, [new AzureLoadBalancerWebTarget(AZLB)]));
    const probe = resources(tf, 'azurerm_lb_probe')[0];
    assert.deepEqual([probe.protocol, probe.request_path, probe.port], ['Http', '/identity/health', 8080]);
    assert.equal(resources(tf, 'azurerm_lb_rule')[0].load_distribution, 'SourceIPProtocol');
  });

  it(
    'GIVEN f5 THEN an AS3 Service_HTTP with a pool, an HTTP monitor per application, the standby in priority group 0, valid against the ' +
      'vendored AS3 schema',
    () => {
      const t = build(tierProps({}, [new F5WebTarget({ virtualAddress: '10.0.0.80' })]));
      const decl = JSON.parse(file(t, 'f5/as3.json'));
      const validate = as3Validator();
      assert.ok(validate(decl), JSON.stringify(validate.errors?.slice(0, 5)));
      const app = decl.declaration.idha_idm_web.web;
      assert.equal(app.idm_web_vs.class, 'Service_HTTP');
      assert.equal(app.selfservice_monitor.send, 'GET /selfservice/health HTTP/1.1\r\nHost: idha\r\nConnection: close\r\n\r\n');
      assert.deepEqual(
        app.selfservice_pool.members.map((m: any) => [m.serverAddresses[0], m.priorityGroup]),
        [
          ['10.0.5.13', 10],
          ['10.0.5.11', 0],
        ],
      );
      assert.equal(app.selfservice_pool.minimumMembersActive, 1);
      assert.deepEqual(
        app.idha_paths.rules.map((r: any) => [r.name, r.actions[0].type]),
        [
          ['refuse-dot-segments', 'drop'],
          ['refuse-dot-segments-end', 'drop'],
          ['operator', 'forward'],
          ['operator-under', 'forward'],
          ['selfservice', 'forward'],
          ['selfservice-under', 'forward'],
        ],
      );
      // Whole path segments: /identity itself and what lies under /identity/, never /identityX.
      assert.deepEqual(
        app.idha_paths.rules.slice(2).map((r: any) => [r.conditions[0].path.operand, r.conditions[0].path.values]),
        [
          ['equals', ['/identity']],
          ['starts-with', ['/identity/']],
          ['equals', ['/selfservice']],
          ['starts-with', ['/selfservice/']],
        ],
      );
      assert.ok(
        app.idha_paths.rules[0].conditions[0].path.values.includes('/..;') && app.idha_paths.rules[1].conditions[0].path.values.includes('/%2e%2e'),
      );
      // A wrong declaration fails the same schema: the check can fail.
      assert.equal(
        validate({
          ...decl,
          declaration: {
            ...decl.declaration,
            idha_idm_web: { class: 'Tenant', web: { ...app, idm_web_vs: { ...app.idm_web_vs, virtualPort: 'eighty' } } },
          },
        }),
        false,
      );
    },
  );

  const cases: Array<[string, HaWebTierProps, string, HaWebTierProps]> = [
    [
      'a hot standby behind an ALB',
      tierProps({ allowedClients: ['10.0.0.0/8'] }, [new AwsAlbTarget(ALB)]),
      'applications[1].standbyNodes',
      noStandby({}, [new AwsAlbTarget(ALB)]),
    ],
    [
      'an ALB health interval under 5 s',
      noStandby({ healthCheck: { intervalSeconds: 3, timeoutSeconds: 2 } }, [new AwsAlbTarget(ALB)]),
      'healthCheck.intervalSeconds',
      noStandby({ healthCheck: { intervalSeconds: 5, timeoutSeconds: 2 } }, [new AwsAlbTarget(ALB)]),
    ],
    [
      'separated pools behind a layer-4 Azure LB',
      noStandby({}, [new AzureLoadBalancerWebTarget(AZLB)]),
      'applications[1].nodes',
      noStandby({ applications: tierProps().applications.map((a) => ({ ...a, nodes: ['tomcat1', 'tomcat2'], standbyNodes: undefined })) }, [
        new AzureLoadBalancerWebTarget(AZLB),
      ]),
    ],
    [
      'a DNS-named node behind an Application Gateway',
      noStandby({ nodes: [{ name: 'tomcat1', address: 'tc1.example.net' }, ...tierProps().nodes.slice(1)] }, [
        new AzureApplicationGatewayTarget(APPGW),
      ]),
      'nodes[0].address',
      noStandby({}, [new AzureApplicationGatewayTarget(APPGW)]),
    ],
    ...((): Array<[string, HaWebTierProps, string, HaWebTierProps]> => {
      const one = {
        applications: tierProps().applications.map((a) => ({ ...a, nodes: ['tomcat1', 'tomcat2'], standbyNodes: undefined })),
        healthCheck: { intervalSeconds: 5, timeoutSeconds: 2 },
      };
      const lb = (over: object) => noStandby(one, [new AzureLoadBalancerWebTarget({ ...AZLB, ...over })]);
      const gw = (over: object) => noStandby({}, [new AzureApplicationGatewayTarget({ ...APPGW, ...over })]);
      return [
        [
          'Azure LB web zone "4" (the IQService target refuses it too)',
          lb({ zones: ['1', '4'] }),
          'targets.azure-lb.zones[1]',
          lb({ zones: ['1', '3'] }),
        ],
        [
          'Azure LB web frontend 10.1.7.300',
          lb({ frontendPrivateIp: '10.1.7.300' }),
          'targets.azure-lb.frontendPrivateIp',
          lb({ frontendPrivateIp: '10.1.7.30' }),
        ],
        [
          'Azure LB web probe every 2 s',
          noStandby({ ...one, healthCheck: { intervalSeconds: 2, timeoutSeconds: 1 } }, [new AzureLoadBalancerWebTarget(AZLB)]),
          'healthCheck.intervalSeconds',
          lb({}),
        ],
        [
          'Azure LB web with IPv4 nodes and an IPv6 client block',
          noStandby({ ...one, allowedClients: ['10.0.0.0/8', 'fd00::/64'] }, [new AzureLoadBalancerWebTarget(AZLB)]),
          'allowedClients[1]',
          noStandby({ ...one, allowedClients: ['10.0.0.0/8', '192.168.0.0/16'] }, [new AzureLoadBalancerWebTarget(AZLB)]),
        ],
        [
          'Azure LB web directSources that is not a CIDR block',
          lb({ directSources: ['10.9.0.0/33'] }),
          'targets.azure-lb.directSources[0]',
          lb({ directSources: ['10.9.0.0/24'] }),
        ],
        [
          'Application Gateway with allowedClients and no gateway NSG (it filters no client itself)',
          gw({ gatewayNetworkSecurityGroupName: undefined }),
          'targets.azure-appgw.gatewayNetworkSecurityGroupName',
          gw({}),
        ],
        ['Application Gateway zone "4"', gw({ zones: ['4'] }), 'targets.azure-appgw.zones[0]', gw({ zones: ['2'] })],
        [
          'Application Gateway frontend 10.1.7.300',
          gw({ frontendPrivateIp: '10.1.7.300' }),
          'targets.azure-appgw.frontendPrivateIp',
          gw({ frontendPrivateIp: '10.0.9.11' }),
        ],
        [
          "Application Gateway frontend on a Tomcat's address",
          gw({ frontendPrivateIp: tierProps().nodes[0].address }),
          'targets.azure-appgw.frontendPrivateIp',
          gw({ frontendPrivateIp: '10.0.9.11' }),
        ],
      ];
    })(),
    [
      'a standby balancer with only a cloud balancer',
      noStandby(
        {
          balancerStandby: {
            nodes: [
              { name: 'a', address: '10.0.6.11' },
              { name: 'b', address: '10.0.6.12' },
            ],
            virtualIp: '10.0.6.10',
            prefixLength: 24,
            targets: [new KeepalivedTarget({ virtualRouterId: 9, interfaceName: 'eth0', authSecretFile: '/etc/k.conf' })],
          },
        },
        [new AwsAlbTarget(ALB)],
      ),
      'balancerStandby',
      noStandby({}, [new AwsAlbTarget(ALB)]),
    ],
  ];
  rejectsEachBesideItsNeighbour(cases);
});

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
