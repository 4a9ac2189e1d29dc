/**
 * IQService's TLS port through `idha proxy`: the proxy passes the bytes through and never terminates
 * TLS, so the client's handshake and its client certificate reach the IQService host unchanged, and
 * the client sees the server's own certificate, on the primary and after a failover to the secondary.
 */
import { strict as assert } from 'node:assert';
import { X509Certificate } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as tls from 'tls';
import { describe, it } from 'node:test';
import { FailoverProxy } from '../../../lib/runtime';
import { freePorts } from '../../e2e-helpers';
import { REPO } from '../../helpers';

const pem = (f: string) => fs.readFileSync(path.join(REPO, 'test', 'fixtures', 'tls', f));
const [CA, SERVER_CERT, SERVER_KEY, CLIENT_CERT, CLIENT_KEY] = ['ca.crt', 'server.crt', 'server.key', 'client.crt', 'client.key'].map(pem);
const fingerprint = (cert: Buffer) => new X509Certificate(cert).fingerprint256;

/** An IQService-like TLS server that requires a client certificate and answers with what it saw. */
async function tlsServer(port: number, name: string): Promise<tls.Server> {
  const server = tls.createServer({ cert: SERVER_CERT, key: SERVER_KEY, ca: CA, requestCert: true, rejectUnauthorized: true }, (s) => {
    const peer = s.getPeerCertificate();
    s.end(JSON.stringify({ name, client: peer.fingerprint256, subject: peer.subject?.CN, authorized: s.authorized, protocol: s.getProtocol() }));
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  return server;
}

function call(port: number, withClientCert = true): Promise<{ answer: Record<string, unknown>; server: string; error?: string }> {
  return new Promise((resolve) => {
    const s = tls.connect({
      host: '127.0.0.1',
      port,
      ca: CA,
      servername: 'iqservice.test',
      ...(withClientCert ? { cert: CLIENT_CERT, key: CLIENT_KEY } : {}),
    });
    let text = '';
    let server = '';
    s.on('secureConnect', () => (server = s.getPeerCertificate().fingerprint256));
    s.on('data', (d) => (text += d));
    s.on('end', () => resolve({ answer: text ? JSON.parse(text) : {}, server }));
    s.on('error', (e) => resolve({ answer: {}, server, error: (e as NodeJS.ErrnoException).code ?? e.message }));
  });
}

describe('idha proxy passes TLS through', () => {
  it(
    'GIVEN TLS servers that require a client certificate behind the proxy THEN the handshake completes end to end: the server sees the ' +
      "client's certificate, the client the server's; after the primary stops, the same on the secondary; without a client certificate THEN " +
      'the server refuses it',
    async () => {
      const [pp, sp, lp] = await freePorts(3);
      const primary = await tlsServer(pp, 'primary');
      const secondary = await tlsServer(sp, 'secondary');
      const proxy = new FailoverProxy({
        listenHost: '127.0.0.1',
        listenPort: lp,
        primary: { host: '127.0.0.1', port: pp },
        secondary: { host: '127.0.0.1', port: sp },
      });
      await proxy.start();
      try {
        const direct = await call(pp);
        const through = await call(lp);
        assert.equal(through.error, undefined);
        assert.deepEqual(through.answer, { ...direct.answer }, 'the server saw the same handshake as a direct connection');
        assert.equal(through.answer.name, 'primary');
        assert.equal(through.answer.client, fingerprint(CLIENT_CERT), "the client's certificate arrived unchanged");
        assert.equal(through.answer.subject, 'identityiq-client');
        assert.equal(through.answer.authorized, true);
        assert.equal(through.server, fingerprint(SERVER_CERT), "the client saw IQService's own certificate, not the proxy's");
        const refused = await call(lp, false);
        assert.equal(refused.answer.name, undefined, 'no client certificate: the server refused it, not the proxy');
        await new Promise<void>((r) => primary.close(() => r()));
        const failedOver = await call(lp);
        assert.equal(failedOver.answer.name, 'secondary');
        assert.equal(failedOver.answer.client, fingerprint(CLIENT_CERT));
        assert.equal(failedOver.server, fingerprint(SERVER_CERT));
      } finally {
        await proxy.stop();
        primary.close();
        secondary.close();
      }
    },
  );
});
