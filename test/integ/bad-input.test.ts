import { strict as assert } from 'node:assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describe, it } from 'node:test';
import * as YAML from 'yaml';
import {
  IdhaValidationError,
  MAX_LISTED_PROBLEMS,
  MAX_TOPOLOGY_BYTES,
  parseTopologyText,
  planSessionFailover,
  previewValue,
  synthesizeTopology,
  TopologyDocument,
} from '../../lib/internal';
import { EXAMPLE, REPO, runIdha } from '../helpers';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'idha-bad-'));
const EXAMPLE_TEXT = fs.readFileSync(EXAMPLE, 'utf8');
const DNS_TEXT = fs.readFileSync(path.join(REPO, 'examples', 'iqservice-dns.yaml'), 'utf8');

/** The example with one edit; the edit must apply. */
function edited(from: string, to: string, base = EXAMPLE_TEXT): string {
  assert.ok(base.includes(from), `the example holds ${JSON.stringify(from)}`);
  return base.replace(from, to);
}

/** Problems of a topology text, from parsing through building every platform (empty when valid). */
function problemsOfText(text: string): { field: string; value: unknown; allowed: string; fix?: string }[] {
  const out = tmp();
  try {
    synthesizeTopology({ topology: parseTopologyText(text, 't.yaml'), outDir: path.join(out, 'o') });
    return [];
  } catch (e) {
    if (e instanceof IdhaValidationError) return [...e.problems];
    throw e;
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

/** The example with a second service named `name` (HAProxy only, so nothing else clashes). */
function twoServices(name: string): string {
  const doc = YAML.parse(EXAMPLE_TEXT);
  doc.services.push({ ...doc.services[0], name, targets: { haproxy: { bindAddress: '10.0.0.61' } } });
  return YAML.stringify(doc);
}

// [what, bad text, field, allowed (or fix) pattern, accepted neighbour text]
const matrix: Array<[string, string, string, RegExp, string]> = [
  ['two services with the same name', twoServices('iqservice'), 'services[1].name', /a name not used by services\[0\]/, twoServices('iqservice-b')],
  [
    'primary 0.0.0.0',
    edited('address: 10.0.1.10', 'address: 0.0.0.0'),
    'services[0].primary.address',
    /of one host/,
    edited('address: 10.0.1.10', 'address: 10.0.1.11'),
  ],
  [
    'a broadcast secondary',
    edited('address: 10.0.2.10', 'address: 255.255.255.255'),
    'services[0].secondary.address',
    /of one host/,
    edited('address: 10.0.2.10', 'address: 10.0.2.255'),
  ],
  [
    'a multicast primary',
    edited('address: 10.0.1.10', 'address: 224.0.0.5'),
    'services[0].primary.address',
    /of one host/,
    edited('address: 10.0.1.10', 'address: 223.0.0.5'),
  ],
  [
    'the IPv6 unspecified address',
    edited('address: 10.0.1.10', 'address: "::"'),
    'services[0].primary.address',
    /of one host/,
    edited('address: 10.0.1.10', 'address: "10.0.1.12"'),
  ],
  [
    'duplicate allowedClients',
    edited('      - 10.20.0.0/24          # virtual appliances', '      - 10.20.0.0/24\n      - 10.20.0.0/24'),
    'services[0].allowedClients[1]',
    /a block not already listed at allowedClients\[0\]/,
    edited('      - 10.20.0.0/24          # virtual appliances', '      - 10.20.0.0/24\n      - 10.21.0.0/24'),
  ],
  [
    'mixed client families',
    edited('      - 10.20.0.0/24          # virtual appliances', '      - 10.50.0.0/24\n      - 2001:db8:aa::/48'),
    'services[0].allowedClients',
    /one address family per service/,
    edited('      - 10.20.0.0/24          # virtual appliances', '      - 10.50.0.0/24\n      - 10.51.0.0/24'),
  ],
  [
    'f5.virtualAddress equal to the primary',
    edited('virtualAddress: 10.0.0.50', 'virtualAddress: 10.0.1.10'),
    'services[0].targets.f5.virtualAddress',
    /not the primary host's/,
    edited('virtualAddress: 10.0.0.50', 'virtualAddress: 10.0.0.51'),
  ],
  [
    'azure.frontendPrivateIp equal to the secondary',
    edited(
      '        networkSecurityGroupResourceGroupName: rg-network\n',
      '        networkSecurityGroupResourceGroupName: rg-network\n        frontendPrivateIp: 10.0.2.10\n',
    ),
    'services[0].targets.azure.frontendPrivateIp',
    /not the secondary host's/,
    edited(
      '        networkSecurityGroupResourceGroupName: rg-network\n',
      '        networkSecurityGroupResourceGroupName: rg-network\n        frontendPrivateIp: 10.0.0.40\n',
    ),
  ],
  [
    'azure.zones ["4"]',
    edited(
      '        networkSecurityGroupResourceGroupName: rg-network\n',
      '        networkSecurityGroupResourceGroupName: rg-network\n        zones: ["1", "4"]\n',
    ),
    'services[0].targets.azure.zones[1]',
    /one of "1", "2", "3"/,
    edited(
      '        networkSecurityGroupResourceGroupName: rg-network\n',
      '        networkSecurityGroupResourceGroupName: rg-network\n        zones: ["1", "3"]\n',
    ),
  ],
  [
    'f5.tenant Common',
    edited('        virtualAddress: 10.0.0.50\n', '        virtualAddress: 10.0.0.50\n        tenant: Common\n'),
    'services[0].targets.f5.tenant',
    /not Common or Shared/,
    edited('        virtualAddress: 10.0.0.50\n', '        virtualAddress: 10.0.0.50\n        tenant: Commons\n'),
  ],
  [
    'a NUL inside a name',
    edited('  - name: iqservice', '  - name: "iq\\0service"'),
    'services[0].name',
    /without control characters/,
    edited('  - name: iqservice', '  - name: "iq-service"'),
  ],
  [
    'an escape character inside an ID',
    edited('vpcId: vpc-0a1b2c3d4e5f60718', 'vpcId: "vpc-0a1b2c3d\\e"'),
    'services[0].targets.aws.vpcId',
    /without control characters/,
    edited('vpcId: vpc-0a1b2c3d4e5f60718', 'vpcId: "vpc-0a1b2c3d"'),
  ],
  [
    'vpcId "not a vpc"',
    edited('vpcId: vpc-0a1b2c3d4e5f60718', 'vpcId: not a vpc'),
    'services[0].targets.aws.vpcId',
    /vpc- and 8 or 17 hex digits/,
    edited('vpcId: vpc-0a1b2c3d4e5f60718', 'vpcId: vpc-0a1b2c3d'),
  ],
  [
    'subnetIds [foo, bar]',
    edited('subnetIds: [subnet-0aaa1111bbbb2222c, subnet-0ddd3333eeee4444f]', 'subnetIds: [foo, subnet-0ddd3333eeee4444f]'),
    'services[0].targets.aws.subnetIds[0]',
    /subnet- and 8 or 17 hex digits/,
    edited('subnetIds: [subnet-0aaa1111bbbb2222c, subnet-0ddd3333eeee4444f]', 'subnetIds: [subnet-0aaa1111, subnet-0ddd3333eeee4444f]'),
  ],
  [
    'the same subnet twice',
    edited('subnetIds: [subnet-0aaa1111bbbb2222c, subnet-0ddd3333eeee4444f]', 'subnetIds: [subnet-0aaa1111bbbb2222c, subnet-0aaa1111bbbb2222c]'),
    'services[0].targets.aws.subnetIds[1]',
    /not already listed at subnetIds\[0\]/,
    edited('subnetIds: [subnet-0aaa1111bbbb2222c, subnet-0ddd3333eeee4444f]', 'subnetIds: [subnet-0aaa1111bbbb2222c]'),
  ],
  [
    'targetSecurityGroupId xyz',
    edited('targetSecurityGroupId: sg-0123456789abcdef0', 'targetSecurityGroupId: xyz'),
    'services[0].targets.aws.targetSecurityGroupId',
    /sg- and 8 or 17 hex digits/,
    edited('targetSecurityGroupId: sg-0123456789abcdef0', 'targetSecurityGroupId: sg-01234567'),
  ],
  [
    'hostedZoneId "zone!"',
    edited('hostedZoneId: Z0123456789ABCDEFGHIJ', 'hostedZoneId: "zone!"', DNS_TEXT),
    'services[0].targets.aws-route53.hostedZoneId',
    /Z and up to 32 capital letters/,
    edited('hostedZoneId: Z0123456789ABCDEFGHIJ', 'hostedZoneId: Z0123', DNS_TEXT),
  ],
  [
    'a bad service name (the key is name, not serviceName)',
    edited('  - name: iqservice', '  - name: IQService'),
    'services[0].name',
    /lower-case letters/,
    edited('  - name: iqservice', '  - name: iq-service'),
  ],
  [
    "a DNS-named host on Azure (the path is the host's, not a derived one)",
    edited('address: 10.0.1.10', 'address: iq1.corp.example'),
    'services[0].primary.address',
    /Azure backend pools by IP address take no DNS names/,
    edited('address: 10.0.1.10', 'address: 10.0.1.13'),
  ],
  [
    'a half-open probe on Azure (the path is probe.kind)',
    edited("      kind: sidecar-gate      # the sidecar's gate port; never touches 5050", '      kind: tcp-half-open'),
    'services[0].probe.kind',
    /on Azure Load Balancer/,
    edited("      kind: sidecar-gate      # the sidecar's gate port; never touches 5050", '      kind: sidecar-http'),
  ],
  [
    'a duplicate key',
    edited('    port: 5050\n', '    port: 5050\n    port: 5051\n'),
    `(line ${edited('    port: 5050\n', '    port: 5050\n    port: 5051\n').split('\n').indexOf('    port: 5051') + 1})`,
    /each key once per mapping/,
    edited('    port: 5050\n', '    port: 5052\n'),
  ],
  [
    'an alias bomb under an unknown key',
    edited(
      'services:\n',
      'x:\n  a: &a [l,l,l,l,l,l,l,l,l,l]\n  b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\n  c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nservices:\n',
    ),
    '(document)',
    /YAML aliases that expand to at most 100 copies/,
    edited('services:\n', 'name: identity-ha\nservices:\n', EXAMPLE_TEXT.replace('name: identity-ha\n', '')),
  ],
  [
    'flow nesting 40 deep',
    edited('version: 1\n', `version: 1\nx: ${'['.repeat(40)}${']'.repeat(40)}\n`),
    '(document)',
    /at most 32 levels of nesting/,
    edited(
      '    port: 5050\n',
      `    port: 5050\n    allowedClients: ${'['.repeat(1)}10.20.0.0/24${']'.repeat(1)}\n`,
      EXAMPLE_TEXT.replace(/ {4}allowedClients:\n {6}- 10\.20\.0\.0\/24 .*\n/, ''),
    ),
  ],
  [
    'block nesting 40 deep',
    edited('version: 1\n', `version: 1\nx:\n${Array.from({ length: 40 }, (_, i) => `${' '.repeat(2 * i + 2)}k:`).join('\n')} 1\n`),
    `x${'.k'.repeat(32)}`,
    /at most 32 levels of nesting/,
    edited('version: 1\n', 'version: 1\n'),
  ],
];

describe('every class of bad topology gets a clean error naming a path in the file; its neighbour is accepted', () => {
  for (const [what, bad, field, pattern, good] of matrix) {
    it(`GIVEN ${what} THEN ${field} is named; GIVEN its neighbour THEN accepted`, () => {
      const problems = problemsOfText(bad);
      const hit = problems.find((p) => p.field === field);
      assert.ok(hit, `expected ${field}; got ${problems.map((p) => p.field).join(', ')}`);
      assert.match(`${hit.allowed} ${hit.fix ?? ''}`, pattern);
      assert.deepEqual(problemsOfText(good), []);
    });
  }

  it('GIVEN overlapping client blocks THEN a warning (not an error); GIVEN disjoint blocks THEN none', () => {
    const out = tmp();
    const overlap = synthesizeTopology({
      topology: parseTopologyText(edited('      - 10.20.0.0/24          # virtual appliances', '      - 10.20.0.0/16\n      - 10.20.5.0/24')),
      outDir: path.join(out, 'a'),
    });
    assert.ok(
      overlap.warnings.some((w) => /10\.20\.5\.0\/24 lies inside 10\.20\.0\.0\/16/.test(w)),
      overlap.warnings.join('\n'),
    );
    const disjoint = synthesizeTopology({
      topology: parseTopologyText(edited('      - 10.20.0.0/24          # virtual appliances', '      - 10.20.0.0/24\n      - 10.21.0.0/24')),
      outDir: path.join(out, 'b'),
    });
    assert.ok(!disjoint.warnings.some((w) => /lies inside/.test(w)));
  });
});

describe('the CLI on bad files: exit 2, no stack trace, bounded output', () => {
  const files: Array<[string, (dir: string) => string, RegExp]> = [
    [
      'a UTF-16 file',
      (d) => {
        const f = path.join(d, 'u16.yaml');
        fs.writeFileSync(f, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(EXAMPLE_TEXT, 'utf16le')]));
        return f;
      },
      /a UTF-8 text file; this one is UTF-16\. Fix: save the file as UTF-8/,
    ],
    [
      'a Latin-1 file',
      (d) => {
        const f = path.join(d, 'l1.yaml');
        fs.writeFileSync(f, Buffer.from(EXAMPLE_TEXT.replace('virtual appliances', 'appliances \u00e0 Z\u00fcrich'), 'latin1'));
        return f;
      },
      /bytes that are not UTF-8/,
    ],
    [
      'a file over the size limit',
      (d) => {
        const f = path.join(d, 'big.yaml');
        fs.writeFileSync(f, `# ${'x'.repeat(MAX_TOPOLOGY_BYTES)}\n`);
        return f;
      },
      /a topology file of at most 1 MiB; this one is 1\.0 MiB/,
    ],
    [
      'a 200 KB value',
      (d) => {
        const f = path.join(d, 'v.yaml');
        fs.writeFileSync(f, edited('  - name: iqservice', `  - name: ${'a'.repeat(200_000)}`));
        return f;
      },
      /got "a{100,}\.\.\. \(200000 characters\); allowed/,
    ],
    ['a folder instead of a file', (d) => d, /--config: got .*; allowed: a readable YAML or JSON topology file/],
    [
      'an empty file',
      (d) => {
        const f = path.join(d, 'e.yaml');
        fs.writeFileSync(f, '# nothing yet\n');
        return f;
      },
      /\(document\): got \(missing\); allowed: a topology: a mapping with version and services\. Fix: the file is empty/,
    ],
    [
      'an infinite port (.inf)',
      (d) => {
        const f = path.join(d, 'i.yaml');
        fs.writeFileSync(f, edited('    port: 5050', '    port: .inf'));
        return f;
      },
      /services\[0\]\.port: got Infinity; allowed: a whole number/,
    ],
  ];
  for (const [what, make, message] of files) {
    it(`GIVEN ${what} THEN exit 2, the reason and the fix, no stack trace, under 4 KB`, () => {
      const dir = tmp();
      const r = runIdha(['synth', '--config', make(dir), '--out', path.join(dir, 'o')]);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
      assert.ok(r.stderr.length < 4096, `${r.stderr.length} bytes of stderr`);
      assert.equal(fs.existsSync(path.join(dir, 'o')), false);
    });
  }

  it('GIVEN 300 bad services THEN 50 problems are listed, then "... and 250 more"', () => {
    const services = Array.from({ length: 300 }, (_, i) => ({
      ...YAML.parse(EXAMPLE_TEXT).services[0],
      name: `s${i}`,
      port: 70000,
      targets: { f5: { virtualAddress: '10.0.0.50' } },
    }));
    try {
      synthesizeTopology({ topology: { version: 1, services } as TopologyDocument, outDir: path.join(tmp(), 'o') });
      assert.fail('accepted');
    } catch (e) {
      assert.ok(e instanceof IdhaValidationError);
      const lines = e.message.split('\n');
      assert.equal(lines[0], 'topology: 300 invalid settings');
      assert.equal(lines.filter((l) => l.startsWith('  - ')).length, MAX_LISTED_PROBLEMS);
      assert.equal(lines[lines.length - 1], '  ... and 250 more');
    }
  });

  it('previewValue cuts long strings and big objects without serializing them whole', () => {
    assert.equal(previewValue('short'), '"short"');
    assert.match(previewValue('x'.repeat(10_000)), /^"x{119}\.\.\. \(10000 characters\)$/);
    const huge = { list: Array.from({ length: 1_000_000 }, (_, i) => i) };
    const t0 = Date.now();
    assert.match(previewValue(huge), /^\{"list":\[0,1,2,.*\.\.\. \(cut\)$/);
    assert.ok(Date.now() - t0 < 1000, 'bounded work');
  });
});

/** A seeded mutator of topology documents (mulberry32 underneath). */
function fuzzer(start: number) {
  // mulberry32: a small seeded generator whose low bits are as random as its high ones.
  let seed = start;
  const rand = (n: number) => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) % n;
  };
  const pick = <T>(xs: readonly T[]): T => xs[rand(xs.length)];
  const VALUES: unknown[] = [
    0,
    -1,
    70000,
    1.5,
    '',
    'x',
    '0.0.0.0',
    '::',
    '10.0.0.0/8',
    'fd00::/64',
    true,
    null,
    [],
    {},
    ['a', 'a'],
    '\u0000',
    'a'.repeat(300),
    { '<<': 1 },
  ];

  /** Paths to every node of a JSON value. */
  function paths(v: unknown, at: Array<string | number> = []): Array<Array<string | number>> {
    const out = [at];
    if (Array.isArray(v)) v.forEach((x, i) => out.push(...paths(x, [...at, i])));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...at, k]));
    return out;
  }
  function mutate(doc: any): string {
    const all = paths(doc).filter((p) => p.length > 0);
    const p = pick(all);
    const parent = p.slice(0, -1).reduce((o: any, k) => o[k], doc) as any;
    const key = p[p.length - 1];
    switch (rand(7)) {
      case 0:
        parent[key] = pick(VALUES);
        break; // type swap
      case 1:
        if (Array.isArray(parent)) parent.splice(key as number, 1);
        else delete parent[key];
        break; // deletion
      case 2:
        if (Array.isArray(parent)) parent.push(structuredClone(parent[key as number]));
        else parent[`${String(key)}2`] = structuredClone(parent[key]);
        break; // duplication
      case 3:
        if (!Array.isArray(parent)) parent[`unknown${rand(100)}`] = pick(VALUES);
        else parent.push(pick(VALUES));
        break; // unknown key
      default:
        break;
    }
    let text = YAML.stringify(doc);
    const r = rand(4);
    if (r === 0) {
      // random bytes
      const at = rand(text.length);
      text = text.slice(0, at) + String.fromCharCode(...Array.from({ length: 1 + rand(8) }, () => rand(128))) + text.slice(at);
    } else if (r === 1) {
      // aliases
      text = text.replace(/^(\s*)(\w+): (\S.*)$/m, '$1$2: &anchor $3').replace(/^(\s*)(\w+): (\S.*)$/m, (m, s, k) => `${s}${k}: *anchor`);
    }
    return text;
  }
  return { mutate, rand };
}

