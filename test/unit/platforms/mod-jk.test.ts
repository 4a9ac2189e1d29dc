import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { ModJkTarget } from '../../../lib/internal';
import { rx } from '../../helpers';
import { build, file, SECRET_FILE, tierProps } from '../../web-tier-fixtures';

describe('HaWebTier with mod_jk: the rendered files', () => {
  it(
    'GIVEN two applications THEN one httpd file: one lb worker each as JkWorkerProperty, members by reference with route = jvmRoute, the ' +
      'standby at distance 1, sticky sessions',
    () => {
      const c = file(build(tierProps()), 'mod-jk/idha-idm-web.conf');
      const w = c
        .split('\n')
        .filter((l) => l.startsWith('JkWorkerProperty '))
        .map((l) => l.replace(/^JkWorkerProperty "?|"$/g, ''))
        .join('\n');
      assert.match(w, /^worker\.list=operator,selfservice,jkstatus$/m);
      assert.match(w, /^worker\.maintain=5$/m);
      assert.match(w, /^worker\.node__tomcat1\.type=ajp13$/m);
      assert.match(w, /^worker\.node__tomcat1\.host=10\.0\.5\.11$/m);
      assert.match(w, /^worker\.node__tomcat1\.port=8009$/m);
      assert.match(w, /^worker\.node__tomcat1\.ping_mode=A$/m);
      assert.match(w, /^worker\.node__tomcat1\.ping_timeout=3000$/m);
      assert.match(w, /^worker\.node__tomcat1\.connection_pool_timeout=600$/m);
      assert.match(w, /^worker\.operator\.balance_workers=operator__tomcat1,operator__tomcat2$/m);
      assert.match(w, /^worker\.operator\.sticky_session=true$/m);
      assert.match(w, /^worker\.operator__tomcat2\.reference=worker\.node__tomcat2$/m);
      assert.match(w, /^worker\.operator__tomcat2\.route=tomcat2$/m);
      assert.match(w, /^worker\.selfservice\.balance_workers=selfservice__tomcat3,selfservice__tomcat1$/m);
      assert.match(w, /^worker\.selfservice__tomcat3\.distance=0$/m);
      assert.match(w, /^worker\.selfservice__tomcat1\.distance=1$/m);
      assert.match(w, /^worker\.jkstatus\.type=status$/m);
      assert.match(c, /^JkWatchdogInterval 5$/m, "replaces Debian's JkWatchdogInterval 60");
      assert.doesNotMatch(c, /^\s*JkWorkersFile/m, "Debian's jk.conf sets the only JkWorkersFile httpd allows");
    },
  );

  it('THEN the same file mounts each context path and what is under it, includes the secret file and keeps jkstatus local', () => {
    const c = file(build(tierProps()), 'mod-jk/idha-idm-web.conf');
    assert.deepEqual(
      c.split('\n').filter((l) => /^JkMount /.test(l)),
      [
        'JkMount "/identity" operator',
        'JkMount "/identity/*" operator',
        'JkMount "/selfservice" selfservice',
        'JkMount "/selfservice/*" selfservice',
      ],
    );
    assert.match(c, /^Include "\/etc\/apache2\/idha-ajp-secret\.conf"$/m);
    assert.match(c, /^JkWorkerProperty worker\.node__tomcat3\.secret=\$\{IDHA_AJP_SECRET\}$/m);
    assert.match(c, /<Location "\/jkstatus">\n {4}JkMount jkstatus\n {4}Require local\n<\/Location>/);
  });

  it(
    'THEN each Tomcat gets an AJP connector with secretRequired, its address and a secret read from catalina.properties, and jvmRoute on ' +
      'the Engine',
    () => {
      const x = file(
        build(
          tierProps({
            nodes: [
              { name: 'tomcat1', address: '10.0.5.11', jvmRoute: 'tc_1', ajpPort: 8010 },
              { name: 'tomcat2', address: '10.0.5.12' },
              { name: 'tomcat3', address: '10.0.5.13' },
            ],
          }),
        ),
        'tomcat/tomcat1-10.0.5.11-server.xml',
      );
      assert.match(
        x,
        rx(
          '',
          String.raw`<Connector protocol="AJP\/1\.3" address="10\.0\.5\.11" port="8010" rejectSuspiciousURIs="true" secretRequired=`,
          String.raw`"true" secret="\$\{idha\.ajp\.secret:-\}" bindOnInit="false" connectionTimeout="600000" maxConnections="8192" `,
          String.raw`\/>`,
        ),
      );
      assert.match(
        x,
        /<Connector protocol="HTTP\/1\.1" address="10\.0\.5\.11" port="8080" rejectSuspiciousURIs="true" connectionTimeout="600000" \/>/,
        'the HTTP connector too',
      );
      assert.match(x, /<Engine name="Catalina" defaultHost="localhost" jvmRoute="tc_1">/);
    },
  );
});

