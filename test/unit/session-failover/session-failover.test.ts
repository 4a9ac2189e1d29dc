import { strict as assert } from 'node:assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describe, it } from 'node:test';
import * as ipaddr from 'ipaddr.js';
import { SessionFailoverPlan, SessionFailoverProps } from '../../../lib/internal';
import { REPO, runIdha, rx } from '../../helpers';

const FOUR = ['10.1.1.11', '10.1.1.12', '10.1.2.11', '10.1.2.12'];
const plan = (p: Partial<SessionFailoverProps>) => SessionFailoverPlan.plan({ servers: FOUR, usersPerServer: 1000, ...p });
const peersOf = (p: SessionFailoverPlan) => Object.fromEntries(p.servers.map((s) => [s.address, s.peers]));

describe("the source document's own examples", () => {
  it('GIVEN 4 servers and count 3 (4-1) THEN every server backs up every other, and any 1 or 2 down is survived', () => {
    const p = plan({ peerCount: 3, loginsPerSecond: 4 });
    for (const s of p.servers) {
      assert.deepEqual(
        [...s.peers].sort(),
        FOUR.filter((a) => a !== s.address),
      );
      assert.equal(s.extraMemoryBytes, 3 * 1000 * 1024, '3 other servers x 1000 users x 1 KB');
      assert.equal(s.replicationOutBytesPerSecond, 1 * 1024 * 3, '1 login/s x 1 KB x 3 peers');
      assert.equal(s.replicationInBytesPerSecond, 3 * 1 * 1024);
    }
    assert.equal(p.totalReplicationBytesPerSecond, 4 * 3 * 1024);
    assert.deepEqual(
      p.survival.map((v) => [v.down, v.survives, v.setsChecked]),
      [
        [1, true, 4],
        [2, true, 6],
      ],
    );
    assert.deepEqual(p.warnings, []);
  });

  it(
    'GIVEN 4 servers and tolerate 2 (4-2 = 2 peers) THEN the same-subnet server first, the tie across subnets shown, and any 2 down ' + 'survived',
    () => {
      const p = plan({ tolerate: 2 });
      assert.equal(p.peerCount, 2);
      assert.equal(p.peerCountReason, 'tolerate 2: N-2 = 4 - 2 = 2');
      assert.deepEqual(peersOf(p), {
        '10.1.1.11': ['10.1.1.12', '10.1.2.11'],
        '10.1.1.12': ['10.1.1.11', '10.1.2.11'],
        '10.1.2.11': ['10.1.2.12', '10.1.1.11'],
        '10.1.2.12': ['10.1.2.11', '10.1.1.11'],
      });
      assert.deepEqual(p.servers[0].tie, { prefixLength: 22, chosen: ['10.1.2.11'], notChosen: ['10.1.2.12'] });
      assert.match(p.toTable(), /10\.1\.1\.11: chose 10\.1\.2\.11 over 10\.1\.2\.12 \(all \/22 in common\)/);
      assert.match(p.toTable(), /the product's own tie-break is not documented/);
      assert.ok(p.survival.every((v) => v.survives));
      // The address-order tie-break piles backups on the lower addresses: 10.1.1.11 holds three servers' sessions.
      assert.deepEqual(
        p.servers.map((s) => s.backsUp.length),
        [3, 1, 3, 1],
      );
      assert.equal(p.worstExtraMemoryBytes, 3 * 1000 * 1024);
    },
  );

  it('GIVEN 8 servers and tolerate 1 THEN the policy gives 3 peers (not 7) with a warning; GIVEN an explicit 6 THEN 6 with a warning', () => {
    const eight = Array.from({ length: 8 }, (_, i) => `10.0.${i >> 2}.${10 + i}`);
    const policy = SessionFailoverPlan.plan({ servers: eight, usersPerServer: 500 });
    assert.equal(policy.peerCount, 3);
    assert.match(policy.warnings.join('\n'), /tolerate 1 gives 7 peers \(N-1\) in a cluster of 8; capped at 3/);
    const six = SessionFailoverPlan.plan({ servers: eight, usersPerServer: 500, peerCount: 6 });
    assert.equal(six.peerCount, 6);
    assert.match(six.warnings.join('\n'), /6 peers in a cluster of 8: above the recommended 2 or 3/);
    const three = SessionFailoverPlan.plan({ servers: eight, usersPerServer: 500, peerCount: 3 });
    assert.doesNotMatch(three.warnings.join('\n'), /recommended/, 'the neighbour: 3 is within the recommendation');
    // The seed's own case: 3 peers, 4 servers per /24, so every copy stays in the server's own subnet.
    assert.match(three.warnings.join('\n'), /^8 of 8 servers keep every copy of their sessions in their own \/24 subnet/m);
    const spread = SessionFailoverPlan.plan({ servers: eight, usersPerServer: 500, peerCount: 4 });
    assert.doesNotMatch(spread.warnings.join('\n'), /own \/24 subnet/, 'the neighbour: a 4th peer sits in the other subnet');
  });
});

describe('peer choice by proximity', () => {
  it("GIVEN two subnets and one peer THEN each server's peer is in its own subnet", () => {
    const p = SessionFailoverPlan.plan({ servers: ['10.2.0.5', '10.1.0.7', '10.2.0.9', '10.1.0.8'], usersPerServer: 10, peerCount: 1 });
    assert.deepEqual(peersOf(p), { '10.2.0.5': ['10.2.0.9'], '10.1.0.7': ['10.1.0.8'], '10.2.0.9': ['10.2.0.5'], '10.1.0.8': ['10.1.0.7'] });
  });

  it('GIVEN IPv6 servers THEN the longest common prefix wins there too', () => {
    const p = SessionFailoverPlan.plan({ servers: ['fd00:1::10', 'fd00:2::10', 'fd00:1::11', 'fd00:2::11'], totalUsers: 400, peerCount: 1 });
    assert.deepEqual(peersOf(p), {
      'fd00:1::10': ['fd00:1::11'],
      'fd00:2::10': ['fd00:2::11'],
      'fd00:1::11': ['fd00:1::10'],
      'fd00:2::11': ['fd00:2::10'],
    });
    assert.equal(p.servers[0].users, 100, 'totalUsers spread evenly');
    assert.equal(p.servers[0].peerPrefixLengths[0], 127);
  });

  it('GIVEN the same servers in another order THEN the same peers (ties by address, not by list order)', () => {
    const a = peersOf(plan({ tolerate: 2 }));
    const b = peersOf(SessionFailoverPlan.plan({ servers: [...FOUR].reverse(), usersPerServer: 1000, tolerate: 2 }));
    assert.deepEqual(b, a);
  });

  it('GIVEN non-canonical IPv6 forms THEN they are compared canonically', () => {
    const problems = SessionFailoverPlan.validate({ servers: ['fd00:0:0::1', 'fd00::1'], usersPerServer: 1, peerCount: 1 });
    assert.equal(problems[0]?.field, 'sessionFailover.servers[1]');
  });
});

describe('survival, by enumeration, against hand-worked cases', () => {
  // 10.0.0.1 and .2 pick each other; .9 is as close to .1 as to .2 (28 bits) and takes .1 by address.
  const three = { servers: ['10.0.0.1', '10.0.0.2', '10.0.0.9'], usersPerServer: 1 };
  const cases: Array<[string, Partial<SessionFailoverProps>, Array<[number, boolean, string[] | undefined]>]> = [
    [
      '3 servers, 1 peer: any 1 down is fine; .1 and .2 down together lose both',
      { peerCount: 1 },
      [
        [1, true, undefined],
        [2, false, ['10.0.0.1', '10.0.0.2']],
      ],
    ],
    [
      '3 servers, 2 peers: every server backs up every other',
      { peerCount: 2 },
      [
        [1, true, undefined],
        [2, true, undefined],
      ],
    ],
    [
      '3 servers, 0 peers: failover is off, so one down already loses sessions',
      { peerCount: 0 },
      [
        [1, false, ['10.0.0.1']],
        [2, false, ['10.0.0.1', '10.0.0.2']],
      ],
    ],
  ];
  for (const [what, props, expected] of cases) {
    it(`GIVEN ${what}`, () => {
      const p = SessionFailoverPlan.plan({ ...three, ...props });
      assert.deepEqual(
        p.survival.map((v) => [v.down, v.survives, v.counterexample]),
        expected,
      );
    });
  }

  it('GIVEN 2 servers THEN only "1 down" is checked (losing both leaves nobody)', () => {
    const p = SessionFailoverPlan.plan({ servers: ['10.0.0.1', '10.0.0.2'], usersPerServer: 1 });
    assert.deepEqual(
      p.survival.map((v) => [v.down, v.survives]),
      [[1, true]],
    );
  });

  it('GIVEN 6 servers with one peer each THEN the enumeration finds the pair that loses sessions and checks all 15 pairs when none does', () => {
    const servers = ['10.0.1.1', '10.0.1.2', '10.0.2.1', '10.0.2.2', '10.0.3.1', '10.0.3.2'];
    const one = SessionFailoverPlan.plan({ servers, usersPerServer: 1, peerCount: 1 });
    assert.deepEqual(one.survival[1].counterexample, ['10.0.1.1', '10.0.1.2']);
    const two = SessionFailoverPlan.plan({ servers, usersPerServer: 1, peerCount: 2 });
    assert.deepEqual([two.survival[1].survives, two.survival[1].setsChecked], [true, 15]);
  });
});

describe('warnings', () => {
  it('GIVEN one subnet THEN a warning that proximity means nothing; GIVEN two subnets THEN none of that kind', () => {
    assert.match(
      SessionFailoverPlan.plan({ servers: ['10.5.5.1', '10.5.5.2', '10.5.5.3'], usersPerServer: 1 }).warnings.join('\n'),
      /every server is in one \/24 subnet/,
    );
    assert.doesNotMatch(plan({}).warnings.join('\n'), /one \/24 subnet/);
  });

  it('GIVEN a server alone in its subnet THEN a warning that all its peers sit in one other subnet', () => {
    const p = SessionFailoverPlan.plan({ servers: ['10.9.9.9', '10.1.2.1', '10.1.2.2', '10.1.2.3'], usersPerServer: 1, peerCount: 2 });
    assert.deepEqual(p.warnings, [
      "10.9.9.9: all its peers sit in one other subnet (10.1.2.0/24); losing that subnet loses its sessions' copies",
      '3 of 4 servers keep every copy of their sessions in their own /24 subnet (10.1.2.1, 10.1.2.2, 10.1.2.3): one outage of that subnet ' +
        'loses the sessions and all their copies. Proximity picks the closest peers; to keep a copy elsewhere, raise the peer count past the ' +
        'servers of one subnet, or spread the subnets',
    ]);
  });
});

describe('validation matrix: every bad input beside an accepted neighbour', () => {
  const base: SessionFailoverProps = { servers: FOUR, usersPerServer: 1000 };
  const matrix: Array<[string, Partial<SessionFailoverProps>, string, RegExp, Partial<SessionFailoverProps>]> = [
    ['a peer count equal to the server count', { peerCount: 4 }, 'sessionFailover.peerCount', /fewer than the 4 servers/, { peerCount: 3 }],
    ['a negative peer count', { peerCount: -1 }, 'sessionFailover.peerCount', /an integer from 0 to 3/, { peerCount: 0 }],
    [
      'duplicate addresses',
      { servers: ['10.1.1.11', '10.1.1.12', '10.1.1.11'] },
      'sessionFailover.servers[2]',
      /not already listed at sessionFailover\.servers\[0\]/,
      { servers: ['10.1.1.11', '10.1.1.12', '10.1.1.13'] },
    ],
    ['one server', { servers: ['10.1.1.11'] }, 'sessionFailover.servers', /at least 2/, { servers: ['10.1.1.11', '10.1.1.12'] }],
    ['a negative user count', { usersPerServer: -5 }, 'sessionFailover.usersPerServer', /from 0 to 10000000/, { usersPerServer: 0 }],
    ['an absurd user count', { usersPerServer: 5e9 }, 'sessionFailover.usersPerServer', /from 0 to 10000000/, { usersPerServer: 1e7 }],
    [
      'a negative user count on one server',
      { servers: [...FOUR.slice(1), { address: '10.1.1.11', users: -1 }] },
      'sessionFailover.servers[3].users',
      /from 0/,
      { servers: [...FOUR.slice(1), { address: '10.1.1.11', users: 1 }] },
    ],
    ['a session size of 0', { sessionSizeBytes: 0 }, 'sessionFailover.sessionSizeBytes', /from 1 to 1048576/, { sessionSizeBytes: 1 }],
    ['mixed families', { servers: ['10.1.1.11', 'fd00::11'] }, 'sessionFailover.servers', /one family/, { servers: ['fd00::12', 'fd00::11'] }],
    [
      'a DNS name',
      { servers: ['10.1.1.11', 'ids2.corp.example'] },
      'sessionFailover.servers[1]',
      /an IPv4 or IPv6 address/,
      { servers: ['10.1.1.11', '10.1.1.12'] },
    ],
    [
      'usersPerServer and totalUsers together',
      { totalUsers: 4000 },
      'sessionFailover.totalUsers',
      /not both/,
      { usersPerServer: undefined, totalUsers: 4000 },
    ],
    [
      'no user count at all',
      { usersPerServer: undefined },
      'sessionFailover.usersPerServer',
      /concurrent users per server/,
      { usersPerServer: undefined, totalUsers: 0 },
    ],
    ['tolerate 3', { tolerate: 3 }, 'sessionFailover.tolerate', /1 \(N-1 peers\) or 2 \(N-2 peers\)/, { tolerate: 2 }],
    [
      'tolerate 2 with 2 servers',
      { servers: ['10.1.1.11', '10.1.1.12'], tolerate: 2 },
      'sessionFailover.tolerate',
      /at most 1 for 2 servers/,
      { servers: ['10.1.1.11', '10.1.1.12'], tolerate: 1 },
    ],
    ['peerCount and tolerate together', { peerCount: 2, tolerate: 2 }, 'sessionFailover.tolerate', /not both/, { peerCount: 2 }],
    ['a negative login rate', { loginsPerSecond: -1 }, 'sessionFailover.loginsPerSecond', /from 0/, { loginsPerSecond: 0.5 }],
    ['a subnet prefix of 33 for IPv4', { subnetPrefixLength: 33 }, 'sessionFailover.subnetPrefixLength', /from 1 to 32/, { subnetPrefixLength: 32 }],
  ];
  for (const [what, bad, field, allowed, good] of matrix) {
    it(`GIVEN ${what} THEN ${field} is named; GIVEN its neighbour THEN accepted`, () => {
      const problems = SessionFailoverPlan.validate({ ...base, ...bad });
      const hit = problems.find((p) => p.field === field);
      assert.ok(hit, `expected ${field}; got ${JSON.stringify(problems)}`);
      assert.match(`${hit.allowed} ${hit.fix ?? ''}`, allowed);
      assert.deepEqual(SessionFailoverPlan.validate({ ...base, ...good }), []);
    });
  }
});

describe('idha peers (built, run as a process)', () => {
  it('WHEN idha peers THEN the bundled example as a table', () => {
    const r = runIdha(['peers']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(
      r.stdout,
      rx(
        '',
        String.raw`^Session failover plan: 6 servers, 4 peers each \(tolerate 2: N-2 = 6 - 2 = 4\), 1024 bytes per session\nIn th`,
        String.raw`e console: IDP Failover Peer Server Count = 4\n`,
      ),
    );
    assert.match(r.stdout, /^10\.20\.1\.13 +3000 +10\.20\.1\.12, 10\.20\.1\.11, 10\.10\.1\.11, 10\.10\.1\.12 /m);
    assert.match(
      r.stdout,
      /sessions survive any 2 servers down: yes \(all 15 sets of 2: sessions are lost only with their server and all its peers down\)/,
    );
  });

  it('WHEN idha peers --json (or --format json) THEN JSON that tools can read', () => {
    for (const flag of [['--json'], ['--format', 'json']]) {
      const r = runIdha(['peers', ...flag]);
      assert.equal(r.status, 0, r.stderr);
      const j = JSON.parse(r.stdout);
      assert.equal(j.peerCount, 4);
      assert.equal(j.servers.length, 6);
      assert.equal(j.servers[5].users, 3000);
      assert.deepEqual(
        j.survival.map((v: any) => v.survives),
        [true, true],
      );
    }
  });

  it('WHEN idha peers --format mermaid THEN a graph with an arrow per peer', () => {
    const r = runIdha(['peers', '--format', 'mermaid']);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines[0], 'graph LR');
    assert.equal(lines.filter((l) => l.includes('-->')).length, 6 * 4);
    assert.ok(lines.includes('  s5 --> s4'));
  });

  it('GIVEN a topology without sessionFailover THEN exit 2 naming it; GIVEN a bad peer count THEN exit 2 naming the field', () => {
    const none = runIdha(['peers', '--config', path.join(REPO, 'examples', 'iqservice-pair.yaml')]);
    assert.equal(none.status, 2);
    assert.match(none.stderr, /sessionFailover: got \(missing\)/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'idha-peers-'));
    fs.writeFileSync(
      path.join(dir, 't.yaml'),
      fs.readFileSync(path.join(REPO, 'examples', 'session-failover.yaml'), 'utf8').replace('tolerate: 2', 'peerCount: 6'),
    );
    const bad = runIdha(['peers', '--config', path.join(dir, 't.yaml')]);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /sessionFailover\.peerCount: got 6; allowed: an integer from 0 to 5/);
    assert.doesNotMatch(bad.stderr, /\n\s+at /);
  });

  it('GIVEN a topology with only sessionFailover WHEN idha synth THEN exit 2 pointing to idha peers', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'idha-peers-'));
    const r = runIdha(['synth', '--config', path.join(REPO, 'examples', 'session-failover.yaml'), '--out', path.join(dir, 'o')]);
    assert.equal(r.status, 2);
    assert.match(
      r.stderr,
      rx(
        '',
        String.raw`services: got \(missing\); allowed: at least one service, cluster or web tier to synthesize\. Fix: this topolo`,
        String.raw`gy holds only sessionFailover: run idha peers`,
      ),
    );
    assert.equal(fs.existsSync(path.join(dir, 'o')), false);
  });
});

