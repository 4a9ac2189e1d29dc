import * as dgram from 'dgram';
import * as net from 'net';
import { canonicalAddress } from './service-check';

/**
 * Reports from balancers about this host, received as syslog over UDP. HAProxy sends them with a
 * `log <shim>:<port> local1 notice` line in the backend: at level notice and above it sends only
 * server state changes, never traffic logs. The line the shim acts on (HAProxy 2.6):
 *
 *   <129>Nov 22 06:42:36 haproxy[32725]: Server iq-iqservice/primary is DOWN, reason: Health analyze,
 *   info: "Detected 3 consecutive errors, last one was: L4 unsuccessful connection". ...
 *
 * A balancer that marks this host down while the shim finds the service healthy has seen something
 * the shim cannot: a black hole between them, a firewall, a hung accept queue. The shim then holds
 * the host down (flap damping) instead of letting the balancer's checks bring it straight back.
 */
export interface BalancerReport {
  /** `<backend>/<server>` as the balancer names it. */
  readonly server: string;
  readonly state: 'up' | 'down';
  /** The balancer's reason, e.g. `Health analyze` (connection errors of real traffic). */
  readonly reason: string;
}

const REPORT = /\bServer (\S+\/\S+) is (UP|DOWN)(?:, reason: ([^,]*))?/;

/** Parses one syslog datagram (RFC 3164 or 5424, any header); undefined when it is no server state change. */
export function parseBalancerReport(text: string): BalancerReport | undefined {
  const m = REPORT.exec(text.slice(0, 4096));
  if (!m) return undefined;
  return { server: m[1], state: m[2] === 'UP' ? 'up' : 'down', reason: (m[3] ?? '').trim() };
}

export interface ReportListenerOptions {
  /** Address to listen on (the shim's --bind). */
  readonly bind: string;
  readonly port: number;
  /** The `<backend>/<server>` names that mean this host; reports about other servers are ignored. */
  readonly servers: readonly string[];
  /** Source addresses accepted; empty accepts any (firewall the port to the balancers). */
  readonly from?: readonly string[];
  readonly onReport: (report: BalancerReport, from: string) => void;
  readonly onIgnored?: (why: string, from: string) => void;
}

/** Listens for balancer reports; resolves once bound. */
export async function listenForReports(o: ReportListenerOptions): Promise<dgram.Socket> {
  const socket = dgram.createSocket({ type: net.isIPv6(o.bind) ? 'udp6' : 'udp4', reuseAddr: false });
  const allowed = new Set((o.from ?? []).map((a) => canonicalAddress(a) ?? a));
  const servers = new Set(o.servers);
  socket.on('message', (msg, rinfo) => {
    const from = canonicalAddress(rinfo.address) ?? rinfo.address;
    if (allowed.size > 0 && !allowed.has(from)) {
      o.onIgnored?.('sender not in --report-from', from);
      return;
    }
    const report = parseBalancerReport(msg.toString('utf8'));
    if (!report) return;
    if (!servers.has(report.server)) {
      o.onIgnored?.(`report about ${report.server}, not ${[...servers].join(', ')}`, from);
      return;
    }
    o.onReport(report, from);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(o.port, o.bind, () => {
      socket.off('error', reject);
      socket.on('error', () => undefined);
      resolve();
    });
  });
  return socket;
}
