#!/bin/sh
# identity-ha idm-web: the Tomcat host tomcat2 (10.0.5.12), on Debian or Ubuntu. Run as root from the folder
# snippets/idm-web/ that idha synth wrote (copied to the host), after the first balancer host's file.
set -eu
cd "$(dirname "$0")/../.."
apt-get install -y tomcat10
# server.xml (/etc/tomcat10/server.xml): the Connector(s) and jvmRoute="tomcat2" from the fragment of the balancer you use:
#   tomcat/tomcat2-10.0.5.12-server.xml
#   tomcat/tomcat2-10.0.5.12-http-server.xml
# (mod_jk: -server.xml, with AJP and HTTP; an HTTP balancer: -http-server.xml). Edit it by hand before this file: identity-ha
# never rewrites server.xml. This checks that it holds the route:
grep -q 'jvmRoute="tomcat2"' /etc/tomcat10/server.xml || { echo 'set jvmRoute="tomcat2" in /etc/tomcat10/server.xml first' >&2; exit 1; }
# The AJP secret: the value of the Define line in /etc/apache2/idha-ajp-secret.conf on the balancer host 10.0.4.21, as idha.ajp.secret
# in /etc/tomcat10/catalina.properties (readable by root and the tomcat group only). Run this file with SECRET set, e.g.:
#   SECRET=$(ssh root@10.0.4.21 sed -n 's/^Define IDHA_AJP_SECRET //p' /etc/apache2/idha-ajp-secret.conf) sh $0
# idha-step: tomcat-ajp-secret
[ -n "${SECRET:-}" ] || { echo 'SECRET is empty: read it from the balancer host first' >&2; exit 1; }
sed -i '/^idha\.ajp\.secret=/d' /etc/tomcat10/catalina.properties
printf 'idha.ajp.secret=%s\n' "$SECRET" >> /etc/tomcat10/catalina.properties
chown root:tomcat /etc/tomcat10/catalina.properties && chmod 0640 /etc/tomcat10/catalina.properties
systemctl restart tomcat10
curl -fsS -o /dev/null -w '%{http_code}\n' http://10.0.5.12:8080/identity/
