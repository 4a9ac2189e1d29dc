#!/bin/sh
# identity-ha idm-web: mod-jk on the balancer host httpd1 (10.0.4.21), on Debian or Ubuntu. Run as root
# from the folder snippets/idm-web/ that idha synth wrote (copied to the host): sh hosts/httpd1-10.0.4.21/mod-jk.sh
# This is the first balancer host: it makes the secrets; run it before the other hosts' files.
set -eu
cd "$(dirname "$0")/../.."

# The AJP secret, made once here (the first balancer host), then copied as it is to every other balancer host:
# idha-step: make-ajp-secret
[ -s /etc/apache2/idha-ajp-secret.conf ] || (umask 077 && printf 'Define IDHA_AJP_SECRET %s\n' "$(openssl rand -hex 24)" > /etc/apache2/idha-ajp-secret.conf)
chmod 0600 /etc/apache2/idha-ajp-secret.conf

apt-get install -y apache2 libapache2-mod-jk
install -d /etc/apache2/conf-available && install -m 0644 mod-jk/idha-idm-web.conf /etc/apache2/conf-available/idha-idm-web.conf
a2enmod jk
a2enconf idha-idm-web
apachectl -t
systemctl reload apache2
# Then every Tomcat through this httpd (200 each; 403 = another AJP secret on that Tomcat):
curl -s -o /dev/null -w 'tomcat1 %{http_code}\n' -H 'Cookie: JSESSIONID=idha-check.tomcat1' http://127.0.0.1:80/identity/
curl -s -o /dev/null -w 'tomcat2 %{http_code}\n' -H 'Cookie: JSESSIONID=idha-check.tomcat2' http://127.0.0.1:80/identity/
curl -s -o /dev/null -w 'tomcat3 %{http_code}\n' -H 'Cookie: JSESSIONID=idha-check.tomcat3' http://127.0.0.1:80/selfservice/

# The standby balancer (the virtual IP), through keepalived. Its check runs idha: Node.js 20 or later and identity-ha
# (npm puts idha in /usr/local/bin, where the check looks).
apt-get install -y nodejs npm
npm install -g identity-ha
command -v idha
apt-get install -y keepalived
# The VRRP password, made once here (the first balancer host), then copied as it is to the other hosts:
[ -s /etc/keepalived/idha-auth.conf ] || (umask 077 && printf '$IDHA_AUTH_PASS=%s\n' "$(openssl rand -hex 4)" > /etc/keepalived/idha-auth.conf)
chmod 0600 /etc/keepalived/idha-auth.conf
[ ! -e /etc/keepalived/keepalived.conf ] || cp -n /etc/keepalived/keepalived.conf /etc/keepalived/keepalived.conf.before-identity-ha
install -m 0644 balancer/mod-jk/keepalived/httpd1-10.0.4.21.conf /etc/keepalived/keepalived.conf
install -d /etc/systemd/system/keepalived.service.d && install -m 0644 balancer/mod-jk/keepalived/keepalived.service.d/idha-restart.conf /etc/systemd/system/keepalived.service.d/idha-restart.conf
systemctl daemon-reload
keepalived --config-test
systemctl enable keepalived && systemctl restart keepalived
