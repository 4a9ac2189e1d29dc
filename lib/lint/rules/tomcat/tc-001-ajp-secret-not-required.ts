import { ajpConnectors, type TomcatDocument } from '../../documents/tomcat';
import type { LintRule } from '../../types';

/** An AJP connector that takes requests without a secret. */
export const TC_001: LintRule<TomcatDocument> = {
  id: 'IDHA-TC-001',
  kind: 'tomcat',
  severity: 'error',
  title: 'An AJP connector has secretRequired="false"',
  why:
    'Without a required secret, anyone who reaches the AJP port can send requests as if they came from httpd, with any attribute: ' +
    'CVE-2020-1938 (Ghostcat) reads files and runs code that way.',
  source: 'Apache Tomcat AJP connector docs, "secretRequired"; CVE-2020-1938',
  fix: 'Remove secretRequired="false" and set secret="${idha.ajp.secret:-}" with the property in conf/catalina.properties (mode 0600).',
  check: (doc) =>
    ajpConnectors(doc)
      .filter((c) => c.attributes.secretRequired?.toLowerCase() === 'false')
      .map((c) => ({ line: c.line, message: `AJP connector on port ${c.attributes.port ?? '(default)'} has secretRequired="false"` })),
};
