#!/usr/bin/env bash
# identity-ha idm-linux: Pacemaker resources for a cluster of 2 nodes (tomcat1, tomcat2) behind one virtual IP.
# Before you run it:
#   - a running cluster of these nodes (pcs cluster setup ... tomcat1 tomcat2), with fencing configured;
#   - on every node: tomcat10 installed and disabled in systemd, idha installed (npm install -g identity-ha), and the agent
#     pacemaker/identity-ha-idm-linux installed as /usr/lib/ocf/resource.d/identity-ha/idm-linux (mode 0755).
# Run it once, as root, on one node: it edits a copy of the CIB and pushes it in one step.
# It checks before it creates and updates what exists, so a second run changes nothing, and a run after a topology change
# converges (the VIP, the operations, the meta attributes, the constraints it owns). A cluster set up by the
# previous layout (one group, a check primitive) is converted in the same push.
# Dry run against a CIB file, without a cluster: IDHA_CIB_FILE=cib.xml bash pacemaker.sh
# (agents that live on the nodes, the systemd unit and the identity-ha agent, are not checked then).
#
# Every node runs tomcat10 and the check (clones). The check sets the node attribute idha-idm-linux-healthy:
# 1 after 2 passing checks in a row (rise), 0 after 2 failed ones (fall), every 2 s. The VIP runs only where it
# is 1, on the first such node in the list.
# Preemption off: the VIP's resource-stickiness is 200, above the location scores' spread (100), so the VIP stays where it runs until that node's check fails.
set -euo pipefail
if [ -n "${IDHA_CIB_FILE:-}" ]; then
  cib="$IDHA_CIB_FILE"; on_nodes=--force
else
  cib="$(mktemp)"; trap 'rm -f "$cib"' EXIT; on_nodes=
  pcs cluster cib "$cib"
fi
p() { pcs -f "$cib" "$@"; }
exists() { p resource config "$1" >/dev/null 2>&1; }
constraint() { p constraint delete "$1" >/dev/null 2>&1 || true; }

# Before any change: a service resource of another unit is refused (that needs a new resource).
if exists idha-idm-linux-service && ! p resource config idha-idm-linux-service | grep -q 'class=systemd type=tomcat10)'; then
  echo "identity-ha: idha-idm-linux-service runs another unit than tomcat10: delete it (pcs resource delete idha-idm-linux-service) and run this again" >&2
  exit 1
fi

# The previous layout (the VIP and the service in one group, placed by a check primitive): the check goes (with its
# constraints), the group is dissolved, and the service becomes a clone below. Nothing is stopped before the push.
if exists idha-idm-linux; then
  if exists idha-idm-linux-check && ! exists idha-idm-linux-check-clone; then p resource delete idha-idm-linux-check; fi
  p resource ungroup idha-idm-linux
fi

# The service on every node (a clone). Its start may take healthCheck.startupSeconds (300 s); a node whose service
# fails to start is retried after failure-timeout (60 s).
if exists idha-idm-linux-service-clone; then p resource update idha-idm-linux-service op start timeout=300s $on_nodes
elif exists idha-idm-linux-service; then p resource update idha-idm-linux-service op start timeout=300s $on_nodes; p resource clone idha-idm-linux-service interleave=true
else p resource create idha-idm-linux-service systemd:tomcat10 op monitor interval=10s timeout=100s op start timeout=300s op stop timeout=120s clone interleave=true $on_nodes; fi
p resource meta idha-idm-linux-service failure-timeout=60s

# The check on every node (a clone), after the service on the same node.
if exists idha-idm-linux-check-clone; then p resource update idha-idm-linux-check op monitor interval=2s timeout=11s $on_nodes
else p resource create idha-idm-linux-check ocf:identity-ha:idm-linux op monitor interval=2s timeout=11s clone interleave=true $on_nodes; fi
constraint idha-idm-linux-check-with-service
p constraint colocation add idha-idm-linux-check-clone with idha-idm-linux-service-clone INFINITY id=idha-idm-linux-check-with-service
constraint idha-idm-linux-service-then-check
p constraint order start idha-idm-linux-service-clone then start idha-idm-linux-check-clone id=idha-idm-linux-service-then-check

# The virtual IP: only where the check says healthy and the service runs; preferred in node order.
if exists idha-idm-linux-vip; then p resource update idha-idm-linux-vip ip=10.0.3.10 cidr_netmask=24; else p resource create idha-idm-linux-vip ocf:heartbeat:IPaddr2 ip=10.0.3.10 cidr_netmask=24 op monitor interval=10s timeout=20s; fi
p resource meta idha-idm-linux-vip resource-stickiness=200
constraint idha-idm-linux-vip-healthy
p constraint location idha-idm-linux-vip rule constraint-id=idha-idm-linux-vip-healthy score=-INFINITY not_defined idha-idm-linux-healthy or idha-idm-linux-healthy ne 1
constraint idha-idm-linux-vip-with-service
p constraint colocation add idha-idm-linux-vip with idha-idm-linux-service-clone INFINITY id=idha-idm-linux-vip-with-service
constraint idha-idm-linux-prefers-tomcat1
p constraint location add idha-idm-linux-prefers-tomcat1 idha-idm-linux-vip tomcat1 200
constraint idha-idm-linux-prefers-tomcat2
p constraint location add idha-idm-linux-prefers-tomcat2 idha-idm-linux-vip tomcat2 100

if [ -z "${IDHA_CIB_FILE:-}" ]; then
  pcs cluster cib-push "$cib" --config
  echo "identity-ha idm-linux: pushed; check with: pcs status --full (the node attribute idha-idm-linux-healthy)"
fi
