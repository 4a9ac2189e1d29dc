import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { Testing, TerraformStack } from 'cdktf';
import {
  AwsNlbTarget,
  AzureLoadBalancerTarget,
  F5BigIpTarget,
  FailoverCluster,
  HaWebTier,
  IQSERVICE_MALFORMED_LOG_LINE,
  IqServiceHaPair,
  IqServiceHaPairProps,
  ProbeKind,
  Problems,
} from '../../../lib/internal';
import { AWS, AZURE, besideItsNeighbour, F5, pairProps, problemsOf, resources, synthPair } from '../../helpers';

describe('IqServiceHaPair model', () => {
  it('GIVEN a pair with a TLS port WHEN built THEN it has one listener and one priority pool per port, primary first', () => {
    const { pair } = synthPair(pairProps({ tlsPort: 5051 }));
    assert.deepEqual(
      pair.model.listeners.map((l) => [l.name, l.port, l.protocol]),
      [
        ['iq', 5050, 'tcp'],
        ['iq-tls', 5051, 'tls-passthrough'],
      ],
    );
    for (const pool of pair.model.pools) {
      assert.equal(pool.selection, 'priority-failover');
      assert.deepEqual(
        pool.members.map((m) => [m.name, m.priority]),
        [
          ['primary', 10],
          ['secondary', 0],
        ],
      );
      assert.equal(pool.probe.kind, ProbeKind.SIDECAR_GATE);
      assert.equal(pool.probe.port, 15050);
    }
    assert.deepEqual(pair.model.servicePorts, [5050, 5051]);
  });

  it('GIVEN addresses written loosely WHEN built THEN they are normalised', () => {
    const { pair } = synthPair(
      pairProps({
        primary: { address: 'fd00:0:0::10', iqserviceVersion: '8.4p2' },
        secondary: { address: 'fd00::20', iqserviceVersion: '8.4P2' },
        allowedClients: ['fd00:20::/64'],
        targets: [new F5BigIpTarget({ virtualAddress: 'fd00::50' })],
      }),
    );
    assert.deepEqual(
      pair.model.pools[0].members.map((m) => m.address),
      [
        { kind: 'ipv6', value: 'fd00::10' },
        { kind: 'ipv6', value: 'fd00::20' },
      ],
    );
  });
});

