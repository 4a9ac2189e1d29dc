import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import {
  AwsNlbTarget,
  AzureLoadBalancerTarget,
  BigipProvider,
  ConnectionAction,
  F5BigIpTarget,
  HaproxyTarget,
  IqServiceHaPairProps,
  AwsRoute53FailoverTarget,
  HaStrategy,
  ProbeKind,
} from '../../../lib/internal';
import { App, TerraformStack, Testing } from 'cdktf';
import { as3Validator, AWS, AZURE, F5, pairProps, problemsOf, resources, rx, synthPair } from '../../helpers';

/** Renders a pair on all four load-balancer platforms; returns what each made of the connection settings. */
function rendered(over: Partial<IqServiceHaPairProps>) {
  const { tf, pair } = synthPair(
    pairProps({
      tlsPort: 5051,
      ...over,
      targets: [new AzureLoadBalancerTarget(AZURE), new AwsNlbTarget(AWS), new F5BigIpTarget(F5), new HaproxyTarget({ bindAddress: '10.0.0.60' })],
    }),
  );
  const snip = (kind: string) => pair.snippets().find((s) => s.kind === kind)!.content;
  const as3 = JSON.parse(snip('f5-as3'));
  const app = Object.values(as3.declaration).find((v: any) => v?.class === 'Tenant') as any;
  const application = Object.values(app).find((v: any) => v?.class === 'Application') as any;
  return {
    azureIdle: resources(tf, 'azurerm_lb_rule').map((r) => r.idle_timeout_in_minutes),
    nlbIdle: resources(tf, 'aws_lb_listener').map((l) => l.tcp_idle_timeout_seconds),
    nlbTermination: resources(tf, 'aws_lb_target_group').map((t) => t.target_health_state[0].enable_unhealthy_connection_termination),
    as3Idle: application.idha_fastl4.idleTimeout,
    as3ProfileUsed: Object.values(application)
      .filter((v: any) => v?.class === 'Service_L4')
      .every((s: any) => s.profileL4?.use === 'idha_fastl4'),
    as3DownAction: Object.values(application)
      .filter((v: any) => v?.class === 'Pool')
      .map((p: any) => p.serviceDownAction),
    as3Valid: as3Validator()(as3) as boolean,
    tmsh: snip('f5-tmsh'),
    haproxy: snip('haproxy'),
  };
}

