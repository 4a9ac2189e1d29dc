import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { ConnectionAction, HaproxyTarget, HaproxyTargetProps, IqServiceHaPairProps, ProbeKind, haproxyTime } from '../../../lib/internal';
import { besideItsNeighbour, pairProps, problemsOf, rx, synthPair } from '../../helpers';
import { hostShims } from '../../../lib/hosts/host-plan';

function cfgOf(props: Partial<IqServiceHaPairProps>, hp: HaproxyTargetProps = {}): string {
  const { pair } = synthPair(pairProps({ ...props, targets: [new HaproxyTarget(hp)] }));
  const [s] = pair.snippets();
  assert.equal(s.fileName, 'haproxy.cfg');
  return s.content;
}

describe('HAProxy target', () => {
  const cfg = cfgOf({ tlsPort: 5051 }, { bindAddress: '10.0.0.60' });

  it('THEN mode tcp, the primary active and the secondary backup, health from the shim gate and agent, never the service port', () => {
    assert.match(cfg, /^defaults\n {4}mode tcp$/m);
    assert.match(
      cfg,
      rx(
        'm',
        String.raw`^ {4}server primary 10\.0\.1\.10:5050 check port 15050 inter 1s fastinter 250ms downinter 250ms fall 2 rise 1 `,
        String.raw`observe layer4 error-limit 3 on-error mark-down agent-check agent-port 15052 agent-inter 250ms$`,
      ),
    );
    assert.match(cfg, /^ {4}server secondary 10\.0\.2\.10:5050 backup check port 15050 /m);
    assert.doesNotMatch(cfg, /check port 5050|check port 5051/);
  });

  it('THEN retries, option redispatch and timeouts fit for idle IQService connections', () => {
    for (const line of ['retries 3', 'option redispatch', 'timeout connect 2s', 'timeout client 30m', 'timeout server 30m', 'timeout check 2s']) {
      assert.match(cfg, new RegExp(`^ {4}${line}$`, 'm'));
    }
  });

  it('THEN one frontend per port bound to the given address, clients limited to allowedClients', () => {
    assert.match(cfg, /frontend iqservice-iq\n {4}bind 10\.0\.0\.60:5050\n {4}tcp-request connection reject if !\{ src 10\.20\.0\.0\/24 \}/);
    assert.match(cfg, /frontend iqservice-iq-tls\n {4}bind 10\.0\.0\.60:5051/);
  });

  it(
    'GIVEN onFailback reset THEN on-marked-up shutdown-backup-sessions on the primary only; GIVEN onFailover reset THEN on-marked-down ' +
      'shutdown-sessions',
    () => {
      const c = cfgOf({ onFailback: ConnectionAction.RESET }, {});
      assert.match(c, /server primary .* on-marked-up shutdown-backup-sessions$/m);
      assert.doesNotMatch(c, /server secondary .*shutdown/m);
      assert.doesNotMatch(c, /on-marked-down/);
      assert.match(cfgOf({ onFailover: ConnectionAction.RESET }, {}), /server primary .* on-marked-down shutdown-sessions$/m);
      assert.doesNotMatch(cfgOf({}, {}), /shutdown/, 'keep, the default, renders neither');
    },
  );

  it(
    "THEN each backend sends its server state changes to the primary's shim (notice level: state changes only), matching the host plan's " +
      '--report-server; GIVEN a named primary or observe off THEN no log line',
    () => {
      assert.match(cfg, /^backend iqservice-iq\n {4}balance first\n {4}log 10\.0\.1\.10:15053 local1 notice$/m);
      assert.match(cfg, /^backend iqservice-iq-tls\n {4}balance first\n {4}log 10\.0\.1\.10:15053 local1 notice$/m);
      const { pair } = synthPair(pairProps({ tlsPort: 5051, targets: [new HaproxyTarget()] }));
      const primary = hostShims(pair.model).find((h) => h.role === 'primary')!;
      const arg = (n: string) => primary.args[primary.args.indexOf(n) + 1];
      assert.equal(arg('--report-port'), '15053');
      assert.equal(arg('--report-server'), 'iqservice-iq/primary,iqservice-iq-tls/primary');
      assert.ok(
        !hostShims(pair.model)
          .find((h) => h.role === 'secondary')!
          .args.includes('--report-port'),
        'the backup has no observe, so no reports',
      );
      assert.doesNotMatch(cfgOf({ primary: { address: 'iq1.example.com', iqserviceVersion: '8.4p2' } }), /local1 notice/);
      assert.doesNotMatch(cfgOf({}, { observeErrorLimit: 0 }), /local1 notice/);
      assert.match(cfgOf({ probe: { reportPort: 16000 } }), /log 10\.0\.1\.10:16000 local1 notice/);
    },
  );

  it('GIVEN the sidecar HTTP probe THEN an HTTP check of GET /healthz on the health port expecting 200', () => {
    const c = cfgOf({ probe: { kind: ProbeKind.SIDECAR_HTTP } });
    assert.match(c, /option httpchk\n {4}http-check send meth GET uri \/healthz\n {4}http-check expect status 200/);
    assert.match(c, /server primary 10\.0\.1\.10:5050 check port 15051/);
  });

  it('GIVEN the noisy tcp-connect probe (accepted) THEN the check is on the service port and no agent', () => {
    const c = cfgOf({ probe: { kind: ProbeKind.TCP_CONNECT, allowNoisyTcpProbe: true } });
    assert.match(
      c,
      rx(
        'm',
        String.raw`server primary 10\.0\.1\.10:5050 check port 5050 inter 1s fastinter 250ms downinter 250ms fall 2 rise 1 observ`,
        String.raw`e layer4 error-limit 3 on-error mark-down$`,
      ),
    );
  });

  it('THEN the estimate is sidecar + interval + (fall - 1) x fastinter + check timeout (the backup is already up)', () => {
    const { pair } = synthPair(pairProps({ targets: [new HaproxyTarget({ checkIntervalSeconds: 2, fall: 3, checkTimeoutSeconds: 1 })] }));
    const [e] = pair.failoverEstimates();
    assert.equal(e.worstCaseSeconds, 2 + 2 + 2 * 0.5 + 1);
    assert.equal(e.formula, '2s sidecar + 2s + 2 x 0.5s fastinter + 1s timeout = 6');
  });

  it('THEN haproxyTime writes minutes, seconds or milliseconds', () => {
    assert.deepEqual([haproxyTime(1_800_000), haproxyTime(2000), haproxyTime(250)], ['30m', '2s', '250ms']);
  });
});

