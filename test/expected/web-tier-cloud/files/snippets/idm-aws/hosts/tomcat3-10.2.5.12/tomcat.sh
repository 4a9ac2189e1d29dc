#!/bin/sh
# identity-ha idm-aws: the Tomcat host tomcat3 (10.2.5.12), on Debian or Ubuntu. Run as root from the folder
# snippets/idm-aws/ that idha synth wrote (copied to the host).
set -eu
cd "$(dirname "$0")/../.."
apt-get install -y tomcat10
# server.xml (/etc/tomcat10/server.xml): the Connector(s) and jvmRoute="tomcat3" from the fragment of the balancer you use:
#   tomcat/tomcat3-10.2.5.12-http-server.xml
# Edit it by hand before this file: identity-ha
# never rewrites server.xml. This checks that it holds the route:
grep -q 'jvmRoute="tomcat3"' /etc/tomcat10/server.xml || { echo 'set jvmRoute="tomcat3" in /etc/tomcat10/server.xml first' >&2; exit 1; }
systemctl restart tomcat10
curl -fsS -o /dev/null -w '%{http_code}\n' http://10.2.5.12:8080/selfservice/
