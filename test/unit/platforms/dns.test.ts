import { strict as assert } from 'node:assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describe, it } from 'node:test';
import { TerraformStack, Testing } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { DataAwsRoute53Zone } from '@cdktf/provider-aws/lib/data-aws-route53-zone';
import {
  AwsRoute53FailoverTarget,
  AwsRoute53FailoverTargetProps,
  AzureLoadBalancerTarget,
  AzureTrafficManagerTarget,
  AzureTrafficManagerTargetProps,
  HaStrategy,
  IQSERVICE_MALFORMED_LOG_LINE,
  IqServiceHaPair,
  IqServiceHaPairProps,
  ProbeKind,
  buildTopologyApp,
  loadTopologyFile,
} from '../../../lib/internal';
import { AZURE, besideItsNeighbour, pairProps, problemsOf, REPO, resources, runIdha, snapshotDir, synthPair } from '../../helpers';

const DNS_EXAMPLE = path.join(REPO, 'examples', 'iqservice-dns.yaml');
const TM: AzureTrafficManagerTargetProps = { resourceGroupName: 'rg-identity', relativeDnsName: 'contoso-iq' };
const R53: AwsRoute53FailoverTargetProps = { hostedZoneId: 'Z0123', recordName: 'iq.contoso.example.com' };
const R53_PRIVATE: AwsRoute53FailoverTargetProps = {
  hostedZoneId: 'Z0456',
  recordName: 'iq.corp.internal',
  privateZone: true,
  healthMetric: { namespace: 'IdentityHA', metricName: 'GateOpen', region: 'eu-west-1' },
};

/** A valid DNS pair on two public sites; tests override one field at a time. */
function dnsProps(over: Partial<IqServiceHaPairProps> = {}): IqServiceHaPairProps {
  return pairProps({
    strategy: HaStrategy.DNS,
    primary: { address: '198.51.100.10', iqserviceVersion: '8.4p2' },
    secondary: { address: '203.0.113.20', iqserviceVersion: '8.4p2' },
    targets: [new AzureTrafficManagerTarget(TM), new AwsRoute53FailoverTarget(R53)],
    ...over,
  });
}

const PRIVATE_HOSTS = {
  primary: { address: '10.0.1.10', iqserviceVersion: '8.4p2' },
  secondary: { address: '10.8.1.10', iqserviceVersion: '8.4p2' },
};

