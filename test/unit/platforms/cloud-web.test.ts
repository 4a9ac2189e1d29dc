import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import {
  AwsAlbTarget,
  AzureApplicationGatewayTarget,
  AzureLoadBalancerWebTarget,
  F5WebTarget,
  HaWebTierProps,
  KeepalivedTarget,
} from '../../../lib/internal';
import { as3Validator, resources } from '../../helpers';
import { ALB, APPGW, AZLB, build, file, noStandby, rejectsEachBesideItsNeighbour, synthTier, tierProps } from '../../web-tier-fixtures';

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