/** Each row: a bad input, the field the error must name, and a good neighbour that must pass. */
const matrix: Array<[string, Partial<IqServiceHaPairProps>, string, Partial<IqServiceHaPairProps>]> = [
  [
    'malformed IPv4',
    { primary: { address: '10.0.1.300', iqserviceVersion: '8.4p2' } },
    'primary.address',
    { primary: { address: '10.0.1.30', iqserviceVersion: '8.4p2' } },
  ],
  [
    'malformed IPv6',
    { secondary: { address: 'fd00::zz', iqserviceVersion: '8.4p2' } },
    'secondary.address',
    { secondary: { address: '10.0.2.11', iqserviceVersion: '8.4p2' } },
  ],
  ['CIDR with host bits', { allowedClients: ['10.20.0.1/24'] }, 'allowedClients[0]', { allowedClients: ['10.20.0.0/24'] }],
  ['CIDR without prefix', { allowedClients: ['10.20.0.0'] }, 'allowedClients[0]', { allowedClients: ['10.20.0.0/32'] }],
  ['CIDR prefix too long', { allowedClients: ['10.20.0.0/33'] }, 'allowedClients[0]', { allowedClients: ['10.20.0.0/16'] }],
  ['no allowed clients', { allowedClients: [] }, 'allowedClients', { allowedClients: ['0.0.0.0/0'] }],
  ['port 0', { port: 0 }, 'port', { port: 1 }],
  ['port 65536', { port: 65536 }, 'port', { port: 65535 }],
  ['TLS port equal to port', { tlsPort: 5050 }, 'tlsPort', { tlsPort: 5051 }],
  ['gate port equal to service port', { probe: { gatePort: 5050 } }, 'probe.gatePort', { probe: { gatePort: 5052 } }],
  ['gate port equal to TLS port', { tlsPort: 5051, probe: { gatePort: 5051 } }, 'probe.gatePort', { tlsPort: 5051, probe: { gatePort: 5053 } }],
  ['gate port equal to health port', { probe: { gatePort: 15051 } }, 'probe.healthPort', { probe: { gatePort: 15055 } }],
  ['report port equal to the agent port', { probe: { reportPort: 15052 } }, 'probe.reportPort', { probe: { reportPort: 15055 } }],
  ['priority port equal to the gate port', { probe: { priorityPort: 15050 } }, 'probe.priorityPort', { probe: { priorityPort: 15055 } }],
  ['priority port equal to the service port', { probe: { priorityPort: 5050 } }, 'probe.priorityPort', { probe: { priorityPort: 5049 } }],
  ['report port equal to the service port', { probe: { reportPort: 5050 } }, 'probe.reportPort', { probe: { reportPort: 5049 } }],
  [
    'sidecar damping half-life of 0',
    { probe: { sidecar: { dampHalfLifeSeconds: 0 } } },
    'probe.sidecar.dampHalfLifeSeconds',
    { probe: { sidecar: { dampHalfLifeSeconds: 1 } } },
  ],
  [
    'sidecar hold-down cap above a day',
    { probe: { sidecar: { maxHoldDownSeconds: 86401 } } },
    'probe.sidecar.maxHoldDownSeconds',
    { probe: { sidecar: { maxHoldDownSeconds: 0 } } },
  ],
  [
    'primary equal to secondary',
    { secondary: { address: '10.0.1.10', iqserviceVersion: '8.4p2' } },
    'secondary.address',
    { secondary: { address: '10.0.1.11', iqserviceVersion: '8.4p2' } },
  ],
  [
    'IQService versions differ',
    { secondary: { address: '10.0.2.10', iqserviceVersion: '8.3p4' } },
    'secondary.iqserviceVersion',
    { secondary: { address: '10.0.2.10', iqserviceVersion: '8.4P2' } },
  ],
  ['missing IQService version', { primary: { address: '10.0.1.10', iqserviceVersion: '' } }, 'primary.iqserviceVersion', {}],
  ['HTTP probe on the service port', { probe: { kind: ProbeKind.HTTP } }, 'probe.kind', { probe: { kind: ProbeKind.SIDECAR_HTTP } }],
  [
    'TCP connect probe without consent',
    { probe: { kind: ProbeKind.TCP_CONNECT } },
    'probe.kind',
    { probe: { kind: ProbeKind.TCP_CONNECT, allowNoisyTcpProbe: true } },
  ],
  ['consent without a TCP connect probe', { probe: { allowNoisyTcpProbe: true } }, 'probe.allowNoisyTcpProbe', { probe: {} }],
  ['service name with capitals', { serviceName: 'IQService' }, 'serviceName', { serviceName: 'iqservice' }],
  ['sidecar fall count 0', { probe: { sidecar: { fallCount: 0 } } }, 'probe.sidecar.fallCount', { probe: { sidecar: { fallCount: 1 } } }],
  // platform limits
  [
    'Azure interval 4',
    { targets: [new AzureLoadBalancerTarget({ ...AZURE, probe: { intervalSeconds: 4 } })] },
    'targets.azure.probe.intervalSeconds',
    { targets: [new AzureLoadBalancerTarget({ ...AZURE, probe: { intervalSeconds: 5 } })] },
  ],
  [
    'Azure interval x probes < 10',
    { targets: [new AzureLoadBalancerTarget({ ...AZURE, probe: { intervalSeconds: 5, probeThreshold: 1 } })] },
    'targets.azure.probe.probeThreshold',
    { targets: [new AzureLoadBalancerTarget({ ...AZURE, probe: { intervalSeconds: 10, probeThreshold: 1 } })] },
  ],
  [
    'Azure probe threshold 101',
    { targets: [new AzureLoadBalancerTarget({ ...AZURE, probe: { probeThreshold: 101 } })] },
    'targets.azure.probe.probeThreshold',
    { targets: [new AzureLoadBalancerTarget({ ...AZURE, probe: { probeThreshold: 100 } })] },
  ],
  [
    'Azure missing resource group',
    { targets: [new AzureLoadBalancerTarget({ ...AZURE, resourceGroupName: '' })] },
    'targets.azure.resourceGroupName',
    { targets: [new AzureLoadBalancerTarget(AZURE)] },
  ],
  [
    'Azure missing NSG',
    { targets: [new AzureLoadBalancerTarget({ ...AZURE, networkSecurityGroupName: undefined as never })] },
    'targets.azure.networkSecurityGroupName',
    { targets: [new AzureLoadBalancerTarget(AZURE)] },
  ],
  [
    'Azure subnet name without VNet',
    { targets: [new AzureLoadBalancerTarget({ ...AZURE, subnetId: 'snet1' })] },
    'targets.azure.virtualNetworkId',
    { targets: [new AzureLoadBalancerTarget({ ...AZURE, subnetId: 'snet1', virtualNetworkId: 'vnet-id' })] },
  ],
  [
    'Azure with a DNS host',
    { primary: { address: 'iq1.corp.example', iqserviceVersion: '8.4p2' }, targets: [new AzureLoadBalancerTarget(AZURE)] },
    'primary.address',
    { primary: { address: 'iq1.corp.example', iqserviceVersion: '8.4p2' }, targets: [new F5BigIpTarget(F5)] },
  ],
  [
    'Azure malformed frontend IP',
    { targets: [new AzureLoadBalancerTarget({ ...AZURE, frontendPrivateIp: '10.0.0.400' })] },
    'targets.azure.frontendPrivateIp',
    { targets: [new AzureLoadBalancerTarget({ ...AZURE, frontendPrivateIp: '10.0.0.40' })] },
  ],
  [
    'Azure half-open probe',
    { probe: { kind: ProbeKind.TCP_HALF_OPEN }, targets: [new AzureLoadBalancerTarget(AZURE)] },
    'probe.kind',
    { probe: { kind: ProbeKind.TCP_HALF_OPEN }, targets: [new F5BigIpTarget(F5)] },
  ],
  [
    'AWS interval 301',
    { targets: [new AwsNlbTarget({ ...AWS, healthCheck: { intervalSeconds: 301 } })] },
    'targets.aws.healthCheck.intervalSeconds',
    { targets: [new AwsNlbTarget({ ...AWS, healthCheck: { intervalSeconds: 300 } })] },
  ],
  [
    'AWS interval 4',
    { targets: [new AwsNlbTarget({ ...AWS, healthCheck: { intervalSeconds: 4 } })] },
    'targets.aws.healthCheck.intervalSeconds',
    { targets: [new AwsNlbTarget({ ...AWS, healthCheck: { intervalSeconds: 5 } })] },
  ],
  [
    'AWS healthy threshold 1',
    { targets: [new AwsNlbTarget({ ...AWS, healthCheck: { healthyThreshold: 1 } })] },
    'targets.aws.healthCheck.healthyThreshold',
    { targets: [new AwsNlbTarget({ ...AWS, healthCheck: { healthyThreshold: 2 } })] },
  ],
  [
    'AWS unhealthy threshold 11',
    { targets: [new AwsNlbTarget({ ...AWS, healthCheck: { unhealthyThreshold: 11 } })] },
    'targets.aws.healthCheck.unhealthyThreshold',
    { targets: [new AwsNlbTarget({ ...AWS, healthCheck: { unhealthyThreshold: 10 } })] },
  ],
  [
    'AWS timeout 1',
    { targets: [new AwsNlbTarget({ ...AWS, healthCheck: { timeoutSeconds: 1 } })] },
    'targets.aws.healthCheck.timeoutSeconds',
    { targets: [new AwsNlbTarget({ ...AWS, healthCheck: { timeoutSeconds: 2 } })] },
  ],
  [
    'AWS timeout not below interval',
    { targets: [new AwsNlbTarget({ ...AWS, healthCheck: { intervalSeconds: 10, timeoutSeconds: 10 } })] },
    'targets.aws.healthCheck.timeoutSeconds',
    { targets: [new AwsNlbTarget({ ...AWS, healthCheck: { intervalSeconds: 10, timeoutSeconds: 9 } })] },
  ],
  ['AWS missing VPC', { targets: [new AwsNlbTarget({ ...AWS, vpcId: '' })] }, 'targets.aws.vpcId', { targets: [new AwsNlbTarget(AWS)] }],
  [
    'AWS no subnets',
    { targets: [new AwsNlbTarget({ ...AWS, subnetIds: [] })] },
    'targets.aws.subnetIds',
    { targets: [new AwsNlbTarget({ ...AWS, subnetIds: ['subnet-0aaa1111'] })] },
  ],
  ['service name of 25 characters', { serviceName: 'iqservice-production-euw1' }, 'serviceName', { serviceName: 'iqservice-production-eu1' }],
  [
    'F5 priority group 65536',
    { targets: [new F5BigIpTarget({ ...F5, primaryPriorityGroup: 65536 })] },
    'targets.f5.primaryPriorityGroup',
    { targets: [new F5BigIpTarget({ ...F5, primaryPriorityGroup: 65535 })] },
  ],
  [
    'F5 secondary group not below primary',
    { targets: [new F5BigIpTarget({ ...F5, secondaryPriorityGroup: 10 })] },
    'targets.f5.secondaryPriorityGroup',
    { targets: [new F5BigIpTarget({ ...F5, secondaryPriorityGroup: 9 })] },
  ],
  [
    'F5 timeout not above interval',
    { targets: [new F5BigIpTarget({ ...F5, monitor: { intervalSeconds: 5, timeoutSeconds: 5 } })] },
    'targets.f5.monitor.timeoutSeconds',
    { targets: [new F5BigIpTarget({ ...F5, monitor: { intervalSeconds: 5, timeoutSeconds: 16 } })] },
  ],
  [
    'F5 virtual address not an IP',
    { targets: [new F5BigIpTarget({ virtualAddress: 'vip.example' })] },
    'targets.f5.virtualAddress',
    { targets: [new F5BigIpTarget({ virtualAddress: '10.0.0.51' })] },
  ],
  [
    'F5 tenant with hyphen',
    { targets: [new F5BigIpTarget({ ...F5, tenant: 'idha-iq' })] },
    'targets.f5.tenant',
    { targets: [new F5BigIpTarget({ ...F5, tenant: 'idha_iq' })] },
  ],
  [
    'F5 IPv6 clients on an IPv4 VIP',
    { allowedClients: ['fd00:20::/64'], targets: [new F5BigIpTarget(F5)] },
    'allowedClients[0]',
    { allowedClients: ['10.0.0.0/8'], targets: [new F5BigIpTarget(F5)] },
  ],
  ['no targets', { targets: [] }, 'targets', { targets: [new F5BigIpTarget(F5)] }],
];

