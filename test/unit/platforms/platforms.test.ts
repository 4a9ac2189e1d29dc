import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { AwsNlbTarget, AzureLoadBalancerTarget, F5BigIpTarget, ProbeKind, buildAs3Declaration, buildTmshCommands } from '../../../lib/internal';
import { as3Validator, AWS, AZURE, F5, pairProps, resources, rx, synthPair } from '../../helpers';

describe('Azure Load Balancer', () => {
  const { tf } = synthPair(pairProps({ tlsPort: 5051, targets: [new AzureLoadBalancerTarget({ ...AZURE, frontendPrivateIp: '10.0.0.40' })] }));

  it('THEN a Standard internal LB with a static frontend in the given subnet', () => {
    const [lb] = resources(tf, 'azurerm_lb');
    assert.equal(lb.sku, 'Standard');
    assert.equal(lb.resource_group_name, 'rg-identity');
    assert.deepEqual(
      lb.frontend_ip_configuration.map((f: any) => [f.subnet_id, f.private_ip_address_allocation, f.private_ip_address]),
      [[AZURE.subnetId, 'Static', '10.0.0.40']],
    );
    assert.equal(lb.frontend_ip_configuration[0].public_ip_address_id, undefined);
  });

  it('THEN backend pools by IP address in the VNet derived from the subnet ID', () => {
    const addrs = resources(tf, 'azurerm_lb_backend_address_pool_address');
    assert.deepEqual(addrs.map((a) => a.ip_address).sort(), ['10.0.1.10', '10.0.1.10', '10.0.2.10', '10.0.2.10']);
    for (const a of addrs)
      assert.equal(a.virtual_network_id, '/subscriptions/0000/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet1');
  });

  it(
    'THEN a TCP probe on the priority gate (Azure LB has no priority of its own), as fast as Azure allows without flapping, with ' +
      'probe_threshold only (not the legacy number_of_probes)',
    () => {
      const [probe] = resources(tf, 'azurerm_lb_probe');
      assert.deepEqual([probe.protocol, probe.port, probe.interval_in_seconds, probe.probe_threshold], ['Tcp', 15054, 5, 2]);
      assert.equal('number_of_probes' in probe, false);
    },
  );

  it('THEN one TCP rule per port with TCP reset and the probe attached', () => {
    const rules = resources(tf, 'azurerm_lb_rule');
    assert.deepEqual(rules.map((r) => [r.frontend_port, r.backend_port, r.protocol, r.tcp_reset_enabled, r.floating_ip_enabled]).sort(), [
      [5050, 5050, 'Tcp', true, false],
      [5051, 5051, 'Tcp', true, false],
    ]);
    for (const r of rules) assert.match(r.probe_id, /azurerm_lb_probe\./);
  });

  it('THEN NSG rules: service ports from the clients, the priority gate from AzureLoadBalancer, the rest denied after', () => {
    const nsg = Object.fromEntries(resources(tf, 'azurerm_network_security_rule').map((r) => [r.name, r]));
    assert.deepEqual(nsg['iqservice-allow-clients'].source_address_prefixes, ['10.20.0.0/24']);
    assert.deepEqual(nsg['iqservice-allow-clients'].destination_port_ranges, ['5050', '5051']);
    assert.equal(nsg['iqservice-allow-lb-probe'].source_address_prefix, 'AzureLoadBalancer');
    assert.deepEqual(nsg['iqservice-allow-lb-probe'].destination_port_ranges, ['15054']);
    assert.deepEqual(nsg['iqservice-deny-others'].destination_port_ranges, ['5050', '5051', '15050', '15054', '15051', '15052']);
    assert.equal(nsg['iqservice-deny-others'].access, 'Deny');
    assert.ok(nsg['iqservice-deny-others'].priority > nsg['iqservice-allow-lb-probe'].priority);
    assert.ok(nsg['iqservice-deny-others'].destination_port_ranges.includes('5050'));
  });

  it('GIVEN the sidecar HTTP probe THEN an Http probe on the health port with /priority', () => {
    const { tf: t2 } = synthPair(pairProps({ probe: { kind: ProbeKind.SIDECAR_HTTP }, targets: [new AzureLoadBalancerTarget(AZURE)] }));
    const [probe] = resources(t2, 'azurerm_lb_probe');
    assert.deepEqual([probe.protocol, probe.port, probe.request_path], ['Http', 15051, '/priority']);
  });
});