describe('the planner at scale and its wording', () => {
  /** The definition, comparing every pair: longest common prefix first, then address order. */
  function reference(servers: string[], peerCount: number): string[][] {
    const bytes = servers.map((a) => ipaddr.parse(a).toByteArray() as number[]);
    const cmp = (a: number[], b: number[]) => {
      for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
      return 0;
    };
    const lcp = (a: number[], b: number[]) => {
      let n = 0;
      for (let i = 0; i < a.length; i++) {
        const x = a[i] ^ b[i];
        if (x === 0) {
          n += 8;
          continue;
        }
        return n + Math.clz32(x) - 24;
      }
      return n;
    };
    return servers.map((_, i) =>
      servers
        .map((_, j) => j)
        .filter((j) => j !== i)
        .sort((a, b) => lcp(bytes[i], bytes[b]) - lcp(bytes[i], bytes[a]) || cmp(bytes[a], bytes[b]))
        .slice(0, peerCount)
        .map((j) => servers[j]),
    );
  }

  it("GIVEN random clusters (IPv4 and IPv6, dense subnets, many ties) THEN the peers are exactly the pairwise definition's", () => {
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 48271) % 2147483647;
      return seed % n;
    };
    for (let round = 0; round < 60; round++) {
      const v6 = round % 3 === 0;
      const n = 2 + rnd(40);
      const set = new Set<string>();
      while (set.size < n) set.add(v6 ? `fd00:${rnd(3)}::${rnd(4).toString(16)}:${rnd(8).toString(16)}` : `10.${rnd(3)}.${rnd(4)}.${1 + rnd(12)}`);
      const servers = [...set];
      const peerCount = 1 + rnd(n - 1);
      const p = SessionFailoverPlan.plan({ servers, usersPerServer: 1, peerCount });
      assert.deepEqual(
        p.servers.map((s) => s.peers),
        reference(
          p.servers.map((s) => s.address),
          peerCount,
        ),
        `round ${round}: ${servers.join(' ')} with ${peerCount} peers`,
      );
    }
  });

  it("GIVEN totalUsers that does not divide evenly THEN the servers' users add up to it (1000 over 3: 334, 333, 333)", () => {
    const p = SessionFailoverPlan.plan({ servers: ['10.0.0.1', '10.0.0.2', '10.0.0.3'], totalUsers: 1000 });
    assert.deepEqual(
      p.servers.map((s) => s.users),
      [334, 333, 333],
    );
  });

  it('GIVEN tolerate 2 on 3 servers THEN 1 peer, and the plan says why and what survives; GIVEN 4 servers THEN 2 peers and no such warning', () => {
    const three = SessionFailoverPlan.plan({ servers: ['10.0.0.1', '10.0.0.2', '10.0.1.3'], usersPerServer: 1, tolerate: 2 });
    assert.equal(three.peerCountReason, 'tolerate 2: N-2 = 3 - 2 = 1');
    assert.match(three.warnings.join('\n'), /tolerate 2 on 3 servers leaves 1 peer \(N-2\): sessions survive one server down, not two/);
    assert.deepEqual(
      three.survival.map((v) => v.survives),
      [true, false],
    );
    assert.doesNotMatch(plan({ tolerate: 2 }).warnings.join('\n'), /leaves/);
  });

  it('GIVEN one subnet THEN the warning says the subnet is one failure domain and how peers are still ranked (not "alike")', () => {
    const w = SessionFailoverPlan.plan({ servers: ['10.5.5.1', '10.5.5.2', '10.5.5.3'], usersPerServer: 1 }).warnings.join('\n');
    assert.doesNotMatch(w, /alike/);
    assert.match(w, /ranked by the longest common address prefix, and equally close ones by address order/);
  });

  it(
    'GIVEN 1,500 servers with 1,499 peers each THEN the table, the JSON and the Mermaid graph stay small: lists cut with counts, the graph ' +
      'per subnet',
    () => {
      const servers = Array.from({ length: 1500 }, (_, i) => `10.${i % 10}.${Math.floor(i / 250)}.${(i % 250) + 1}`);
      const p = SessionFailoverPlan.plan({ servers, usersPerServer: 10, peerCount: 1499 });
      const table = p.toTable();
      const json = p.toJson();
      const mermaid = p.toMermaid();
      assert.ok(table.length < 2_000_000, `table ${table.length} characters`);
      assert.ok(json.length < 5_000_000, `json ${json.length} characters`);
      assert.match(table, /\.\.\. \(1483 more\)/);
      const j = JSON.parse(json);
      assert.equal(j.servers[0].peers.length, 16);
      assert.equal(j.servers[0].peersNotListed, 1483);
      assert.equal(j.consoleField, 'IDP Failover Peer Server Count');
      const edges = mermaid.split('\n').filter((l) => l.includes('-->')).length;
      assert.ok(edges <= 500, `${edges} edges`);
      assert.match(mermaid, /drawn per \/20 subnet/, 'widened from the /24 subnets until it fits');
      // the neighbour: a small plan draws one arrow per peer link
      const small = plan({ peerCount: 3 }).toMermaid();
      assert.equal(small.split('\n').filter((l) => l.includes('-->')).length, 12);
    },
  );

  it('GIVEN 10,000 servers THEN a plan (bench/peers.js measures its time and memory against 1,000)', () => {
    const servers = Array.from({ length: 10_000 }, (_, i) => `10.${i % 40}.${Math.floor(i / 250) % 250}.${(i % 250) + 1}`);
    const p = SessionFailoverPlan.plan({ servers: [...new Set(servers)], usersPerServer: 100, peerCount: 3 });
    assert.equal(p.servers.length, new Set(servers).size);
    assert.ok(p.toTable().length < 3_000_000);
  });
});
