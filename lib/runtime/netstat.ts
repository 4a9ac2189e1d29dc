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

/** `[fe80::1%4]:53` -> `fe80::1`, 53: brackets and the zone id go, so addresses compare as written. */
function splitEndpoint(s: string): [string, number] {
  const i = s.lastIndexOf(':');
  return [
    s
      .slice(0, i)
      .replace(/^\[|\]$/g, '')
      .replace(/%[^%]*$/, ''),
    Number(s.slice(i + 1)),
  ];
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
    // Protocol, local, remote, a state of one or more words (localized), and the PID last.
    if (f.length < 5 || !/^TCP(v6)?$/i.test(f[0]) || !/^\d+$/.test(f[f.length - 1])) continue;
    const [localAddress, localPort] = splitEndpoint(f[1]);
    const [remoteAddress, remotePort] = splitEndpoint(f[2]);
    const pid = Number(f[f.length - 1]);
    if (remotePort === 0 && (remoteAddress === '0.0.0.0' || remoteAddress === '::')) {
      listening.push({ localAddress, localPort, pid });
    } else {
      connections.push({ localAddress, localPort, remoteAddress, remotePort, state: f.slice(3, -1).join(' '), pid });
    }
  }
  return { listening, connections };
}