describe('AWS Network Load Balancer', () => {
  const { tf } = synthPair(pairProps({ tlsPort: 5051, targets: [new AwsNlbTarget(AWS)] }));

  it('THEN an internal network LB in the given subnets, cross-zone on', () => {
    const [lb] = resources(tf, 'aws_lb');
    assert.deepEqual(
      [lb.internal, lb.load_balancer_type, lb.subnets, lb.enable_cross_zone_load_balancing],
      [true, 'network', ['subnet-0aaa1111', 'subnet-0bbb2222'], true],
    );
  });

  it(
    'THEN IP target groups on TCP, health on the priority gate, proxy protocol explicitly off, connections kept by default, fail-open at ' +
      'zero healthy targets stated',
    () => {
      const tgs = resources(tf, 'aws_lb_target_group');
      assert.equal(tgs.length, 2);
      for (const tg of tgs) {
        assert.equal(tg.target_type, 'ip');
        assert.equal(tg.protocol, 'TCP');
        assert.equal(tg.proxy_protocol_v2, false);
        assert.equal(tg.connection_termination, true);
        assert.deepEqual(tg.target_health_state, [{ enable_unhealthy_connection_termination: false }]);
        assert.deepEqual(tg.target_group_health, { unhealthy_state_routing: { minimum_healthy_targets_count: 1 } });
        assert.deepEqual(tg.health_check, {
          enabled: true,
          protocol: 'TCP',
          port: '15054',
          interval: 5,
          timeout: 3,
          healthy_threshold: 2,
          unhealthy_threshold: 2,
        });
      }
      assert.deepEqual(tgs.map((t) => t.name).sort(), ['iqservice-5050', 'iqservice-5051']);
    },
  );

  it('THEN TCP listeners (no TLS termination) and both hosts attached to each group', () => {
    const listeners = resources(tf, 'aws_lb_listener');
    assert.deepEqual(listeners.map((l) => [l.port, l.protocol, l.certificate_arn]).sort(), [
      [5050, 'TCP', undefined],
      [5051, 'TCP', undefined],
    ]);
    assert.deepEqual(
      resources(tf, 'aws_lb_target_group_attachment')
        .map((a) => `${a.target_id}:${a.port}`)
        .sort(),
      ['10.0.1.10:5050', '10.0.1.10:5051', '10.0.2.10:5050', '10.0.2.10:5051'],
    );
  });

  it('THEN security group rules: clients in on service ports, out to hosts on service and priority-gate ports, hosts accept the NLB', () => {
    const ingress = resources(tf, 'aws_vpc_security_group_ingress_rule');
    const fromClients = ingress
      .filter((r) => r.cidr_ipv4 === '10.20.0.0/24')
      .map((r) => r.from_port)
      .sort();
    assert.deepEqual(fromClients, [5050, 5051]);
    const onHosts = ingress
      .filter((r) => r.security_group_id === 'sg-0123abcd' && r.referenced_security_group_id)
      .map((r) => r.from_port)
      .sort((a, b) => a - b);
    assert.deepEqual(onHosts, [5050, 5051, 15054]);
    const egress = resources(tf, 'aws_vpc_security_group_egress_rule')
      .map((r) => `${r.cidr_ipv4}:${r.from_port}`)
      .sort();
    assert.deepEqual(egress, [
      '10.0.1.10/32:15054',
      '10.0.1.10/32:5050',
      '10.0.1.10/32:5051',
      '10.0.2.10/32:15054',
      '10.0.2.10/32:5050',
      '10.0.2.10/32:5051',
    ]);
  });

  it('GIVEN hosts outside the VPC THEN targets are registered with availability_zone all', () => {
    const { tf: t2 } = synthPair(pairProps({ targets: [new AwsNlbTarget({ ...AWS, targetsOutsideVpc: true })] }));
    for (const a of resources(t2, 'aws_lb_target_group_attachment')) assert.equal(a.availability_zone, 'all');
  });
});