describe('Azure Traffic Manager (strategy dns)', () => {
  const { tf } = synthPair(dnsProps({ targets: [new AzureTrafficManagerTarget({ ...TM, dnsTtlSeconds: 20 })] }));

  it('THEN a Priority profile with a TCP monitor on the sidecar gate port, not on 5050', () => {
    const [p] = resources(tf, 'azurerm_traffic_manager_profile');
    assert.equal(p.traffic_routing_method, 'Priority');
    assert.equal(p.resource_group_name, 'rg-identity');
    assert.deepEqual(p.dns_config, { relative_name: 'contoso-iq', ttl: 20 });
    assert.deepEqual(p.monitor_config, {
      protocol: 'TCP',
      port: 15050,
      interval_in_seconds: 10,
      timeout_in_seconds: 5,
      tolerated_number_of_failures: 2,
    });
  });

  it('THEN one external endpoint per host: primary priority 1, secondary priority 2', () => {
    const eps = resources(tf, 'azurerm_traffic_manager_external_endpoint')
      .map((e) => [e.name, e.target, e.priority])
      .sort();
    assert.deepEqual(eps, [
      ['iqservice-primary', '198.51.100.10', 1],
      ['iqservice-secondary', '203.0.113.20', 2],
    ]);
    for (const e of resources(tf, 'azurerm_traffic_manager_external_endpoint')) assert.match(e.profile_id, /azurerm_traffic_manager_profile\./);
  });

  it('THEN no load balancer and no network resources are rendered', () => {
    assert.equal(tf.resource.azurerm_lb, undefined);
    assert.equal(tf.resource.azurerm_network_security_rule, undefined);
  });

  it('GIVEN the sidecar HTTP probe THEN an HTTP monitor on the health port, GET /healthz, 200 only', () => {
    const { tf: t2 } = synthPair(dnsProps({ probe: { kind: ProbeKind.SIDECAR_HTTP }, targets: [new AzureTrafficManagerTarget(TM)] }));
    const [p] = resources(t2, 'azurerm_traffic_manager_profile');
    assert.deepEqual(
      [p.monitor_config.protocol, p.monitor_config.port, p.monitor_config.path, p.monitor_config.expected_status_code_ranges],
      ['HTTP', 15051, '/healthz', ['200-200']],
    );
  });

  it('GIVEN the service port asked for explicitly THEN the monitor watches 5050 and synth warns with the IQService log line', () => {
    const { tf: t2, pair } = synthPair(
      dnsProps({ probe: { kind: ProbeKind.TCP_CONNECT, allowNoisyTcpProbe: true }, targets: [new AzureTrafficManagerTarget(TM)] }),
    );
    const [p] = resources(t2, 'azurerm_traffic_manager_profile');
    assert.equal(p.monitor_config.port, 5050);
    assert.equal(pair.warnings().length, 1);
    assert.ok(pair.warnings()[0].includes(IQSERVICE_MALFORMED_LOG_LINE));
  });

  it('GIVEN DNS-named hosts THEN the endpoints target the names', () => {
    const { tf: t2 } = synthPair(
      dnsProps({
        primary: { address: 'iq1.site-a.example.com', iqserviceVersion: '8.4p2' },
        secondary: { address: 'iq2.site-b.example.com', iqserviceVersion: '8.4p2' },
        targets: [new AzureTrafficManagerTarget(TM)],
      }),
    );
    assert.deepEqual(
      resources(t2, 'azurerm_traffic_manager_external_endpoint')
        .map((e) => e.target)
        .sort(),
      ['iq1.site-a.example.com', 'iq2.site-b.example.com'],
    );
  });
});