describe('validation matrix: every bad input beside an accepted neighbour', () => {
  besideItsNeighbour(matrix, (x) => problemsOf(() => synthPair(pairProps(x))), { verb: 'error' });

  it('GIVEN several bad fields THEN all are reported at once, with value, range and fix in the message', () => {
    try {
      new IqServiceHaPair(
        new TerraformStack(Testing.app(), 's'),
        'iq',
        pairProps({ port: 70000, allowedClients: ['nope'], targets: [new AwsNlbTarget({ ...AWS, healthCheck: { intervalSeconds: 2 } })] }),
      );
      assert.fail('expected an error');
    } catch (e) {
      const msg = (e as Error).message;
      assert.match(msg, /port: got 70000; allowed: an integer from 1 to 65535/);
      assert.match(msg, /allowedClients\[0\]: got "nope"/);
    }
  });
});

describe('noisy probes', () => {
  it('GIVEN an explicit TCP connect probe WHEN synthesized THEN a warning quotes the IQService log line', () => {
    const { pair, tf } = synthPair(pairProps({ probe: { kind: ProbeKind.TCP_CONNECT, allowNoisyTcpProbe: true } }));
    const w = pair.warnings();
    assert.equal(w.length, 1);
    assert.ok(w[0].includes(IQSERVICE_MALFORMED_LOG_LINE));
    assert.ok(w[0].includes('Malformed request received from client'));
    const probe = resources(tf, 'azurerm_lb_probe')[0];
    assert.equal(probe.port, 5050);
  });

  it(
    'GIVEN the default probe THEN no warning and no probe touches a service port on any platform (Azure LB and the NLB probe the priority ' + 'gate)',
    () => {
      const { pair, tf } = synthPair(pairProps({ tlsPort: 5051 }));
      assert.deepEqual(pair.warnings(), []);
      for (const p of resources(tf, 'azurerm_lb_probe')) assert.equal(p.port, 15054);
      for (const tg of resources(tf, 'aws_lb_target_group')) assert.equal(tg.health_check.port, '15054');
    },
  );
});

