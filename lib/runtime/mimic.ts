import * as http from 'http';
import * as net from 'net';
import { FrameReader, frame } from './iq-framing';
import { Logger, silentLogger } from './log';

/** Counters a test or user reads to see what reached the stand-in. */
export interface MimicStats {
  connections: number;
  requests: number;
  malformed: number;
}

export interface MimicOptions {
  readonly host: string;
  readonly port: number;
  /** HTTP `GET /stats` on this port (same host). 0 or undefined: none. */
  readonly statsPort?: number;
  /** Answer to a request whose payload is {@link WHO_REQUEST} (benchmarks tell the hosts apart). @default mimic */
  readonly name?: string;
  /** Where the IQService-style log lines go. @default stdout */
  readonly out?: NodeJS.WritableStream;
  readonly logger?: Logger;
}

/** A request payload that the stand-in answers with its name instead of an echo. */
export const WHO_REQUEST = 'idha:who';

/** The line IQService writes for a connection that ends without a well-formed request header. */
export function malformedLine(ip: string, port: number): string {
  return (
    `Malformed request received from client - ${ip}:${port}. Received header length as - Error in parsing - Input string was not in a ` +
    `correct format.`
  );
}

/**
 * An IQService stand-in for tests and demos: frames requests with a length header as IQService
 * reads them, answers each well-formed request (echoing its payload, framed), and logs the
 * IQService malformed-request line for every accepted connection that ends without one.
 */
export class Mimic {
  public readonly stats: MimicStats = { connections: 0, requests: 0, malformed: 0 };
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private statsServer?: http.Server;
  private readonly out: NodeJS.WritableStream;
  private readonly log: Logger;

  constructor(private readonly options: MimicOptions) {
    this.out = options.out ?? process.stdout;
    this.log = options.logger ?? silentLogger;
    this.server = net.createServer((s) => this.onConnection(s));
  }

  public get address(): net.AddressInfo {
    return this.server.address() as net.AddressInfo;
  }

  public async start(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ host: this.options.host, port: this.options.port }, () => resolve());
    });
    if (this.options.statsPort) {
      this.statsServer = http.createServer((req, res) => {
        if (req.url !== '/stats') {
          res.writeHead(404).end();
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(this.stats) + '\n');
      });
      await new Promise<void>((resolve, reject) => {
        this.statsServer!.once('error', reject);
        this.statsServer!.listen({ host: this.options.host, port: this.options.statsPort }, () => resolve());
      });
    }
    this.log.info('mimic listening', { host: this.options.host, port: this.address.port, statsPort: this.options.statsPort });
  }

  /** Stops listening and cuts every open connection (the service "dies"). */
  public async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server.listening ? this.server.close(() => resolve()) : resolve()));
    if (this.statsServer) {
      this.statsServer.closeAllConnections();
      await new Promise<void>((resolve) => this.statsServer!.close(() => resolve()));
    }
  }

  private onConnection(s: net.Socket): void {
    this.stats.connections++;
    this.sockets.add(s);
    const ip = (s.remoteAddress ?? '?').replace(/^::ffff:/, '');
    const port = s.remotePort ?? 0;
    const reader = new FrameReader();
    let served = 0;
    let reported = false;
    const malformed = () => {
      if (reported) return;
      reported = true;
      this.stats.malformed++;
      this.out.write(malformedLine(ip, port) + '\n');
    };
    s.on('data', (chunk: Buffer) => {
      for (const payload of reader.push(chunk)) {
        served++;
        this.stats.requests++;
        s.write(
          frame(
            payload.length === WHO_REQUEST.length && payload.toString('latin1') === WHO_REQUEST ? Buffer.from(this.options.name ?? 'mimic') : payload,
          ),
        );
      }
      if (reader.invalid) {
        malformed();
        s.end();
      }
    });
    s.on('end', () => {
      if (served === 0 || !reader.atBoundary) malformed();
      s.end();
    });
    s.on('error', () => {
      if (served === 0 || !reader.atBoundary) malformed();
    });
    s.on('close', () => this.sockets.delete(s));
  }
}