describe('fuzz: 600 seeded mutations of the bundled examples', () => {
  const { mutate } = fuzzer(20261122);

  it(
    'GIVEN 600 mutations WHEN each goes through parse, checks and synth in this process THEN each ends valid or with a clean, bounded ' +
      'IdhaValidationError, and --out is never half written',
    () => {
      const bases = [YAML.parse(EXAMPLE_TEXT), YAML.parse(DNS_TEXT)];
      const dir = tmp();
      const out = path.join(dir, 'o');
      synthesizeTopology({ topology: parseTopologyText(EXAMPLE_TEXT), outDir: out });
      const marker = () => fs.readFileSync(path.join(out, 'idha-manifest.json'), 'utf8');
      let valid = 0;
      let refused = 0;
      for (let i = 0; i < 600; i++) {
        const text = mutate(structuredClone(bases[i % 2]));
        const before = marker();
        try {
          synthesizeTopology({ topology: parseTopologyText(text, `mutation ${i}`), outDir: out, force: true });
          valid++;
          assert.ok(fs.existsSync(path.join(out, 'manifest.json')), `mutation ${i} left a complete output`);
        } catch (e) {
          if (!(e instanceof IdhaValidationError)) assert.fail(`mutation ${i} threw ${(e as Error).stack}\n---\n${text}`);
          refused++;
          assert.ok(e.message.length < 16_384, `mutation ${i}: ${e.message.length} characters of message`);
          assert.ok(e.problems.every((p) => typeof p.field === 'string' && p.field.length > 0 && typeof p.allowed === 'string'));
          assert.equal(marker(), before, `mutation ${i} changed --out`);
        }
        assert.deepEqual(fs.readdirSync(dir), ['o'], `mutation ${i} left a staging folder`);
      }
      assert.ok(valid > 20 && refused > 200, `valid ${valid}, refused ${refused}: the mutations reach both outcomes`);
    },
  );

  it('GIVEN a handful of mutations through the CLI THEN exit 0 or 2, never a stack trace', () => {
    const dir = tmp();
    for (let i = 0; i < 5; i++) {
      const file = path.join(dir, `m${i}.yaml`);
      fs.writeFileSync(file, mutate(YAML.parse(EXAMPLE_TEXT)));
      const r = runIdha(['synth', '--config', file, '--out', path.join(dir, `o${i}`)]);
      assert.ok(r.status === 0 || r.status === 2, `exit ${r.status}: ${r.stderr}`);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    }
  });
});