describe('the models are built only from checked values', () => {
  it(
    'GIVEN a primary address that is no address THEN buildModel names it and returns no model (no placeholder member); its neighbour ' +
      'returns the checked addresses',
    () => {
      const bad = new Problems();
      assert.equal(
        IqServiceHaPair.buildModel(bad, pairProps({ primary: { address: 'not an address!', iqserviceVersion: '8.4p2' } }), 'iq'),
        undefined,
      );
      assert.deepEqual(
        bad.all.map((p) => p.field),
        ['primary.address'],
      );
      const good = new Problems();
      const model = IqServiceHaPair.buildModel(good, pairProps(), 'iq');
      assert.deepEqual(good.all, []);
      assert.deepEqual(
        model?.pools[0].members.map((m) => m.address.value),
        ['10.0.1.10', '10.0.2.10'],
      );
    },
  );

  it('GIVEN a cluster or a web tier with a bad node address THEN no model either; their neighbours build one', () => {
    const cluster = (address: string) => ({
      nodes: [
        { name: 'a', address },
        { name: 'b', address: '10.99.0.2' },
      ],
      virtualIp: '10.99.0.100',
      prefixLength: 24,
      servicePorts: [8080],
      targets: [],
    });
    assert.equal(FailoverCluster.buildModel(new Problems(), cluster('10.99.0.1.5'), 'idm'), undefined);
    assert.ok(FailoverCluster.buildModel(new Problems(), cluster('10.99.0.1'), 'idm'));
    const tier = (address: string) => ({
      nodes: [{ name: 'tomcat1', address }],
      applications: [{ name: 'identity', paths: ['/identity'], healthPath: '/identity/health' }],
      targets: [],
    });
    assert.equal(HaWebTier.buildModel(new Problems(), tier('tomcat 1'), 'web'), undefined);
    assert.ok(HaWebTier.buildModel(new Problems(), tier('10.0.5.11'), 'web'));
  });
});