describe('mod_jk: CPing before each request, or not', () => {
  it(
    'GIVEN the default THEN ping_mode=A and the estimate is the CPing (health) timeout; GIVEN cpingBeforeEachRequest false THEN ' +
      'ping_mode=CI and the estimate is the response timeout',
    () => {
      const a = build(tierProps());
      assert.match(file(a, 'mod-jk/idha-idm-web.conf'), /^JkWorkerProperty worker\.node__tomcat1\.ping_mode=A$/m);
      assert.equal(a.failoverEstimates()[0].worstCaseSeconds, 3);
      const ci = build(tierProps({}, [new ModJkTarget({ ajpSecretFile: SECRET_FILE, cpingBeforeEachRequest: false })]));
      assert.match(file(ci, 'mod-jk/idha-idm-web.conf'), /^JkWorkerProperty worker\.node__tomcat1\.ping_mode=CI$/m);
      assert.equal(ci.failoverEstimates()[0].worstCaseSeconds, 60);
      assert.match(ci.failoverEstimates()[0].formula, /60s reply_timeout for a hung Tomcat/);
    },
  );
});

describe("mod_jk sized against the Tomcats' AJP maxConnections", () => {
  it(
    "GIVEN tomcat2 with ajpMaxConnections 100 and httpd's default MaxRequestWorkers (150) THEN a warning names tomcat2 and both numbers; " +
      'its connector has maxConnections="100"',
    () => {
      const t = build(
        tierProps({
          nodes: [
            { name: 'tomcat1', address: '10.0.5.11' },
            { name: 'tomcat2', address: '10.0.5.12', ajpMaxConnections: 100 },
            { name: 'tomcat3', address: '10.0.5.13' },
          ],
        }),
      );
      const w = t.warnings().filter((x) => /ajpMaxConnections/.test(x));
      assert.equal(w.length, 1, t.warnings().join('\n'));
      assert.match(w[0], /tomcat2 \(ajpMaxConnections 100\).*MaxRequestWorkers \(150\)/);
      assert.doesNotMatch(w[0], /tomcat1|tomcat3/);
      assert.match(file(t, 'tomcat/tomcat2-10.0.5.12-server.xml'), /maxConnections="100"/);
    },
  );
  it('GIVEN the same node with maxRequestWorkers 100 THEN no such warning (the neighbour)', () => {
    const t = build(
      tierProps(
        {
          nodes: [
            { name: 'tomcat1', address: '10.0.5.11' },
            { name: 'tomcat2', address: '10.0.5.12', ajpMaxConnections: 100 },
            { name: 'tomcat3', address: '10.0.5.13' },
          ],
        },
        [new ModJkTarget({ ajpSecretFile: SECRET_FILE, maxRequestWorkers: 100 })],
      ),
    );
    assert.deepEqual(
      t.warnings().filter((x) => /ajpMaxConnections/.test(x)),
      [],
    );
  });
});