describe('messages a person can act on', () => {
  it('GIVEN an alias with no anchor THEN it is named as such (not the alias limit); its neighbour with the anchor passes the parser', () => {
    const bad = problemsOfText('version: 1\nservices:\n  - name: *nope\n');
    assert.equal(bad.length, 1);
    assert.match(bad[0].allowed, /an alias whose anchor \(&name\) is set earlier/);
    assert.equal(bad[0].value, '*nope');
    assert.doesNotMatch(JSON.stringify(bad), /billion/);
  });

  it(
    'GIVEN look-alike, zero-width and bidi characters in a name THEN the message shows them as \\uXXXX and says so; a plain name is shown ' +
      'as it is',
    () => {
      for (const name of ['t\u043Emcat1', 'tomcat\u200B1', 'tomcat\u202E1']) {
        const e = new IdhaValidationError([{ field: 'nodes[0].name', value: name, allowed: 'x' }]);
        assert.doesNotMatch(e.message, /[^\x20-\x7e\n]/, 'only printable ASCII reaches the terminal');
        assert.match(e.message, /\\u(043E|200B|202E)/);
        assert.match(e.message, /shown as \\uXXXX/);
      }
      assert.match(new IdhaValidationError([{ field: 'nodes[0].name', value: 'tomcat1', allowed: 'x' }]).message, /got "tomcat1"; allowed/);
    },
  );

  it(
    'GIVEN secrets under any secret-looking key (authPass, auth_pass, password, secretKey) THEN never echoed; a path to a secret file is ' + 'shown',
    () => {
      for (const field of ['clusters[0].targets.keepalived.authPass', 'x.auth_pass', 'providers.f5.password', 'backend.s3.secretKey']) {
        const e = new IdhaValidationError([{ field, value: 'hunter22', allowed: 'no such key' }]);
        assert.doesNotMatch(e.message, /hunter22/, field);
      }
      assert.match(
        new IdhaValidationError([{ field: 'targets.keepalived.authSecretFile', value: 'auth.conf', allowed: 'an absolute path' }]).message,
        /got "auth\.conf"/,
      );
      const text = edited('        virtualAddress: 10.0.0.50\n', '        virtualAddress: 10.0.0.50\n        auth_pass: hunter22\n');
      assert.doesNotMatch(JSON.stringify(problemsOfText(text).map((p) => new IdhaValidationError([p]).message)), /hunter22/);
    },
  );

  it('GIVEN an empty targets block THEN the message names the keys it may hold, in words (no schema jargon); its neighbour passes', () => {
    const doc = YAML.parse(EXAMPLE_TEXT);
    doc.services[0].targets = {};
    const bad = problemsOfText(YAML.stringify(doc));
    assert.deepEqual(
      bad.map((p) => p.field),
      ['services[0].targets'],
    );
    assert.match(bad[0].allowed, /^at least 1 key \(of azure, aws, f5, azure-traffic-manager, aws-route53, haproxy, client-proxy\)$/);
    assert.doesNotMatch(bad.map((p) => new IdhaValidationError([p]).message).join('\n'), /must NOT|must have|should/);
    doc.services[0].targets = { haproxy: {} };
    assert.deepEqual(problemsOfText(YAML.stringify(doc)), []);
  });

  it(
    "GIVEN a cluster whose service port is the sidecar's default health port THEN the message says probe.healthPort is not in the file and " +
      'is its default',
    () => {
      const text = [
        'version: 1',
        'clusters:',
        '  - name: idm',
        '    nodes: [{ name: tomcat1, address: 10.1.3.11 }, { name: tomcat2, address: 10.1.3.12 }]',
        '    servicePorts: [15051]',
        '    targets:',
        '      azure:',
        '        loadBalancer: { resourceGroupName: rg, location: westeurope, subnetId: ' +
          '/subscriptions/x/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s, networkSecurityGroupName: nsg }',
        '        allowedClients: [10.0.0.0/8]',
        '',
      ].join('\n');
      const bad = problemsOfText(text);
      assert.deepEqual(
        bad.map((p) => p.field),
        ['clusters[0].targets.azure.probe.healthPort'],
      );
      assert.match(bad[0].fix ?? '', /healthPort is not set, so it is its default, 15051/);
      assert.deepEqual(problemsOfText(text.replace('[15051]', '[8080]')), []);
    },
  );

  it('GIVEN idha snippet on a topology with clusters and no services THEN it says there are no services and where the cluster files are', () => {
    const dir = tmp();
    const f = path.join(dir, 'c.yaml');
    fs.writeFileSync(
      f,
      [
        'version: 1',
        'clusters:',
        '  - name: idm',
        '    nodes: [{ name: t1, address: 10.1.3.11 }, { name: t2, address: 10.1.3.12 }]',
        '    virtualIp: 10.1.3.10',
        '    prefixLength: 24',
        '    servicePorts: [8080]',
        '    targets: { keepalived: { virtualRouterId: 51, interfaceName: eth0, authSecretFile: /etc/keepalived/a.conf } }',
        '',
      ].join('\n'),
    );
    const r = runIdha(['snippet', 'haproxy', '--config', f]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /this topology has no services \(it has clusters: idm\)/);
    assert.doesNotMatch(r.stderr, /name the service/);
  });
});

