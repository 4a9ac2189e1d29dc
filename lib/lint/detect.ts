import * as path from 'path';
import type { LintKind } from './types';

/**
 * The kind of a file, from its name and then its first 64 KB; undefined when nothing fits (the user
 * gives `--kind`).
 */
export function detectKind(file: string, text: string): LintKind | undefined {
  const base = path.basename(file).toLowerCase();
  const head = text.slice(0, 65536);
  if (/^\s*[{[]/.test(head)) {
    if (/"class"\s*:\s*"(AS3|ADC)"/.test(head)) return 'as3';
    if (/"(resource|planned_values|terraform|format_version)"\s*:/.test(head) || base.endsWith('.tf.json')) return 'terraform';
    return undefined;
  }
  if (base === 'haproxy.cfg') return 'haproxy';
  if (base === 'keepalived.conf') return 'keepalived';
  if (base === 'workers.properties' || base === 'uriworkermap.properties') return 'mod-jk';
  // XML: Tomcat's server.xml (or a fragment with its connectors); other XML (a WinSW service file) is not a kind.
  const xml = /^\s*(<\?xml|<!--)/.test(head);
  if (base === 'server.xml' || /^\s*<(Server|Connector)\b/.test(head) || (xml && /<(Server|Connector)\b/.test(head))) return 'tomcat';
  if (xml) return undefined;
  const code = head
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#') && !l.startsWith('!'));
  const any = (re: RegExp) => code.some((l) => re.test(l));
  if (any(/^(vrrp_instance|vrrp_script|global_defs|virtual_server|vrrp_sync_group)\b/)) return 'keepalived';
  if (any(/^(frontend|backend|listen|defaults)(\s|$)/) && any(/^(server|bind|mode|balance|default_backend)\s/)) return 'haproxy';
  if (any(/^(create|modify)?\s*ltm\s+(pool|virtual|monitor|profile|node)\b/)) return 'tmsh';
  if (any(/(^|[\s;{(])pcs\s+(-f\s+\S+\s+)?(resource|constraint|property|cluster|stonith)\b/)) return 'pcs';
  if (any(/^(<\/?(Proxy|Location|IfModule|VirtualHost|IfDefine)\b|BalancerMember\s|Jk[A-Z]\w+\s|ProxyPass\s|LoadModule\s|Include\s)/)) return 'httpd';
  if (any(/^worker\.[\w.-]+=/) || any(/^[-!]?\/\S*=\w+/)) return 'mod-jk';
  return undefined;
}
