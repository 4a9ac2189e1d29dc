/** A structured logger: one JSON object per line, on stderr by default. */
export interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export function jsonLogger(component: string, out: NodeJS.WritableStream = process.stderr): Logger {
  const write = (level: string, msg: string, fields?: Record<string, unknown>) => {
    out.write(JSON.stringify({ ts: new Date().toISOString(), level, component, msg, ...fields }) + '\n');
  };
  return {
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
  };
}

/** A logger that drops everything (library use and tests). */
export const silentLogger: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** Parses `host:port`, `[v6]:port` or a bare port (host then defaults). */
export function parseEndpoint(value: string, defaultHost = '127.0.0.1'): { host: string; port: number } {
  const s = String(value).trim();
  let host = defaultHost;
  let portText = s;
  const v6 = /^\[([^\]]+)\]:(\d+)$/.exec(s);
  if (v6) {
    host = v6[1];
    portText = v6[2];
  } else if (s.includes(':')) {
    const i = s.lastIndexOf(':');
    host = s.slice(0, i);
    portText = s.slice(i + 1);
  }
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 1 || port > 65535 || host === '') {
    throw new Error(`"${value}" is not host:port (e.g. 127.0.0.1:5050) with a port from 1 to 65535`);
  }
  return { host, port };
}