describe('HAProxy validation: every bad input beside an accepted neighbour', () => {
  const rows: Array<[string, HaproxyTargetProps, string, HaproxyTargetProps]> = [
    ['fall 0', { fall: 0 }, 'targets.haproxy.fall', { fall: 1 }],
    ['rise 11', { rise: 11 }, 'targets.haproxy.rise', { rise: 10 }],
    ['a 0 s check interval', { checkIntervalSeconds: 0 }, 'targets.haproxy.checkIntervalSeconds', { checkIntervalSeconds: 1 }],
    ['retries 11', { retries: 11 }, 'targets.haproxy.retries', { retries: 0 }],
    ['a DNS bind address', { bindAddress: 'lb.example.com' }, 'targets.haproxy.bindAddress', { bindAddress: '*' }],
    ['a log target with a space', { logTarget: 'stdout format raw' }, 'targets.haproxy.logTarget', { logTarget: 'stdout' }],
  ];
  besideItsNeighbour(rows, (x) => problemsOf(() => synthPair(pairProps({ targets: [new HaproxyTarget(x)] }))), { verb: 'error' });
  it('GIVEN a half-open probe THEN refused (HAProxy has none); GIVEN the gate THEN accepted', () => {
    assert.ok(
      problemsOf(() => synthPair(pairProps({ probe: { kind: ProbeKind.TCP_HALF_OPEN }, targets: [new HaproxyTarget()] }))).some(
        (p) => p.field === 'probe.kind',
      ),
    );
  });
});
