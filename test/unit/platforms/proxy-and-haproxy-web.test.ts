import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { HaproxyWebTarget, ModProxyBalancerTarget } from '../../../lib/internal';
import { rx } from '../../helpers';
import { build, file, tierProps } from '../../web-tier-fixtures';

describe('HaWebTier with mod_proxy_balancer and HAProxy: the rendered files', () => {
  it(
    'GIVEN mod_proxy_balancer THEN BalancerMember with route, the response timeout (which hcheck uses too), +H for the standby, ' +
      'stickysession, failontimeout, hcmethod/hcuri and a 2xx expression',
    () => {
      const c = file(build(tierProps({}, [new ModProxyBalancerTarget()])), 'mod-proxy-balancer/idha-idm-web-proxy.conf');
      assert.match(
        c,
        rx(
          '',
          String.raw`<Proxy "balancer:\/\/operator">\n {4}BalancerMember "http:\/\/10\.0\.5\.11:8080" route=tomcat1 connectiontimeo`,
          String.raw`ut=3 timeout=60 hcmethod=GET hcuri=\/identity\/health hcexpr=idha_2xx hcinterval=5 hcfails=2 hcpasses=2\n`,
        ),
      );
      assert.match(c, /BalancerMember "http:\/\/10\.0\.5\.11:8080" route=tomcat1 .* hcuri=\/selfservice\/health .* status=\+H$/m);
      assert.match(c, /ProxySet stickysession=JSESSIONID\|jsessionid lbmethod=byrequests failontimeout=On/);
      assert.match(c, /^ProxyPass "\/selfservice" "balancer:\/\/selfservice\/selfservice"$/m);
    },
  );

  it(
    'GIVEN HAProxy THEN a backend per application by path, httpchk on the health path, the standby as backup, routing by the jvmRoute ' + 'suffix',
    () => {
      const c = file(build(tierProps({}, [new HaproxyWebTarget()])), 'haproxy/haproxy.cfg');
      assert.match(c, /acl app__operator path \/identity\n {4}acl app__operator path_beg \/identity\/\n/);
      assert.match(c, /^ {4}stats socket \/run\/haproxy\/admin\.sock mode 660 level admin$/m);
      assert.match(
        c,
        rx(
          '',
          String.raw`http-request return status 404 content-type text\/plain string "no application at this path" unless app__opera`,
          String.raw`tor \|\| app__selfservice\n {4}use_backend idm-web-operator if app__operator\n`,
        ),
      );
      assert.match(c, /backend idm-web-selfservice\n(.*\n)*? {4}option httpchk GET \/selfservice\/health/);
      assert.match(c, /^ {4}server tomcat1 10\.0\.5\.11:8080 backup$/m);
      assert.match(c, /^ {4}use-server tomcat2 if \{ req\.cook\(JSESSIONID\) -m end \.tomcat2 \}$/m);
      assert.doesNotMatch(c, /^\s*cookie /m, 'HAProxy sets no cookie of its own');
      // No request lost at a kill (the live test shows what these do): retries elsewhere, never a POST once sent, mark-down on live errors.
      for (const line of [
        'retries 3',
        'option redispatch 1',
        'retry-on conn-failure empty-response response-timeout',
        'timeout server 60s',
        'http-request disable-l7-retry unless METH_GET || METH_HEAD || METH_OPTIONS || METH_PUT || METH_DELETE || METH_TRACE',
      ]) {
        assert.match(c, new RegExp(`^ {4}${line.replace(/[|()]/g, '\\$&')}$`, 'm'), line);
      }
      assert.match(c, /^ {4}default-server check inter 5s fall 2 rise 2 observe layer4 error-limit 1 on-error mark-down$/m);
    },
  );
});
