/**
 * A client inside a network namespace, for the live tests that cannot reach the namespaces from the
 * test process: `node dist/test/netns-client.js <mode> ...`, run with `ip netns exec <ns>`. Each
 * result is one JSON line on stdout, with absolute times (one clock for every namespace).
 *   load HOST PORT PER_SECOND TIMEOUT_MS   a new connection per tick with an IQService "who" request, until SIGTERM
 *   stream HOST PORT BYTES COUNT           COUNT framed streams of BYTES random bytes, echo checked by SHA-256
 *   get URL                                one HTTP GET: status and body
 */
import { getJson, iqRequest, WHO_REQUEST } from '../lib/runtime';
import { sleep, stream } from './e2e-helpers';

/** One connection of the load: when it started and ended, and who answered (or the error). */
export interface LoadAttempt {
  readonly s: number;
  readonly e: number;
  readonly ok: boolean;
  readonly by?: string;
  readonly err?: string;
}

async function load(host: string, port: number, perSecond: number, timeoutMs: number): Promise<void> {
  let running = true;
  process.once('SIGTERM', () => (running = false));
  const pending = new Set<Promise<void>>();
  while (running) {
    const s = Date.now();
    const p = iqRequest({ host, port, timeoutMs }, Buffer.from(WHO_REQUEST)).then(
      (b) => void process.stdout.write(JSON.stringify({ s, e: Date.now(), ok: true, by: b.toString() }) + '\n'),
      (e) => void process.stdout.write(JSON.stringify({ s, e: Date.now(), ok: false, err: (e as Error).message }) + '\n'),
    );
    pending.add(p);
    void p.finally(() => pending.delete(p));
    await sleep(1000 / perSecond);
  }
  await Promise.all(pending);
}

async function main(): Promise<void> {
  const [mode, ...a] = process.argv.slice(2);
  if (mode === 'load') await load(a[0], Number(a[1]), Number(a[2]), Number(a[3]));
  else if (mode === 'stream') {
    for (let i = 0; i < Number(a[3]); i++) process.stdout.write(JSON.stringify(await stream(a[0], Number(a[1]), Number(a[2]), 64 * 1024, 5)) + '\n');
  } else if (mode === 'get')
    process.stdout.write(JSON.stringify(await getJson(a[0]).catch((e) => ({ status: 0, error: (e as Error).message }))) + '\n');
  else throw new Error(`unknown mode ${mode}`);
}

void main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`${(e as Error).stack}\n`);
    process.exit(1);
  },
);
