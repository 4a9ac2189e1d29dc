import { ajpConnectors, type TomcatDocument } from '../../documents/tomcat';
import type { LintRule } from '../../types';

/** An AJP connector listening on every address. */
export const TC_002: LintRule<TomcatDocument> = {
  id: 'IDHA-TC-002',
  kind: 'tomcat',
  severity: 'error',
  title: 'An AJP connector listens on every address',
  why:
    'AJP is for httpd only. On 0.0.0.0 or :: the port is open to every network the host is on, and AJP requests carry the ' +
    'identity httpd vouches for. Tomcat listens on loopback by default since 9.0.31 for this reason.',
  source: 'Apache Tomcat AJP connector docs, "address"; CVE-2020-1938',
  fix: "Set address= to the address httpd connects to (the host's private address, or 127.0.0.1 when httpd runs on the same host).",
  check: (doc) =>
    ajpConnectors(doc)
      .filter((c) => ['0.0.0.0', '::', '[::]', '*', '0:0:0:0:0:0:0:0'].includes(c.attributes.address ?? ''))
      .map((c) => ({ line: c.line, message: `AJP connector on port ${c.attributes.port ?? '(default)'} has address="${c.attributes.address}"` })),
};