describe('AWS Route 53 failover records (strategy dns)', () => {
  const { tf } = synthPair(
    dnsProps({
      targets: [new AwsRoute53FailoverTarget({ ...R53, dnsTtlSeconds: 15, healthCheck: { requestIntervalSeconds: 30, failureThreshold: 3 } })],
    }),
  );
  const checks = resources(tf, 'aws_route53_health_check');
  const records = resources(tf, 'aws_route53_record');

  it('THEN one TCP health check per host on the gate port, with the interval and threshold given', () => {
    assert.deepEqual(checks.map((c) => [c.type, c.ip_address, c.port, c.request_interval, c.failure_threshold]).sort(), [
      ['TCP', '198.51.100.10', 15050, 30, 3],
      ['TCP', '203.0.113.20', 15050, 30, 3],
    ]);
  });

  it("THEN PRIMARY and SECONDARY A records for one name, each tied to its own host's health check", () => {
    const byRole = Object.fromEntries(records.map((r) => [r.failover_routing_policy.type, r]));
    assert.deepEqual(Object.keys(byRole).sort(), ['PRIMARY', 'SECONDARY']);
    assert.deepEqual(byRole.PRIMARY.records, ['198.51.100.10']);
    assert.deepEqual(byRole.SECONDARY.records, ['203.0.113.20']);
    for (const r of records) {
      assert.deepEqual([r.zone_id, r.name, r.type, r.ttl], ['Z0123', 'iq.contoso.example.com', 'A', 15]);
      assert.match(r.health_check_id, /^\$\{aws_route53_health_check\.[^}]+\.id\}$/);
    }
    assert.notEqual(byRole.PRIMARY.set_identifier, byRole.SECONDARY.set_identifier);
    assert.notEqual(byRole.PRIMARY.health_check_id, byRole.SECONDARY.health_check_id);
    const primaryCheckKey = byRole.PRIMARY.health_check_id.split('.')[1];
    assert.equal(tf.resource.aws_route53_health_check[primaryCheckKey].ip_address, '198.51.100.10');
  });

  it('GIVEN IPv6 hosts THEN AAAA records; GIVEN DNS-named hosts THEN CNAME records and FQDN checks', () => {
    const v6 = synthPair(
      dnsProps({
        primary: { address: '2001:db8:a::10', iqserviceVersion: '8.4p2' },
        secondary: { address: '2001:db8:b::10', iqserviceVersion: '8.4p2' },
        allowedClients: ['2001:db8:c::/48'],
        targets: [new AwsRoute53FailoverTarget(R53)],
      }),
    ).tf;
    assert.deepEqual(
      resources(v6, 'aws_route53_record').map((r) => r.type),
      ['AAAA', 'AAAA'],
    );
    const names = synthPair(
      dnsProps({
        primary: { address: 'iq1.site-a.example.com', iqserviceVersion: '8.4p2' },
        secondary: { address: 'iq2.site-b.example.com', iqserviceVersion: '8.4p2' },
        targets: [new AwsRoute53FailoverTarget(R53)],
      }),
    ).tf;
    assert.deepEqual(
      resources(names, 'aws_route53_record').map((r) => r.type),
      ['CNAME', 'CNAME'],
    );
    assert.deepEqual(
      resources(names, 'aws_route53_health_check')
        .map((c) => [c.fqdn, c.ip_address])
        .sort(),
      [
        ['iq1.site-a.example.com', undefined],
        ['iq2.site-b.example.com', undefined],
      ],
    );
  });

  it('GIVEN the sidecar HTTP probe THEN HTTP checks of /healthz on the health port', () => {
    const t2 = synthPair(dnsProps({ probe: { kind: ProbeKind.SIDECAR_HTTP }, targets: [new AwsRoute53FailoverTarget(R53)] })).tf;
    for (const c of resources(t2, 'aws_route53_health_check')) assert.deepEqual([c.type, c.port, c.resource_path], ['HTTP', 15051, '/healthz']);
  });

  it('GIVEN a private zone THEN per host a CloudWatch alarm on the named metric and a CLOUDWATCH_METRIC check; no endpoint checks', () => {
    const t2 = synthPair(dnsProps({ ...PRIVATE_HOSTS, targets: [new AwsRoute53FailoverTarget(R53_PRIVATE)] })).tf;
    const alarms = resources(t2, 'aws_cloudwatch_metric_alarm');
    assert.deepEqual(alarms.map((a) => a.dimensions.Host).sort(), ['10.0.1.10', '10.8.1.10']);
    for (const a of alarms) {
      assert.deepEqual(
        [a.namespace, a.metric_name, a.statistic, a.period, a.evaluation_periods, a.threshold, a.comparison_operator, a.treat_missing_data, a.region],
        ['IdentityHA', 'GateOpen', 'Minimum', 60, 1, 1, 'LessThanThreshold', 'breaching', 'eu-west-1'],
      );
    }
    const c2 = resources(t2, 'aws_route53_health_check');
    assert.equal(c2.length, 2);
    for (const c of c2) {
      assert.deepEqual([c.type, c.cloudwatch_alarm_region, c.insufficient_data_health_status], ['CLOUDWATCH_METRIC', 'eu-west-1', 'Unhealthy']);
      assert.match(c.cloudwatch_alarm_name, /aws_cloudwatch_metric_alarm\..+\.alarm_name/);
      assert.equal(c.ip_address, undefined);
      assert.equal(c.port, undefined);
    }
    assert.deepEqual(
      resources(t2, 'aws_route53_record')
        .map((r) => r.records[0])
        .sort(),
      ['10.0.1.10', '10.8.1.10'],
    );
  });

  it("GIVEN a zone and name from the user's own data source THEN the tokens pass through", () => {
    const stack = new TerraformStack(Testing.app(), 'user');
    new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
    const zone = new DataAwsRoute53Zone(stack, 'zone', { name: 'contoso.example.com' });
    new IqServiceHaPair(
      stack,
      'iq',
      dnsProps({ targets: [new AwsRoute53FailoverTarget({ hostedZoneId: zone.zoneId, recordName: `iq.${zone.name}` })] }),
    );
    const tf = JSON.parse(Testing.synth(stack, true));
    for (const r of resources(tf, 'aws_route53_record')) {
      assert.equal(r.zone_id, '${data.aws_route53_zone.zone.zone_id}');
      assert.equal(r.name, 'iq.${data.aws_route53_zone.zone.name}');
    }
  });
});

