/** One listening socket as reported by Windows `netstat -ano -p tcp` (or Get-NetTCPConnection). */
export interface ListeningSocket {
  readonly localAddress: string;
  readonly localPort: number;
  readonly pid: number;
}

/** A connection row (any state but LISTENING). */
export interface ConnectionRow extends ListeningSocket {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly state: string;
}

export interface NetstatTable {
  readonly listening: ListeningSocket[];
  readonly connections: ConnectionRow[];
}

function splitEndpoint(s: string): [string, number] {
  const i = s.lastIndexOf(':');
  return [s.slice(0, i).replace(/^\[|\]$/g, ''), Number(s.slice(i + 1))];
}

/**
 * Parses `netstat -ano -p tcp` (or `-p tcpv6`) output. State names are localized on non-English
 * Windows, so a row counts as listening when its foreign address is the wildcard (`0.0.0.0:0`,
 * `[::]:0`), which is true only of listening sockets.
 */
export function parseNetstat(text: string): NetstatTable {
  const listening: ListeningSocket[] = [];
  const connections: ConnectionRow[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const f = raw.trim().split(/\s+/);
    if (f.length !== 5 || !/^TCP(v6)?$/i.test(f[0]) || !/^\d+$/.test(f[4])) continue;
    const [localAddress, localPort] = splitEndpoint(f[1]);
    const [remoteAddress, remotePort] = splitEndpoint(f[2]);
    const pid = Number(f[4]);
    if (remotePort === 0 && (remoteAddress === '0.0.0.0' || remoteAddress === '::')) {
      listening.push({ localAddress, localPort, pid });
    } else {
      connections.push({ localAddress, localPort, remoteAddress, remotePort, state: f[3], pid });
    }
  }
  return { listening, connections };
}

/**
 * Parses `Get-NetTCPConnection -State Listen | Select-Object LocalAddress,LocalPort,OwningProcess |
 * ConvertTo-Json` (an object or an array of objects).
 */
export function parseGetNetTcpConnectionJson(text: string): ListeningSocket[] {
  const t = text.trim();
  if (t === '') return [];
  const data = JSON.parse(t);
  const rows = Array.isArray(data) ? data : [data];
  return rows.map((r: { LocalAddress: string; LocalPort: number; OwningProcess: number }) => ({
    localAddress: String(r.LocalAddress), localPort: Number(r.LocalPort), pid: Number(r.OwningProcess),
  }));
}