describe('one connection behaviour on every load-balancer platform', () => {
  const idle: Array<[number]> = [[30], [4], [100]];
  for (const [minutes] of idle) {
    it(
      `GIVEN idleTimeoutMinutes ${minutes} THEN Azure rules, NLB listeners, the F5 fastL4 profile (AS3 and tmsh) and HAProxy all drop idle ` +
        `connections after ${minutes} min`,
      () => {
        const r = rendered(minutes === 30 ? {} : { idleTimeoutMinutes: minutes });
        assert.deepEqual(r.azureIdle, [minutes, minutes]);
        assert.deepEqual(r.nlbIdle, [minutes * 60, minutes * 60]);
        assert.equal(r.as3Idle, minutes * 60);
        assert.ok(r.as3ProfileUsed, 'every Service_L4 uses the profile');
        assert.ok(r.as3Valid, 'the declaration is valid AS3');
        assert.match(r.tmsh, new RegExp(`create ltm profile fastl4 idha_iqservice_fastl4 \\{ defaults-from fastL4 idle-timeout ${minutes * 60} `));
        assert.match(r.tmsh, /profiles replace-all-with \{ idha_iqservice_fastl4 \}/);
        assert.match(r.haproxy, new RegExp(`timeout client ${minutes}m\\n\\s+timeout server ${minutes}m`));
      },
    );
  }

  it('GIVEN the defaults (keep, keep) THEN no platform resets: NLB termination off, F5 service-down-action none, no HAProxy shutdown', () => {
    const r = rendered({});
    assert.deepEqual(r.nlbTermination, [false, false]);
    assert.deepEqual(r.as3DownAction, ['none', 'none']);
    assert.match(r.tmsh, /service-down-action none/);
    assert.doesNotMatch(r.haproxy, /shutdown/);
  });

  it(
    'GIVEN onFailover reset (with onFailback reset for the NLB) THEN NLB termination on, F5 service-down-action reset, HAProxy ' +
      'shutdown-sessions and shutdown-backup-sessions',
    () => {
      const { tf, pair } = synthPair(
        pairProps({
          tlsPort: 5051,
          onFailover: ConnectionAction.RESET,
          onFailback: ConnectionAction.RESET,
          targets: [new AwsNlbTarget(AWS), new HaproxyTarget()],
        }),
      );
      assert.deepEqual(
        resources(tf, 'aws_lb_target_group').map((t) => t.target_health_state[0].enable_unhealthy_connection_termination),
        [true, true],
      );
      const cfg = pair.snippets().find((s) => s.kind === 'haproxy')!.content;
      assert.match(cfg, /server primary .*on-marked-down shutdown-sessions on-marked-up shutdown-backup-sessions/);
      const f5 = synthPair(pairProps({ onFailover: ConnectionAction.RESET, targets: [new F5BigIpTarget(F5)] })).pair.snippets();
      assert.match(f5.find((s) => s.kind === 'f5-tmsh')!.content, /service-down-action reset/);
      assert.ok(as3Validator()(JSON.parse(f5.find((s) => s.kind === 'f5-as3')!.content)));
    },
  );

  // [platform, props, field, what the message must name, accepted neighbour]
  const refused: Array<[string, Partial<IqServiceHaPairProps>, string, RegExp, Partial<IqServiceHaPairProps>]> = [
    [
      'Azure',
      { onFailover: ConnectionAction.RESET, targets: [new AzureLoadBalancerTarget(AZURE)] },
      'onFailover',
      /Azure keeps established flows to a host whose probe fails/,
      { onFailover: ConnectionAction.KEEP, targets: [new AzureLoadBalancerTarget(AZURE)] },
    ],
    [
      'Azure',
      { onFailback: ConnectionAction.RESET, targets: [new AzureLoadBalancerTarget(AZURE)] },
      'onFailback',
      /keeps established flows on the secondary/,
      { targets: [new AzureLoadBalancerTarget(AZURE)] },
    ],
    [
      'Azure',
      { idleTimeoutMinutes: 3, targets: [new AzureLoadBalancerTarget(AZURE)] },
      'idleTimeoutMinutes',
      /from 4 to 100 on Azure Load Balancer/,
      { idleTimeoutMinutes: 4, targets: [new AzureLoadBalancerTarget(AZURE)] },
    ],
    [
      'AWS NLB',
      { onFailover: ConnectionAction.RESET, targets: [new AwsNlbTarget(AWS)] },
      'onFailback',
      /one switch for both/,
      { onFailover: ConnectionAction.RESET, onFailback: ConnectionAction.RESET, targets: [new AwsNlbTarget(AWS)] },
    ],
    [
      'F5',
      { onFailback: ConnectionAction.RESET, targets: [new F5BigIpTarget(F5)] },
      'onFailback',
      /leaves established ones on the secondary/,
      { onFailover: ConnectionAction.RESET, targets: [new F5BigIpTarget(F5)] },
    ],
    [
      'every platform',
      { idleTimeoutMinutes: 101, targets: [new HaproxyTarget()] },
      'idleTimeoutMinutes',
      /an integer from 1 to 100/,
      { idleTimeoutMinutes: 1, targets: [new HaproxyTarget()] },
    ],
    [
      'Route 53 (DNS)',
      {
        strategy: HaStrategy.DNS,
        onFailover: ConnectionAction.RESET,
        primary: { address: '198.51.100.10', iqserviceVersion: '8.4p2' },
        secondary: { address: '203.0.113.10', iqserviceVersion: '8.4p2' },
        targets: [new AwsRoute53FailoverTarget({ hostedZoneId: 'Z0123', recordName: 'iq.example.com' })],
      },
      'onFailover',
      /a DNS answer cannot end a connection/,
      {
        strategy: HaStrategy.DNS,
        primary: { address: '198.51.100.10', iqserviceVersion: '8.4p2' },
        secondary: { address: '203.0.113.10', iqserviceVersion: '8.4p2' },
        targets: [new AwsRoute53FailoverTarget({ hostedZoneId: 'Z0123', recordName: 'iq.example.com' })],
      },
    ],
  ];
  for (const [platform, bad, field, message, good] of refused) {
    it(
      `GIVEN ${JSON.stringify({ ...bad, targets: undefined, primary: undefined, secondary: undefined })} on ${platform} THEN ${field} is ` +
        `refused naming what the platform does; GIVEN its neighbour THEN accepted`,
      () => {
        const problems = problemsOf(() => synthPair(pairProps(bad)));
        const hit = problems.find((p) => p.field === field);
        assert.ok(hit, JSON.stringify(problems));
        assert.match(`${hit.allowed} ${hit.fix}`, message);
        assert.deepEqual(
          problemsOf(() => synthPair(pairProps(good))),
          [],
        );
      },
    );
  }
});