type Row = [string, Partial<IqServiceHaPairProps>, string, Partial<IqServiceHaPairProps>];
const tm = (p: Partial<AzureTrafficManagerTargetProps>) => ({ targets: [new AzureTrafficManagerTarget({ ...TM, ...p })] });
const r53 = (p: Partial<AwsRoute53FailoverTargetProps>, hosts: Partial<IqServiceHaPairProps> = {}) => ({
  ...hosts,
  targets: [new AwsRoute53FailoverTarget({ ...R53, ...p })],
});
const TMF = 'targets.azure-traffic-manager';
const R5F = 'targets.aws-route53';

const matrix: Row[] = [
  [
    'a Traffic Manager interval of 20 s',
    tm({ monitor: { intervalSeconds: 20 } }),
    `${TMF}.monitor.intervalSeconds`,
    tm({ monitor: { intervalSeconds: 30 } }),
  ],
  [
    'a 10 s timeout with 10 s probing',
    tm({ monitor: { intervalSeconds: 10, timeoutSeconds: 10 } }),
    `${TMF}.monitor.timeoutSeconds`,
    tm({ monitor: { intervalSeconds: 30, timeoutSeconds: 10 } }),
  ],
  ['a 4 s timeout', tm({ monitor: { timeoutSeconds: 4 } }), `${TMF}.monitor.timeoutSeconds`, tm({ monitor: { timeoutSeconds: 5 } })],
  [
    '10 tolerated failures',
    tm({ monitor: { toleratedFailures: 10 } }),
    `${TMF}.monitor.toleratedFailures`,
    tm({ monitor: { toleratedFailures: 9 } }),
  ],
  [
    '-1 tolerated failures',
    tm({ monitor: { toleratedFailures: -1 } }),
    `${TMF}.monitor.toleratedFailures`,
    tm({ monitor: { toleratedFailures: 0 } }),
  ],
  ['a negative Traffic Manager TTL', tm({ dnsTtlSeconds: -1 }), `${TMF}.dnsTtlSeconds`, tm({ dnsTtlSeconds: 0 })],
  ['a fractional TTL', tm({ dnsTtlSeconds: 1.5 }), `${TMF}.dnsTtlSeconds`, tm({ dnsTtlSeconds: 2 })],
  ['a relative DNS name with an underscore', tm({ relativeDnsName: 'contoso_iq' }), `${TMF}.relativeDnsName`, tm({ relativeDnsName: 'contoso-iq' })],
  ['no resource group', tm({ resourceGroupName: '' }), `${TMF}.resourceGroupName`, tm({ resourceGroupName: 'rg' })],
  [
    'a private primary behind Traffic Manager',
    { primary: { address: '10.0.1.10', iqserviceVersion: '8.4p2' }, ...tm({}) },
    'primary.address',
    { primary: { address: '198.51.100.11', iqserviceVersion: '8.4p2' }, ...tm({}) },
  ],
  [
    'a half-open probe on Traffic Manager',
    { probe: { kind: ProbeKind.TCP_HALF_OPEN }, ...tm({}) },
    'probe.kind',
    { probe: { kind: ProbeKind.SIDECAR_GATE }, ...tm({}) },
  ],
  [
    'a service-port monitor without consent',
    { probe: { kind: ProbeKind.TCP_CONNECT }, ...tm({}) },
    'probe.kind',
    { probe: { kind: ProbeKind.TCP_CONNECT, allowNoisyTcpProbe: true }, ...tm({}) },
  ],
  [
    'a Route 53 interval of 15 s',
    r53({ healthCheck: { requestIntervalSeconds: 15 } }),
    `${R5F}.healthCheck.requestIntervalSeconds`,
    r53({ healthCheck: { requestIntervalSeconds: 30 } }),
  ],
  [
    'a failure threshold of 0',
    r53({ healthCheck: { failureThreshold: 0 } }),
    `${R5F}.healthCheck.failureThreshold`,
    r53({ healthCheck: { failureThreshold: 1 } }),
  ],
  [
    'a failure threshold of 11',
    r53({ healthCheck: { failureThreshold: 11 } }),
    `${R5F}.healthCheck.failureThreshold`,
    r53({ healthCheck: { failureThreshold: 10 } }),
  ],
  ['a Route 53 TTL above the maximum', r53({ dnsTtlSeconds: 2147483648 }), `${R5F}.dnsTtlSeconds`, r53({ dnsTtlSeconds: 2147483647 })],
  ['private IPs in a public zone', r53({}, PRIVATE_HOSTS), 'primary.address', r53(R53_PRIVATE, PRIVATE_HOSTS)],
  ['a private zone without a metric', r53({ privateZone: true }, PRIVATE_HOSTS), `${R5F}.healthMetric`, r53(R53_PRIVATE, PRIVATE_HOSTS)],
  ['a metric on a public zone', r53({ healthMetric: R53_PRIVATE.healthMetric }), `${R5F}.healthMetric`, r53({})],
  [
    'endpoint check settings on a private zone',
    r53({ ...R53_PRIVATE, healthCheck: { failureThreshold: 2 } }, PRIVATE_HOSTS),
    `${R5F}.healthCheck`,
    r53(R53_PRIVATE, PRIVATE_HOSTS),
  ],
  [
    'a 30 s (high-resolution) alarm period',
    r53({ ...R53_PRIVATE, healthMetric: { ...R53_PRIVATE.healthMetric!, periodSeconds: 30 } }, PRIVATE_HOSTS),
    `${R5F}.healthMetric.periodSeconds`,
    r53({ ...R53_PRIVATE, healthMetric: { ...R53_PRIVATE.healthMetric!, periodSeconds: 60 } }, PRIVATE_HOSTS),
  ],
  [
    'a 90 s alarm period',
    r53({ ...R53_PRIVATE, healthMetric: { ...R53_PRIVATE.healthMetric!, periodSeconds: 90 } }, PRIVATE_HOSTS),
    `${R5F}.healthMetric.periodSeconds`,
    r53({ ...R53_PRIVATE, healthMetric: { ...R53_PRIVATE.healthMetric!, periodSeconds: 120 } }, PRIVATE_HOSTS),
  ],
  [
    '0 evaluation periods',
    r53({ ...R53_PRIVATE, healthMetric: { ...R53_PRIVATE.healthMetric!, evaluationPeriods: 0 } }, PRIVATE_HOSTS),
    `${R5F}.healthMetric.evaluationPeriods`,
    r53({ ...R53_PRIVATE, healthMetric: { ...R53_PRIVATE.healthMetric!, evaluationPeriods: 1 } }, PRIVATE_HOSTS),
  ],
  [
    'a metric without a region',
    r53({ ...R53_PRIVATE, healthMetric: { ...R53_PRIVATE.healthMetric!, region: '' } }, PRIVATE_HOSTS),
    `${R5F}.healthMetric.region`,
    r53(R53_PRIVATE, PRIVATE_HOSTS),
  ],
  [
    'an IPv4 primary with a DNS-named secondary',
    r53({}, { secondary: { address: 'iq2.site-b.example.com', iqserviceVersion: '8.4p2' } }),
    'secondary.address',
    r53({}, { secondary: { address: '203.0.113.21', iqserviceVersion: '8.4p2' } }),
  ],
  ['a record name with a space', r53({ recordName: 'iq service.example.com' }), `${R5F}.recordName`, r53({ recordName: 'iqservice.example.com' })],
  ['no hosted zone', r53({ hostedZoneId: ' ' }), `${R5F}.hostedZoneId`, r53({ hostedZoneId: 'Z1' })],
  ['a load-balancer target under strategy dns', { targets: [new AzureLoadBalancerTarget(AZURE)] }, 'targets.azure', tm({})],
  ['a DNS target under the default strategy', { strategy: undefined, ...tm({}) }, TMF, { strategy: HaStrategy.DNS, ...tm({}) }],
  ['an unknown strategy', { strategy: 'anycast' as HaStrategy, ...tm({}) }, 'strategy', { strategy: 'dns' as HaStrategy, ...tm({}) }],
];