describe('fuzz: 600 seeded mutations of the clusters, web tiers, session failover and state backends', () => {
  const { mutate } = fuzzer(20261203);
  const read = (f: string) => YAML.parse(fs.readFileSync(path.join(REPO, 'examples', f), 'utf8'));
  const withBackend = (b: object) => ({ ...YAML.parse(EXAMPLE_TEXT), backend: b });

  it(
    'GIVEN 600 mutations WHEN each is parsed, checked, synthesized (idha peers planned for the session-failover one) THEN each ends valid ' +
      'or with a clean, bounded IdhaValidationError, and --out is never half written',
    () => {
      const bases = [
        read('failover-cluster.yaml'),
        read('failover-cluster-pacemaker-wsfc.yaml'),
        read('web-tier.yaml'),
        read('session-failover.yaml'),
        withBackend({ s3: { bucket: 'contoso-tfstate', region: 'eu-west-1', keyPrefix: 'identity-ha', useLockfile: true, encrypt: true } }),
        withBackend({
          azurerm: { storageAccountName: 'contosotfstate', containerName: 'tfstate', resourceGroupName: 'rg-tfstate', keyPrefix: 'identity-ha' },
        }),
      ];
      const dir = tmp();
      const out = path.join(dir, 'o');
      synthesizeTopology({ topology: parseTopologyText(EXAMPLE_TEXT), outDir: out });
      const marker = () => fs.readFileSync(path.join(out, 'idha-manifest.json'), 'utf8');
      const counts = bases.map(() => ({ valid: 0, refused: 0 }));
      for (let i = 0; i < 600; i++) {
        const b = i % bases.length;
        const text = mutate(structuredClone(bases[b]));
        const before = marker();
        const t0 = Date.now();
        try {
          const topology = parseTopologyText(text, `mutation ${i}`);
          if (b === 3) {
            const plan = planSessionFailover(topology);
            assert.ok(plan.toTable().length < 1_000_000 && plan.toJson().length < 5_000_000);
          } else {
            synthesizeTopology({ topology, outDir: out, force: true });
            assert.ok(fs.existsSync(path.join(out, 'manifest.json')), `mutation ${i} left a complete output`);
          }
          counts[b].valid++;
        } catch (e) {
          if (!(e instanceof IdhaValidationError)) assert.fail(`mutation ${i} threw ${(e as Error).stack}\n---\n${text}`);
          counts[b].refused++;
          assert.ok(e.message.length < 16_384, `mutation ${i}: ${e.message.length} characters of message`);
          assert.ok(e.problems.every((p) => typeof p.field === 'string' && p.field.length > 0 && typeof p.allowed === 'string'));
          assert.doesNotMatch(e.message, /must NOT|must have|must match|should /, `mutation ${i}: no raw ajv wording`);
          assert.equal(marker(), before, `mutation ${i} changed --out`);
        }
        // Bounded time: generous against a slow CI machine, far below a runaway (seconds of parse or plan).
        assert.ok(Date.now() - t0 < 10_000, `mutation ${i} took ${Date.now() - t0} ms`);
        assert.deepEqual(fs.readdirSync(dir), ['o'], `mutation ${i} left a staging folder`);
      }
      for (const [b, c] of counts.entries())
        assert.ok(c.valid > 3 && c.refused > 20, `base ${b}: valid ${c.valid}, refused ${c.refused}: the mutations reach both outcomes`);
    },
  );
});