describe('BIG-IP management TLS', () => {
  const provider = (cfg: Partial<ConstructorParameters<typeof BigipProvider>[2]>) => {
    const stack = new TerraformStack(Testing.app() as App, 's');
    new BigipProvider(stack, 'bigip', { address: '192.0.2.10', password: 'x', ...cfg });
    return JSON.parse(Testing.synth(stack)).provider.bigip[0];
  };

  it('GIVEN nothing about TLS THEN validate_certs_disable is rendered false (the provider itself defaults to true)', () => {
    assert.equal(provider({}).validate_certs_disable, false);
  });

  it('GIVEN a private CA THEN trusted_cert_path is rendered; GIVEN an explicit opt-out THEN it is honoured', () => {
    const p = provider({ trustedCertPath: '/etc/ssl/bigip-ca.pem' });
    assert.deepEqual([p.validate_certs_disable, p.trusted_cert_path], [false, '/etc/ssl/bigip-ca.pem']);
    assert.equal(provider({ validateCertsDisable: true }).validate_certs_disable, true);
  });
});

describe('estimates say what the platform does in between', () => {
  it('GIVEN the NLB with the sidecar THEN the estimate carries the fail-open window; GIVEN F5 (native priority) THEN no such note', () => {
    const { pair } = synthPair(pairProps({ targets: [new AwsNlbTarget(AWS), new F5BigIpTarget(F5)] }));
    const [aws, f5] = pair.failoverEstimates();
    assert.match(
      aws.notes?.[0] ?? '',
      rx(
        '',
        String.raw`^fail-open: for up to 13 s \(3s the secondary opens its priority gate \+ 5s x 2\) after the NLB marks the prim`,
        String.raw`ary down, no target is healthy and the NLB sends new connections to both hosts`,
      ),
    );
    assert.equal(f5.notes, undefined);
  });

  it('GIVEN Azure with probeThreshold 3 THEN marking the secondary up takes interval x 3 (probeThreshold governs both ways)', () => {
    const { pair } = synthPair(pairProps({ targets: [new AzureLoadBalancerTarget({ ...AZURE, probe: { intervalSeconds: 5, probeThreshold: 3 } })] }));
    const e = pair.failoverEstimates()[0];
    assert.deepEqual(
      e.terms.find((t) => t.label === 'balancer marks secondary up'),
      { label: 'balancer marks secondary up', seconds: 15 },
    );
    assert.equal(e.formula, '2 + max(20, 3 + 15) = 22');
  });
});

describe('estimates report failback as well as failover', () => {
  it(
    'GIVEN Azure (the priority gate) THEN failback = sidecar rise + the secondary closing its priority gate + the primary polling it + the ' +
      'balancer marking the primary up',
    () => {
      const e = synthPair(pairProps({ targets: [new AzureLoadBalancerTarget(AZURE)] })).pair.failoverEstimates()[0];
      assert.deepEqual(
        [e.failbackSeconds, e.failbackFormula],
        [14.25, '0.25s sidecar rise + 3s secondary closes + 1s primary polls it + 5s x 2 good probes = 14.25'],
      );
    },
  );

  it('GIVEN HAProxy (the health gate, its own backup) THEN no priority-gate term: sidecar rise + HAProxy rise', () => {
    const e = synthPair(pairProps({ targets: [new HaproxyTarget()] })).pair.failoverEstimates()[0];
    assert.deepEqual([e.failbackSeconds, e.failbackFormula], [0.5, '0.25s sidecar rise + 0.25s downinter x 1 checks = 0.5']);
  });

  it('GIVEN F5 half-open (no sidecar) THEN failback is the monitor marking the primary up', () => {
    const e = synthPair(pairProps({ probe: { kind: ProbeKind.TCP_HALF_OPEN }, targets: [new F5BigIpTarget(F5)] })).pair.failoverEstimates()[0];
    assert.deepEqual([e.failbackSeconds, e.failbackFormula], [2, '2s (one good probe) = 2']);
  });
});
