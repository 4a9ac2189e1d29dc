import { type HttpdDocument, jkProperty, jkWorkers } from '../../documents/httpd';
import type { LintRule } from '../../types';

/** An AJP worker that sends no secret. */
export const JK_001: LintRule<HttpdDocument> = {
  id: 'IDHA-JK-001',
  kind: ['mod-jk', 'httpd'],
  severity: 'error',
  title: 'An AJP worker has no `secret`',
  why:
    'AJP trusts what the proxy says about the request. Without a shared secret a Tomcat AJP connector either refuses mod_jk ' +
    '(secretRequired, the default since Tomcat 9.0.31) or was opened with secretRequired="false", which is what CVE-2020-1938 ' +
    '(Ghostcat) reads files and runs code through.',
  source: 'Apache Tomcat AJP connector docs, "secret" and "secretRequired"; CVE-2020-1938',
  fix: "Give every ajp13 worker `secret=` (the same value as the Tomcat connector's `secret`), kept in a file of mode 0600.",
  check: (doc) =>
    jkWorkers(doc.jk, 'ajp13')
      .filter((w) => !jkProperty(doc.jk, w.name, 'secret')?.value)
      .map((w) => ({ line: w.line, message: `ajp13 worker ${w.name} has no secret` })),
};