describe('F5 BIG-IP', () => {
  it('THEN a bigip_as3 resource carrying the declaration, scoped to its tenant', () => {
    const { tf } = synthPair(pairProps({ targets: [new F5BigIpTarget(F5)] }));
    const [as3] = resources(tf, 'bigip_as3');
    const decl = JSON.parse(as3.as3_json);
    assert.equal(as3.tenant_filter, 'idha_iqservice');
    assert.ok(decl.declaration.idha_iqservice);
    assert.deepEqual(tf.terraform.required_providers.bigip, { source: 'F5Networks/bigip', version: '~> 1.22' });
  });

  const cases: Array<[string, ProbeKind, boolean, string, number | undefined]> = [
    ['sidecar gate (default)', ProbeKind.SIDECAR_GATE, false, 'tcp-half-open', 15050],
    ['half-open on the service port', ProbeKind.TCP_HALF_OPEN, false, 'tcp-half-open', undefined],
    ['sidecar HTTP', ProbeKind.SIDECAR_HTTP, false, 'http', 15051],
    ['noisy TCP (consented)', ProbeKind.TCP_CONNECT, true, 'tcp', undefined],
  ];
  for (const [what, kind, noisy, monitorType, targetPort] of cases) {
    it(`GIVEN probe ${what} THEN the AS3 declaration validates against the AS3 3.56.0 schema`, () => {
      const { pair } = synthPair(
        pairProps({ tlsPort: 5051, probe: { kind, allowNoisyTcpProbe: noisy || undefined }, targets: [new F5BigIpTarget(F5)] }),
      );
      const decl = JSON.parse(pair.snippets().find((s) => s.kind === 'f5-as3')!.content);
      const validate = as3Validator();
      assert.ok(validate(decl), JSON.stringify(validate.errors?.slice(0, 5)));
      const app = decl.declaration.idha_iqservice.iqservice;
      assert.equal(app.idha_monitor.monitorType, monitorType);
      assert.equal(app.idha_monitor.targetPort, targetPort);
      assert.deepEqual(
        app.iq_pool.members.map((m: any) => [m.serverAddresses[0], m.priorityGroup]),
        [
          ['10.0.1.10', 10],
          ['10.0.2.10', 0],
        ],
      );
      assert.equal(app.iq_pool.minimumMembersActive, 1);
      assert.deepEqual(app.iq_vs.persistenceMethods, []);
      assert.equal(app.iq_tls_vs.virtualPort, 5051);
    });
  }

  it('GIVEN a declaration the schema must reject (priority group out of range) THEN ajv rejects it: the check is real', () => {
    const { pair } = synthPair(pairProps({ targets: [new F5BigIpTarget(F5)] }));
    const decl = JSON.parse(pair.snippets().find((s) => s.kind === 'f5-as3')!.content);
    decl.declaration.idha_iqservice.iqservice.iq_pool.members[0].priorityGroup = 70000;
    assert.equal(as3Validator()(decl), false);
    const decl2 = JSON.parse(pair.snippets().find((s) => s.kind === 'f5-as3')!.content);
    decl2.declaration.idha_iqservice.iqservice.idha_monitor.monitorType = 'tcp-halfopen';
    assert.equal(as3Validator()(decl2), false);
  });

  it('GIVEN a DNS-named host THEN an FQDN pool member (AS3) and an FQDN node (tmsh)', () => {
    const { pair } = synthPair(
      pairProps({ secondary: { address: 'IQ2.corp.example', iqserviceVersion: '8.4p2' }, targets: [new F5BigIpTarget(F5)] }),
    );
    const decl = JSON.parse(pair.snippets().find((s) => s.kind === 'f5-as3')!.content);
    assert.ok(as3Validator()(decl));
    const m = decl.declaration.idha_iqservice.iqservice.iq_pool.members[1];
    assert.deepEqual([m.addressDiscovery, m.hostname, m.priorityGroup], ['fqdn', 'iq2.corp.example', 0]);
    assert.match(pair.snippets().find((s) => s.kind === 'f5-tmsh')!.content, /create ltm node iq2\.corp\.example \{ fqdn \{ name iq2\.corp\.example/);
  });

  it('THEN tmsh: half-open monitor on the gate, priority groups, min-active-members 1, no persistence, one virtual per client block', () => {
    const { pair } = synthPair(pairProps({ allowedClients: ['10.20.0.0/24', '10.30.0.0/24'], targets: [new F5BigIpTarget(F5)] }));
    const tmsh = buildTmshCommands(pair.model, new F5BigIpTarget(F5)._resolve(pair.model));
    assert.match(tmsh, /create ltm monitor tcp-half-open idha_iqservice_monitor \{ interval 2 timeout 7 destination \*:15050/);
    assert.match(
      tmsh,
      rx(
        '',
        String.raw`members add \{ 10\.0\.1\.10:5050 \{ priority-group 10 description primary \} 10\.0\.2\.10:5050 \{ priority-gro`,
        String.raw`up 0 description secondary \} \} min-active-members 1`,
      ),
    );
    assert.match(tmsh, /create ltm virtual idha_iqservice_iq_vs_1 \{ destination 10\.0\.0\.50:5050 source 10\.20\.0\.0\/24 .* persist none/);
    assert.match(tmsh, /create ltm virtual idha_iqservice_iq_vs_2 \{ destination 10\.0\.0\.50:5050 source 10\.30\.0\.0\/24/);
    const decl = buildAs3Declaration(pair.model, new F5BigIpTarget(F5)._resolve(pair.model)) as any;
    assert.deepEqual(decl.declaration.idha_iqservice.iqservice.iq_vs.virtualAddresses, [
      ['10.0.0.50', '10.20.0.0/24'],
      ['10.0.0.50', '10.30.0.0/24'],
    ]);
  });
});

describe('worst-case failover estimates', () => {
  it('GIVEN default probes THEN each target reports sidecar + max(mark down, standby + mark up)', () => {
    const { pair } = synthPair(pairProps());
    const byPlatform = Object.fromEntries(pair.failoverEstimates().map((e) => [e.platform, e]));
    // sidecar: 1 s x 2 = 2; standby: 1 s x 3 = 3
    assert.equal(byPlatform.azure.worstCaseSeconds, 2 + Math.max(5 * 2 + 5, 3 + 5));
    assert.equal(byPlatform.aws.worstCaseSeconds, 2 + Math.max(5 * 2 + 3, 3 + 5 * 2));
    assert.equal(byPlatform.f5.worstCaseSeconds, 2 + Math.max(7, 3 + 2));
  });

  it('GIVEN F5 half-open on the service port THEN only the monitor timeout counts', () => {
    const { pair } = synthPair(
      pairProps({
        probe: { kind: ProbeKind.TCP_HALF_OPEN },
        targets: [new F5BigIpTarget({ ...F5, monitor: { intervalSeconds: 5, timeoutSeconds: 16 } })],
      }),
    );
    assert.equal(pair.failoverEstimates()[0].worstCaseSeconds, 16);
  });

  it('GIVEN slower AWS checks THEN the figure follows them', () => {
    const { pair } = synthPair(
      pairProps({
        targets: [new AwsNlbTarget({ ...AWS, healthCheck: { intervalSeconds: 30, timeoutSeconds: 10, unhealthyThreshold: 3, healthyThreshold: 5 } })],
      }),
    );
    assert.equal(pair.failoverEstimates()[0].worstCaseSeconds, 2 + Math.max(30 * 3 + 10, 3 + 30 * 5));
  });
});