describe('DNS validation matrix: every bad input beside an accepted neighbour', () => {
  besideItsNeighbour(matrix, (x) => problemsOf(() => synthPair(dnsProps(x))), { verb: 'error' });

  it('GIVEN a private IP for Route 53 THEN the fix names privateZone and healthMetric', () => {
    const [p] = problemsOf(() => synthPair(dnsProps(r53({}, PRIVATE_HOSTS)))).filter((x) => x.field === 'primary.address');
    assert.match(p.fix ?? '', /privateZone: true with healthMetric/);
  });
});

describe('failover estimate with DNS: sidecar + interval x failures + timeout + TTL', () => {
  const cases: Array<[string, IqServiceHaPairProps, number, string]> = [
    // Traffic Manager degrades on the failure after the tolerated ones: 3 tolerated -> 4 failures.
    [
      'Traffic Manager 30 s x (3+1) + 10 s + TTL 60, sidecar 1 s x 2',
      dnsProps(tm({ dnsTtlSeconds: 60, monitor: { intervalSeconds: 30, timeoutSeconds: 10, toleratedFailures: 3 } })),
      2 + 30 * 4 + 10 + 60,
      '2s sidecar + 30s x 4 failures + 10s timeout + 60s TTL = 192',
    ],
    ['Traffic Manager defaults', dnsProps(tm({})), 2 + 10 * 3 + 5 + 30, '2s sidecar + 10s x 3 failures + 5s timeout + 30s TTL = 67'],
    [
      'Traffic Manager on the service port (no sidecar term)',
      dnsProps({ probe: { kind: ProbeKind.TCP_CONNECT, allowNoisyTcpProbe: true }, ...tm({ dnsTtlSeconds: 0, monitor: { toleratedFailures: 0 } }) }),
      10 * 1 + 5 + 0,
      '10s x 1 failures + 5s timeout + 0s TTL = 15',
    ],
    [
      'Route 53 TCP 30 s x 3 + 10 s + TTL 45, sidecar 5 s x 3',
      dnsProps({
        probe: { sidecar: { checkIntervalSeconds: 5, fallCount: 3 } },
        ...r53({ dnsTtlSeconds: 45, healthCheck: { requestIntervalSeconds: 30, failureThreshold: 3 } }),
      }),
      15 + 90 + 10 + 45,
      '15s sidecar + 30s x 3 failures + 10s timeout + 45s TTL = 160',
    ],
    [
      'Route 53 HTTP (4 s connect + 2 s answer)',
      dnsProps({ probe: { kind: ProbeKind.SIDECAR_HTTP }, ...r53({}) }),
      2 + 20 + 6 + 30,
      '2s sidecar + 10s x 2 failures + 6s timeout + 30s TTL = 58',
    ],
    [
      'Route 53 private zone 120 s x 2 periods + 1 period + TTL 30',
      dnsProps(r53({ ...R53_PRIVATE, healthMetric: { ...R53_PRIVATE.healthMetric!, periodSeconds: 120, evaluationPeriods: 2 } }, PRIVATE_HOSTS)),
      2 + 240 + 120 + 30,
      '2s sidecar + 120s x 2 alarm periods + 120s metric delay + 30s TTL = 392',
    ],
  ];
  for (const [what, props, expected, formula] of cases) {
    it(`GIVEN ${what} THEN worst case ${expected} s, and the terms add up`, () => {
      const [e] = synthPair(props).pair.failoverEstimates();
      assert.equal(e.worstCaseSeconds, expected);
      assert.equal(e.formula, formula);
      assert.equal(
        e.terms.reduce((s, t) => s + t.seconds, 0),
        expected,
        'without standby, the terms are a plain sum',
      );
      assert.ok(e.terms.some((t) => /TTL/.test(t.label)));
    });
  }

  it('GIVEN only the TTL changes THEN the estimate moves by exactly that much', () => {
    const at = (ttl: number) => synthPair(dnsProps(tm({ dnsTtlSeconds: ttl }))).pair.failoverEstimates()[0].worstCaseSeconds;
    assert.equal(at(300) - at(30), 270);
  });
});

