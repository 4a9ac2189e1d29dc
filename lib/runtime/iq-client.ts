import * as net from 'net';
import { FrameReader, frame } from './iq-framing';

export interface IqRequestOptions {
  readonly host: string;
  readonly port: number;
  /** @default 5000 */
  readonly timeoutMs?: number;
}

/** Sends one framed request on a new connection and resolves to the framed answer's payload. */
export function iqRequest(options: IqRequestOptions, payload: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: options.host, port: options.port });
    const reader = new FrameReader();
    const timer = setTimeout(
      () => s.destroy(new Error(`no answer from ${options.host}:${options.port} within ${options.timeoutMs ?? 5000} ms`)),
      options.timeoutMs ?? 5000,
    );
    let answer: Buffer | undefined;
    s.on('connect', () => s.write(frame(payload)));
    s.on('data', (chunk: Buffer) => {
      const [p] = reader.push(chunk);
      if (p && !answer) {
        answer = p;
        s.end();
      }
    });
    s.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    s.on('close', () => {
      clearTimeout(timer);
      if (answer) resolve(answer);
      else reject(new Error(`connection to ${options.host}:${options.port} closed without an answer`));
    });
  });
}
