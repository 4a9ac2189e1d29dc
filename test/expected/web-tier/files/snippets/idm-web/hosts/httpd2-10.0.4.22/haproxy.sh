#!/bin/sh
# identity-ha idm-web: haproxy on the balancer host httpd2 (10.0.4.22), on Debian or Ubuntu. Run as root
# from the folder snippets/idm-web/ that idha synth wrote (copied to the host): sh hosts/httpd2-10.0.4.22/haproxy.sh
# Run the file of 10.0.4.21 first: its secrets are copied from there.
set -eu
cd "$(dirname "$0")/../.."

apt-get install -y haproxy
# Keeps Debian's own file beside it once (cp -n never overwrites), then the generated one replaces it:
cp -n /etc/haproxy/haproxy.cfg /etc/haproxy/haproxy.cfg.before-identity-ha
haproxy -c -f haproxy/haproxy.cfg
install -m 0644 haproxy/haproxy.cfg /etc/haproxy/haproxy.cfg
systemctl reload haproxy
echo 'show servers state' | socat stdio /run/haproxy/admin.sock || true

# The standby balancer (the virtual IP), through keepalived. Its check runs idha: Node.js 20 or later and identity-ha
# (npm puts idha in /usr/local/bin, where the check looks).
apt-get install -y nodejs npm
npm install -g identity-ha
command -v idha
apt-get install -y keepalived
# The VRRP password: copy /etc/keepalived/idha-auth.conf from 10.0.4.21 as it is, mode 0600, e.g.: scp -p root@10.0.4.21:/etc/keepalived/idha-auth.conf /etc/keepalived/idha-auth.conf
[ -s /etc/keepalived/idha-auth.conf ] || { echo 'copy /etc/keepalived/idha-auth.conf from 10.0.4.21 first' >&2; exit 1; }
chmod 0600 /etc/keepalived/idha-auth.conf
[ ! -e /etc/keepalived/keepalived.conf ] || cp -n /etc/keepalived/keepalived.conf /etc/keepalived/keepalived.conf.before-identity-ha
install -m 0644 balancer/haproxy/keepalived/httpd2-10.0.4.22.conf /etc/keepalived/keepalived.conf
install -d /etc/systemd/system/keepalived.service.d && install -m 0644 balancer/haproxy/keepalived/keepalived.service.d/idha-restart.conf /etc/systemd/system/keepalived.service.d/idha-restart.conf
systemctl daemon-reload
keepalived --config-test
systemctl enable keepalived && systemctl restart keepalived
