#!/bin/sh
# identity-ha idm-aws: the Tomcat host tomcat4 (10.2.6.12), on Debian or Ubuntu. Run as root from the folder
# snippets/idm-aws/ that idha synth wrote (copied to the host).
set -eu
cd "$(dirname "$0")/../.."
apt-get install -y tomcat10
# server.xml (/etc/tomcat10/server.xml): the Connector(s) and jvmRoute="tomcat4" from the fragment of the balancer you use:
#   tomcat/tomcat4-10.2.6.12-http-server.xml
# Edit it by hand before this file: identity-ha
# never rewrites server.xml. This checks that it holds the route:
grep -q 'jvmRoute="tomcat4"' /etc/tomcat10/server.xml || { echo 'set jvmRoute="tomcat4" in /etc/tomcat10/server.xml first' >&2; exit 1; }
systemctl restart tomcat10
curl -fsS -o /dev/null -w '%{http_code}\n' http://10.2.6.12:8080/selfservice/
