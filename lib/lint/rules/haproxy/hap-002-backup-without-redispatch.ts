import { directive, type HaproxyDocument, optionInForce, servers } from '../../documents/haproxy';
import type { LintRule } from '../../types';

/** A backup server that connections cannot reach while the primary is still marked up. */
export const HAP_002: LintRule<HaproxyDocument> = {
  id: 'IDHA-HAP-002',
  kind: 'haproxy',
  severity: 'warning',
  title: 'A backend with a backup server has no `option redispatch` or no retries',
  why:
    'Between a primary dying and its check marking it down, every new connection goes to the dead server. With `retries` and `option ' +
    'redispatch` HAProxy retries the connect on another server; without them each of those connections fails (measured by identity-ha at 100 ' +
    'new connections/s: 155 failed without option redispatch, 1 with it).',
  source: 'HAProxy 2.6 configuration manual, "option redispatch" and "retries"; identity-ha\'s measurement on Debian 12',
  fix: 'Add `retries 3` and `option redispatch` to the backend or its defaults section.',
  check: (doc) =>
    doc.sections
      .filter((s) => (s.type === 'backend' || s.type === 'listen') && servers(s).some((srv) => srv.words.includes('backup')))
      .flatMap((sec) => {
        const retries = directive(sec, 'retries');
        const missing = [
          ...(optionInForce(sec, 'redispatch') ? [] : ['option redispatch']),
          ...(retries && Number(retries.value) === 0 ? ['retries above 0'] : []),
        ];
        return missing.length ? [{ line: sec.line, message: `${sec.type} ${sec.name} has a backup server but no ${missing.join(' and no ')}` }] : [];
      }),
};