describe('DNS topologies', () => {
  it('GIVEN the bundled DNS example WHEN idha synth THEN both DNS stacks and the failover table with TTLs', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'idha-dns-'));
    const r = runIdha(['synth', '--config', DNS_EXAMPLE, '--out', path.join(out, 'o')]);
    assert.equal(r.status, 0, r.stderr);
    const files = Object.keys(snapshotDir(path.join(out, 'o'))).sort();
    assert.deepEqual(files, [
      'idha-manifest.json',
      'manifest.json',
      'snippets/iq-private/hosts/primary-10.0.1.10/idha-shim.service',
      'snippets/iq-private/hosts/primary-10.0.1.10/idha-shim.xml',
      'snippets/iq-private/hosts/primary-10.0.1.10/install-command.txt',
      'snippets/iq-private/hosts/primary-10.0.1.10/shim-command.txt',
      'snippets/iq-private/hosts/secondary-10.8.1.10/idha-shim.service',
      'snippets/iq-private/hosts/secondary-10.8.1.10/idha-shim.xml',
      'snippets/iq-private/hosts/secondary-10.8.1.10/install-command.txt',
      'snippets/iq-private/hosts/secondary-10.8.1.10/shim-command.txt',
      'snippets/iq-sites/hosts/primary-198.51.100.10/idha-shim.service',
      'snippets/iq-sites/hosts/primary-198.51.100.10/idha-shim.xml',
      'snippets/iq-sites/hosts/primary-198.51.100.10/install-command.txt',
      'snippets/iq-sites/hosts/primary-198.51.100.10/shim-command.txt',
      'snippets/iq-sites/hosts/secondary-203.0.113.20/idha-shim.service',
      'snippets/iq-sites/hosts/secondary-203.0.113.20/idha-shim.xml',
      'snippets/iq-sites/hosts/secondary-203.0.113.20/install-command.txt',
      'snippets/iq-sites/hosts/secondary-203.0.113.20/shim-command.txt',
      'stacks/identity-ha-dns-aws-route53/cdk.tf.json',
      'stacks/identity-ha-dns-azure-traffic-manager/cdk.tf.json',
    ]);
    assert.match(r.stdout, /iq-sites\s+azure-traffic-manager\s+67 s\s+2s sidecar \+ 10s x 3 failures \+ 5s timeout \+ 30s TTL = 67/);
    assert.match(r.stdout, /iq-sites\s+aws-route53\s+62 s/);
    assert.match(r.stdout, /iq-private\s+aws-route53\s+152 s/);
    const tf = JSON.parse(fs.readFileSync(path.join(out, 'o/stacks/identity-ha-dns-aws-route53/cdk.tf.json'), 'utf8'));
    assert.equal(resources(tf, 'aws_route53_record').length, 4);
    assert.equal(resources(tf, 'aws_cloudwatch_metric_alarm').length, 2, 'only the private-zone service uses alarms');
    assert.deepEqual(tf.provider.aws, [{ region: 'eu-west-1' }]);
  });

  it('WHEN idha snippet aws-route53 / azure-traffic-manager THEN Terraform JSON for that service, without a backend', () => {
    const a = runIdha(['snippet', 'aws-route53', '--config', DNS_EXAMPLE, '--service', 'iq-sites']);
    assert.equal(a.status, 0, a.stderr);
    const tf = JSON.parse(a.stdout);
    assert.equal(tf.terraform.backend, undefined);
    assert.deepEqual(
      resources(tf, 'aws_route53_record').map((r) => r.name),
      ['iqservice.contoso.example.com', 'iqservice.contoso.example.com'],
    );
    const b = runIdha(['snippet', 'azure-traffic-manager', '--config', DNS_EXAMPLE]);
    assert.equal(b.status, 0, b.stderr);
    assert.equal(resources(JSON.parse(b.stdout), 'azurerm_traffic_manager_profile')[0].dns_config.relative_name, 'contoso-iqservice');
  });

  it('GIVEN strategy dns with a load-balancer block WHEN idha synth THEN exit 2 naming the target and --out untouched', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'idha-dnsbad-'));
    const cfg = path.join(dir, 'bad.yaml');
    fs.writeFileSync(
      cfg,
      fs
        .readFileSync(DNS_EXAMPLE, 'utf8')
        .replace(
          '      azure-traffic-manager:\n',
          '      azure:\n        resourceGroupName: rg\n        location: westeurope\n        subnetId: ' +
            '/subscriptions/0/resourceGroups/r/providers/Microsoft.Network/virtualNetworks/v/subnets/s\n        networkSecurityGroupName: ' +
            'nsg\n      azure-traffic-manager:\n',
        ),
    );
    const out = path.join(dir, 'out');
    assert.equal(runIdha(['synth', '--config', DNS_EXAMPLE, '--out', out]).status, 0);
    fs.writeFileSync(path.join(out, 'keep.txt'), 'old');
    const before = snapshotDir(out);
    const r = runIdha(['synth', '--config', cfg, '--out', out]);
    assert.equal(r.status, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /services\[0\]\.targets\.azure: got "azure"; allowed: a target for strategy "dns"/);
    assert.deepEqual(snapshotDir(out), before);
  });

  it('GIVEN two services on one Route 53 name THEN the topology is refused; GIVEN different names THEN it builds', () => {
    const topo = loadTopologyFile(DNS_EXAMPLE);
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'idha-dnsx-'));
    const sites = topo.services[0];
    const copy = (name: string, recordName: string) => ({
      ...sites,
      name,
      targets: { 'aws-route53': { ...(sites.targets['aws-route53'] as object), recordName } },
    });
    const clash = { ...topo, services: [sites, copy('iq-other', 'iqservice.contoso.example.com')] };
    assert.throws(() => buildTopologyApp(clash, { outdir }), /services\[1\]\.targets\.aws-route53\.recordName/);
    const fine = { ...topo, services: [sites, copy('iq-other', 'iq2.contoso.example.com')] };
    assert.doesNotThrow(() => buildTopologyApp(fine, { outdir }));
  });

  it('GIVEN an unknown key in an aws-route53 block THEN the schema error names it; GIVEN a bad strategy THEN the enum is listed', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'idha-dnsschema-'));
    const cfg = path.join(dir, 'bad.yaml');
    fs.writeFileSync(
      cfg,
      fs
        .readFileSync(DNS_EXAMPLE, 'utf8')
        .replace('        recordName: iqservice.corp.internal\n', '        recordName: iqservice.corp.internal\n        ttl: 30\n')
        .replace('    strategy: dns\n', '    strategy: anycast\n'),
    );
    const r = runIdha(['synth', '--config', cfg, '--out', path.join(dir, 'o')]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /services\[1\]\.targets\.aws-route53\.ttl/);
    assert.match(r.stderr, /services\[0\]\.strategy: got "anycast"; allowed: one of "load-balancer", "dns"/);
    assert.equal(fs.existsSync(path.join(dir, 'o')), false);
  });
});
