import * as ipaddr from 'ipaddr.js';
import type { HaproxyDocument } from '../../documents/haproxy';
import { block, type TerraformDocument } from '../../documents/terraform';
import type { LintRule, RuleHit } from '../../types';

type Entry = { readonly cidr: string; readonly line: number };
type Net = [ipaddr.IPv4 | ipaddr.IPv6, number];

function parse(text: string): Net | undefined {
  try {
    if (text.includes('/')) return ipaddr.parseCIDR(text);
    const ip = ipaddr.parse(text);
    return [ip, ip.kind() === 'ipv4' ? 32 : 128];
  } catch {
    return undefined;
  }
}

/** The entries of one list that repeat or sit inside an earlier (or wider) one. */
export function overlaps(list: readonly Entry[], where: string): RuleHit[] {
  const nets = list.map((e) => ({ ...e, net: parse(e.cidr) })).filter((e) => e.net);
  const hits: RuleHit[] = [];
  for (let i = 0; i < nets.length; i++) {
    for (let j = 0; j < nets.length; j++) {
      if (i === j) continue;
      const [a, b] = [nets[i], nets[j]];
      if (a.net![0].kind() !== b.net![0].kind()) continue;
      const same = a.net![1] === b.net![1] && a.net![0].toString() === b.net![0].toString();
      // Report each repeat once (at the later one), each narrower range inside a wider one.
      if (same ? j < i : a.net![1] > b.net![1] && a.net![0].match(b.net!)) {
        hits.push({ line: a.line, message: `${where}: ${a.cidr} ${same ? 'is listed twice' : `is inside ${b.cidr}`}` });
        break;
      }
    }
  }
  return hits;
}

function haproxyLists(doc: HaproxyDocument): RuleHit[] {
  return doc.sections.flatMap((sec) =>
    sec.statements.flatMap((s) => {
      const i = s.words.indexOf('src');
      if (i < 0) return [];
      const list: Entry[] = [];
      for (const w of s.words.slice(i + 1)) {
        if (!parse(w)) break;
        list.push({ cidr: w, line: s.line });
      }
      return overlaps(list, `${sec.type} ${sec.name}`);
    }),
  );
}

function terraformLists(doc: TerraformDocument): RuleHit[] {
  const hits: RuleHit[] = [];
  const strings = (v: unknown): string[] =>
    Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : [];
  // One rule's own list.
  for (const r of doc.resources) {
    if (r.type === 'azurerm_network_security_rule') {
      const line = doc.lineOf(r, 'source_address_prefixes');
      hits.push(
        ...overlaps(
          strings(r.values.source_address_prefixes).map((cidr) => ({ cidr, line })),
          r.address,
        ),
      );
    } else if (r.type === 'azurerm_network_security_group' && Array.isArray(r.values.security_rule)) {
      r.values.security_rule.forEach((rule, k) => {
        const line = doc.lineOf(r, 'security_rule', k);
        hits.push(
          ...overlaps(
            strings(block(rule)?.source_address_prefixes).map((cidr) => ({ cidr, line })),
            `${r.address} ${block(rule)?.name ?? k}`,
          ),
        );
      });
    } else if (r.type === 'aws_security_group' && Array.isArray(r.values.ingress)) {
      r.values.ingress.forEach((rule, k) => {
        const line = doc.lineOf(r, 'ingress', k);
        hits.push(
          ...overlaps(
            strings(block(rule)?.cidr_blocks).map((cidr) => ({ cidr, line })),
            `${r.address} ingress ${k}`,
          ),
        );
      });
    }
  }
  // Rules of one security group and port, one CIDR each (aws_vpc_security_group_ingress_rule).
  const groups = new Map<string, Entry[]>();
  for (const r of doc.resources.filter((x) => x.type === 'aws_vpc_security_group_ingress_rule')) {
    const key = `${r.values.security_group_id} ${r.values.ip_protocol} ${r.values.from_port}-${r.values.to_port}`;
    const cidr = `${r.values.cidr_ipv4 ?? r.values.cidr_ipv6 ?? ''}`;
    if (cidr) groups.set(key, [...(groups.get(key) ?? []), { cidr, line: doc.lineOf(r) }]);
  }
  for (const [key, list] of groups) hits.push(...overlaps(list, `ingress rules of ${key.split(' ')[0]} port ${key.split(' ')[2]}`));
  return hits;
}

/** Client lists with a repeated or contained range. */
export const NET_001: LintRule<HaproxyDocument | TerraformDocument> = {
  id: 'IDHA-NET-001',
  kind: ['haproxy', 'terraform'],
  severity: 'warning',
  title: 'A client list repeats a range or lists one inside another',
  why:
    'A repeated or contained range admits nobody new: it is a sign the list was edited by hand and another range was meant. ' +
    'Azure also refuses some overlaps in one NSG rule, and AWS refuses a duplicate security group rule at apply time.',
  source: 'identity-ha\'s own allowedClients check (core/address); AWS "InvalidPermission.Duplicate"',
  fix: 'Remove the repeated or contained range, or correct it to the range that was meant.',
  check: (doc) => (doc.kind === 'haproxy' ? haproxyLists(doc) : terraformLists(doc as TerraformDocument)),
};
