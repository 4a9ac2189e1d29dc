import { type HttpdDocument, jkProperty, jkWorkers } from '../../documents/httpd';
import type { LintRule, RuleHit } from '../../types';

/** Maintenance settings that make mod_jk slow to take a Tomcat back. */
export const JK_003: LintRule<HttpdDocument> = {
  id: 'IDHA-JK-003',
  kind: ['mod-jk', 'httpd'],
  severity: 'warning',
  title: 'mod_jk waits long before it tries a failed Tomcat again',
  why:
    'mod_jk retries a Tomcat in error only after `recover_time` (default 60 s), and only when maintenance runs: every ' +
    "`JkWatchdogInterval` (Debian's jk.conf sets 60) or, without a watchdog, on a request after `worker.maintain` (60 s). " +
    "Failback then takes up to two minutes (identity-ha measured 36-49 s with Debian's watchdog of 60).",
  source: 'The Apache Tomcat Connectors reference, "recover_time", "worker.maintain", "JkWatchdogInterval"; Debian\'s libapache2-mod-jk jk.conf',
  fix: 'Set `recover_time` to 10 on each lb worker and `JkWatchdogInterval 5` (identity-ha writes both).',
  check: (doc) => {
    const hits: RuleHit[] = [];
    for (const lb of jkWorkers(doc.jk, 'lb')) {
      const rt = jkProperty(doc.jk, lb.name, 'recover_time');
      if (!rt || Number(rt.value) > 30)
        hits.push({ line: rt?.line ?? lb.line, message: `lb worker ${lb.name}: recover_time ${rt ? rt.value : 'not set (60)'} s` });
    }
    const wd = doc.jk.watchdog;
    if (wd && wd.seconds > 30) hits.push({ line: wd.line, message: `JkWatchdogInterval ${wd.seconds} s` });
    const maintain = doc.jk.properties.get('worker.maintain');
    if (maintain && Number(maintain.value) > 30) hits.push({ line: maintain.line, message: `worker.maintain ${maintain.value} s` });
    return hits;
  },
};
