import * as fs from 'fs';

/** TCP socket states as numbered in /proc/net/tcp. */
export const TCP_STATE = { ESTABLISHED: 0x01, CLOSE_WAIT: 0x08, LISTEN: 0x0a } as const;

/** One line of /proc/net/tcp or /proc/net/tcp6. */
export interface ProcTcpEntry {
  readonly localAddress: string;
  readonly localPort: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly state: number;
  /** Bytes not yet acknowledged (0 for LISTEN sockets on current kernels; `ss -lnt` shows the backlog, this does not). */
  readonly txQueue: number;
  /** For LISTEN sockets: connections waiting in the accept queue (sk_ack_backlog). */
  readonly rxQueue: number;
  /** 0 for a connection no process has accepted yet. */
  readonly inode: number;
}

function ipv4(hex: string): string {
  // Little-endian 32-bit word.
  const n = parseInt(hex, 16);
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff].join('.');
}

function ipv6(hex: string): string {
  // Four little-endian 32-bit words.
  const groups: string[] = [];
  for (let w = 0; w < 4; w++) {
    const word = hex.slice(w * 8, w * 8 + 8);
    const bytes = word.match(/../g)!.reverse().join('');
    groups.push(bytes.slice(0, 4), bytes.slice(4, 8));
  }
  const full = groups.map((g) => parseInt(g, 16).toString(16)).join(':');
  // Compress the IPv4-mapped and all-zero forms we compare against.
  if (/^0:0:0:0:0:ffff:/.test(full)) {
    const [a, b] = full
      .split(':')
      .slice(6)
      .map((g) => parseInt(g, 16));
    return `::ffff:${a >> 8}.${a & 0xff}.${b >> 8}.${b & 0xff}`;
  }
  if (full === '0:0:0:0:0:0:0:0') return '::';
  if (full === '0:0:0:0:0:0:0:1') return '::1';
  return full;
}

function endpoint(s: string): [string, number] {
  const [addr, port] = s.split(':');
  return [addr.length === 8 ? ipv4(addr) : ipv6(addr), parseInt(port, 16)];
}

/** Parses the text of /proc/net/tcp or /proc/net/tcp6. */
export function parseProcNetTcp(text: string): ProcTcpEntry[] {
  const out: ProcTcpEntry[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    const [localAddress, localPort] = endpoint(f[1]);
    const [remoteAddress, remotePort] = endpoint(f[2]);
    const [tx, rx] = f[4].split(':').map((x) => parseInt(x, 16));
    out.push({ localAddress, localPort, remoteAddress, remotePort, state: parseInt(f[3], 16), txQueue: tx, rxQueue: rx, inode: Number(f[9]) });
  }
  return out;
}

/** Reads both tables. Missing files (no IPv6) are skipped. */
export function readProcNetTcp(root = '/proc/net'): ProcTcpEntry[] {
  const out: ProcTcpEntry[] = [];
  for (const f of ['tcp', 'tcp6']) {
    try {
      out.push(...parseProcNetTcp(fs.readFileSync(`${root}/${f}`, 'utf8')));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
  return out;
}
