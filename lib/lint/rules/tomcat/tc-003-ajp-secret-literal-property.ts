import { ajpConnectors, type TomcatDocument } from '../../documents/tomcat';
import type { LintRule } from '../../types';

/** A secret from a property that, when missing, becomes the literal text. */
export const TC_003: LintRule<TomcatDocument> = {
  id: 'IDHA-TC-003',
  kind: 'tomcat',
  severity: 'warning',
  title: 'The AJP secret is a ${property} with no default: a missing property becomes the secret',
  why:
    'Tomcat keeps `${prop}` as literal text when the property is not defined, so a host without it runs AJP with the secret ' +
    '"${prop}", which is written in server.xml for anyone to read. With `${prop:-}` the secret is empty instead and Tomcat refuses ' +
    'to start the connector (secretRequired): the missing secret fails closed.',
  source: 'Tomcat 10 on Debian 12, checked live by identity-ha; Tomcat 9.0.33 changelog (${name:-default} in property replacement)',
  fix: 'Write secret="${idha.ajp.secret:-}" (Tomcat 9.0.33 or later) and define the property in conf/catalina.properties.',
  check: (doc) =>
    ajpConnectors(doc)
      .filter((c) => /\$\{[^}:]+\}/.test(c.attributes.secret ?? ''))
      // Only the property names are shown: the rest of the attribute may be literal secret text.
      .map((c) => ({
        line: c.line,
        message: `AJP connector on port ${c.attributes.port ?? '(default)'} takes its secret from ${(c.attributes.secret ?? '')
          .match(/\$\{[^}:]+\}/g)!
          .join(', ')} with no default`,
      })),
};
