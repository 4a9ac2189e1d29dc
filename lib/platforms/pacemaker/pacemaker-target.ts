import { Construct } from 'constructs';
import { Problems } from '../../core/errors';
import { clusterHttpTimeoutSeconds, clusterStartupSeconds, ClusterFailoverEstimate, FailoverClusterModel, IClusterTarget, Preemption } from '../../cluster/failover-cluster';
import { Snippet } from '../target';
import { checkCommandWords, idhaWords } from '../../core/lang/argv';
import { shWord } from '../../core/lang/shell';
import { xmlAttr, xmlText } from '../../core/lang/xml';

export interface PacemakerTargetProps {
  /**
   * The systemd unit of the protected service on every node, e.g. `tomcat10` or `apache2`. Pacemaker
   * starts and stops it: disable it in systemd (`systemctl disable`) so that only the cluster starts it.
   */
  readonly serviceUnit: string;
  /** How `idha check` is started on the nodes. @default /usr/bin/env idha */
  readonly idhaCommand?: string;
}

/** Characters a systemd unit name may hold. */
const UNIT = /^[A-Za-z0-9:_.@-]{1,200}$/;

/**
 * Pacemaker/Corosync on Linux nodes, as a `pcs` script run once on one node of a running cluster:
 * an `IPaddr2` virtual IP and the `systemd:` service in one group, placed where an identity-ha
 * health check resource runs (an OCF agent that calls `idha check`). Location scores follow the
 * node order; `resource-stickiness` follows the preemption setting. Node names are the Pacemaker
 * node names (`crm_node -n`).
 */
export class PacemakerTarget implements IClusterTarget {
  public readonly platform = 'pacemaker';
  public readonly movesVirtualIp = true;

  constructor(public readonly props: PacemakerTargetProps) {}

  public validate(cluster: FailoverClusterModel, problems: Problems): void {
    const p = this.props;
    if (typeof p.serviceUnit !== 'string' || !UNIT.test(p.serviceUnit)) {
      problems.add({ field: 'serviceUnit', value: p.serviceUnit, allowed: 'a systemd unit name (letters, digits, : _ . @ -)', fix: 'the unit that runs the service on every node, e.g. tomcat10' });
    }
    if (p.idhaCommand !== undefined) checkCommandWords(problems, 'idhaCommand', p.idhaCommand, '/usr/local/bin/idha');
    if (cluster.preemption === Preemption.DELAYED) {
      problems.root().add({
        field: 'preemption', value: cluster.preemption, allowed: '"on" or "off" with pacemaker',
        fix: 'Pacemaker has no preempt delay: it moves a group back as soon as the preferred node scores higher (on, resource-stickiness 0), or keeps it where it runs (off, stickiness above the location scores). Choose one; failure-timeout only expires failure counts',
      });
    }
  }

  /** Pacemaker is configured by the script: no Terraform resources. */
  public render(_scope: Construct, _cluster: FailoverClusterModel): void {}

  /** Resource and constraint ids. */
  private ids(cluster: FailoverClusterModel) {
    const g = `idha-${cluster.name}`;
    return { group: g, vip: `${g}-vip`, service: `${g}-service`, check: `${g}-check`, agent: `ocf:identity-ha:${cluster.name}` };
  }

  /** Stickiness per preemption: 0 (the preferred node pulls the group back), or above every difference of location scores. */
  public stickiness(cluster: FailoverClusterModel): number {
    return cluster.preemption === Preemption.ON ? 0 : 100 * cluster.nodeSet.nodes.length;
  }

  /** Seconds after which Pacemaker forgets a node's failed checks (failure-timeout). */
  private failureTimeout(cluster: FailoverClusterModel): number {
    return Math.max(60, cluster.check.intervalSeconds * cluster.check.fall * 5);
  }

  /** The agent's parameters and their defaults: this cluster's check. */
  private agentParameters(cluster: FailoverClusterModel): { name: string; value: string; describe: string }[] {
    const c = cluster.check;
    return [
      { name: 'kind', value: c.kind, describe: 'http, listening or command' },
      { name: 'url', value: c.url ?? '', describe: 'with kind http: the URL; {address} is the node\'s address' },
      { name: 'timeout', value: String(clusterHttpTimeoutSeconds(cluster)), describe: 'with kind http: seconds to wait for the answer' },
      { name: 'port', value: c.port === undefined ? '' : String(c.port), describe: 'with kind listening: the port' },
      { name: 'command', value: (c.commandArgv ?? []).join(' '), describe: 'with kind command: the program and its arguments, split on spaces, run without a shell' },
      { name: 'idha', value: idhaWords(this.props.idhaCommand).join(' '), describe: 'the words that start idha, split on spaces' },
      { name: 'interval', value: String(c.intervalSeconds), describe: 'seconds between checks while start waits for the first pass' },
    ];
  }

  /**
   * The OCF resource agent that runs the cluster's check on the node Pacemaker runs it on. It reads
   * its parameters (OCF_RESKEY_*, defaulting to this cluster's check) and runs the check as an
   * argument vector: no value is ever evaluated by a shell (no eval, no sh -c; the split words are
   * not globbed).
   */
  public agent(cluster: FailoverClusterModel): string {
    const params = this.agentParameters(cluster);
    const cases = cluster.nodeSet.nodes.map((n) => `  ${n.name}) address=${shWord(n.address.value)} ;;`);
    return [
      '#!/bin/sh',
      `# identity-ha ${cluster.name}: OCF resource agent for Pacemaker that runs the cluster's health check`,
      '# (idha check) on the node it runs on. Install on every node, mode 0755, as',
      `#   /usr/lib/ocf/resource.d/identity-ha/${cluster.name}`,
      '# start waits until the check passes (the service was just started: Tomcat deploys its webapps first);',
      `# Pacemaker's start timeout (healthCheck.startupSeconds, ${clusterStartupSeconds(cluster)} s) ends a start that never passes. stop only`,
      '# unmarks. monitor runs the check: 0 healthy, 1 not (a soft error), 7 when stopped; 5 (OCF_ERR_INSTALLED)',
      '# on a node this cluster does not list, or where idha or node is missing. The check is run as an argument',
      '# vector, never through a shell: change it with pcs resource update <id> url=... (or kind, port, timeout, command, idha).',
      `state="\${HA_RSCTMP:-/run/resource-agents}/identity-ha-${cluster.name}.started"`,
      'node="${OCF_RESKEY_CRM_meta_on_node:-$(crm_node -n 2>/dev/null)}"',
      "address=''",
      'case "$node" in',
      ...cases,
      'esac',
      ...params.map((p) => `[ -n "\${OCF_RESKEY_${p.name}+x}" ] || OCF_RESKEY_${p.name}=${shWord(p.value)}`),
      '',
      'run_check() {',
      '  set -f  # idha and command are split into words on spaces, never globbed nor evaluated',
      '  case "$OCF_RESKEY_kind" in',
      '    http)',
      '      host="$address"; case "$host" in *:*) host="[$host]" ;; esac',
      '      url="$OCF_RESKEY_url"',
      '      while :; do case "$url" in *\'{address}\'*) url="${url%%"{address}"*}$host${url#*"{address}"}" ;; *) break ;; esac; done',
      '      $OCF_RESKEY_idha check --http "$url" --timeout "$OCF_RESKEY_timeout" ;;',
      '    listening) $OCF_RESKEY_idha check --listening "$OCF_RESKEY_port" --host "$address" ;;',
      '    command) $OCF_RESKEY_command ;;',
      '    *) return 1 ;;',
      '  esac',
      '}',
      '',
      '# The programs the check needs: the command\'s own, or idha (through env when so started) and node.',
      'installed() {',
      '  set -f',
      '  if [ "$OCF_RESKEY_kind" = command ]; then set -- $OCF_RESKEY_command; else set -- $OCF_RESKEY_idha; fi',
      '  command -v "$1" >/dev/null 2>&1 || { echo "identity-ha: $1 not found" >&2; return 1; }',
      '  [ "$OCF_RESKEY_kind" = command ] && return 0',
      '  if [ "${1##*/}" = env ] && ! command -v "$2" >/dev/null 2>&1; then echo "identity-ha: $2 not found on PATH ($PATH)" >&2; return 1; fi',
      '  command -v node >/dev/null 2>&1 || { echo "identity-ha: node (Node.js) not found on PATH ($PATH): idha needs it" >&2; return 1; }',
      '}',
      '',
      'meta_data() {',
      "  cat <<'XML'",
      '<?xml version="1.0"?>',
      '<!DOCTYPE resource-agent SYSTEM "ra-api-1.dtd">',
      `<resource-agent name="${cluster.name}" version="1.0">`,
      '  <version>1.0</version>',
      `  <longdesc lang="en">identity-ha health check of cluster ${cluster.name}: runs idha check on the node.</longdesc>`,
      '  <shortdesc lang="en">identity-ha health check</shortdesc>',
      '  <parameters>',
      ...params.flatMap((p) => [
        `    <parameter name="${p.name}" unique="0" required="0">`,
        `      <longdesc lang="en">${xmlText(p.describe)}</longdesc>`,
        `      <shortdesc lang="en">${xmlText(p.name)}</shortdesc>`,
        `      <content type="string" default="${xmlAttr(p.value)}"/>`,
        '    </parameter>',
      ]),
      '  </parameters>',
      '  <actions>',
      `    <action name="start" timeout="${clusterStartupSeconds(cluster)}s"/>`,
      '    <action name="stop" timeout="20s"/>',
      `    <action name="monitor" timeout="${cluster.check.intervalSeconds}s" interval="${cluster.check.intervalSeconds}s" depth="0"/>`,
      '    <action name="meta-data" timeout="5s"/>',
      '    <action name="validate-all" timeout="5s"/>',
      '  </actions>',
      '</resource-agent>',
      'XML',
      '}',
      '',
      'case "$1" in',
      '  meta-data) meta_data; exit 0 ;;',
      '  start)',
      '    [ -n "$address" ] || exit 5',
      '    installed || exit 5',
      '    until run_check >/dev/null 2>&1; do sleep "$OCF_RESKEY_interval"; done',
      '    mkdir -p "$(dirname "$state")" && touch "$state"; exit 0 ;;',
      '  stop) rm -f "$state"; exit 0 ;;',
      '  monitor|status) [ -f "$state" ] || exit 7; [ -n "$address" ] || exit 5; installed || exit 5; run_check >/dev/null 2>&1 && exit 0; exit 1 ;;',
      '  validate-all) [ -n "$address" ] || exit 5; installed || exit 5; exit 0 ;;',
      '  *) exit 3 ;;',
      'esac',
      '',
    ].join('\n');
  }

  /** The `pcs` script. */
  public script(cluster: FailoverClusterModel): string {
    const id = this.ids(cluster);
    const c = cluster.check;
    const nodes = cluster.nodeSet.nodes;
    const vip = cluster.nodeSet.virtualIp!;
    const stick = this.stickiness(cluster);
    const scores = nodes.map((n, i) => ({ n, score: 100 * (nodes.length - i) }));
    return [
      '#!/usr/bin/env bash',
      `# identity-ha ${cluster.name}: Pacemaker resources for an active/passive cluster of ${nodes.length} nodes (${nodes.map((n) => n.name).join(', ')}).`,
      '# Before you run it:',
      `#   - a running cluster of these nodes (pcs cluster setup ... ${nodes.map((n) => n.name).join(' ')}), with fencing configured;`,
      `#   - on every node: ${this.props.serviceUnit} installed and disabled in systemd, idha installed, and the agent`,
      `#     pacemaker/identity-ha-${cluster.name} installed as /usr/lib/ocf/resource.d/identity-ha/${cluster.name} (mode 0755).`,
      '# Run it once, as root, on one node: it edits a copy of the CIB and pushes it in one step.',
      '# It checks before it creates and updates what exists, so a second run changes nothing, and a run after a topology change',
      '# converges (the VIP, the check\'s operations and meta, the constraints it owns).',
      '# Dry run against a CIB file, without a cluster: IDHA_CIB_FILE=cib.xml bash pacemaker.sh',
      '# (agents that live on the nodes, the systemd unit and the identity-ha agent, are not checked then).',
      `# Preemption ${cluster.preemption}: resource-stickiness ${stick}${stick === 0 ? ', so the preferred node takes the group back once its check passes' : `, above the location scores' spread (${100 * (nodes.length - 1)}), so the group stays where it runs until that node fails`}.`,
      'set -euo pipefail',
      'if [ -n "${IDHA_CIB_FILE:-}" ]; then',
      '  cib="$IDHA_CIB_FILE"; on_nodes=--force',
      'else',
      '  cib="$(mktemp)"; trap \'rm -f "$cib"\' EXIT; on_nodes=',
      '  pcs cluster cib "$cib"',
      'fi',
      'p() { pcs -f "$cib" "$@"; }',
      'exists() { p resource config "$1" >/dev/null 2>&1; }',
      'constraint() { p constraint delete "$1" >/dev/null 2>&1 || true; }',
      '',
      '# Before any change: a service resource of another unit is refused (that needs a new resource).',
      `if exists ${id.service} && ! p resource config ${id.service} | grep -q 'class=systemd type=${this.props.serviceUnit})'; then`,
      `  echo "identity-ha: ${id.service} runs another unit than ${this.props.serviceUnit}: delete it (pcs resource delete ${id.service}) and run this again" >&2`,
      '  exit 1',
      'fi',
      '',
      '# The virtual IP and the service, started in this order and kept together. A resource that exists is updated to this',
      '# file (the VIP, the check\'s operations).',
      `if exists ${id.vip}; then p resource update ${id.vip} ip=${vip.value} cidr_netmask=${cluster.prefixLength}; else p resource create ${id.vip} ocf:heartbeat:IPaddr2 ip=${vip.value} cidr_netmask=${cluster.prefixLength} op monitor interval=10s timeout=20s --group ${id.group}; fi`,
      `exists ${id.service} || p resource create ${id.service} systemd:${this.props.serviceUnit} op monitor interval=10s timeout=100s op start timeout=120s op stop timeout=120s --group ${id.group} $on_nodes`,
      `# The health check: ${c.fall} failed monitors (every ${c.intervalSeconds} s) on a node ban the check there (migration-threshold),`,
      '# and the group follows it; failure-timeout forgets old failures.',
      `# Its start waits for the service's first passing check, at most healthCheck.startupSeconds (${clusterStartupSeconds(cluster)} s).`,
      `if exists ${id.check}; then p resource update ${id.check} op monitor interval=${c.intervalSeconds}s timeout=${c.intervalSeconds}s op start timeout=${clusterStartupSeconds(cluster)}s $on_nodes; else p resource create ${id.check} ${id.agent} op monitor interval=${c.intervalSeconds}s timeout=${c.intervalSeconds}s op start timeout=${clusterStartupSeconds(cluster)}s meta migration-threshold=${c.fall} failure-timeout=${this.failureTimeout(cluster)}s $on_nodes; fi`,
      `p resource meta ${id.check} resource-stickiness=${stick} migration-threshold=${c.fall} failure-timeout=${this.failureTimeout(cluster)}s`,
      `p resource meta ${id.group} resource-stickiness=${stick}`,
      '',
      '# The group runs where the check runs; the check starts once the service has started.',
      `constraint ${id.group}-with-check`,
      `p constraint colocation add ${id.group} with ${id.check} INFINITY id=${id.group}-with-check`,
      `constraint ${id.group}-then-check`,
      `p constraint order start ${id.group} then start ${id.check} id=${id.group}-then-check`,
      '',
      '# Location scores from the node order: the first node is preferred.',
      ...scores.flatMap(({ n, score }) => [
        `constraint ${id.group}-prefers-${n.name}`,
        `p constraint location add ${id.group}-prefers-${n.name} ${id.check} ${n.name} ${score}`,
      ]),
      '',
      'if [ -z "${IDHA_CIB_FILE:-}" ]; then',
      '  pcs cluster cib-push "$cib" --config',
      `  echo "identity-ha ${cluster.name}: pushed; check with: pcs status"`,
      'fi',
      '',
    ].join('\n');
  }

  public snippets(cluster: FailoverClusterModel): Snippet[] {
    return [
      { kind: 'pacemaker', fileName: 'pacemaker/pacemaker.sh', content: this.script(cluster), executable: true },
      { kind: 'pacemaker', fileName: `pacemaker/identity-ha-${cluster.name}`, content: this.agent(cluster), executable: true },
    ];
  }

  /**
   * Worst case from a service failure to the group starting on a standby: `fall` failed monitors
   * (interval x fall, plus the last one's timeout). The service's own stop and start come on top,
   * as does, for a lost node, Corosync's token timeout and fencing.
   */
  public estimate(cluster: FailoverClusterModel): ClusterFailoverEstimate {
    const c = cluster.check;
    const seconds = c.intervalSeconds * c.fall + c.intervalSeconds;
    const ft = this.failureTimeout(cluster);
    const failback = cluster.preemption === Preemption.ON
      ? { failbackSeconds: ft, failbackFormula: `failure-timeout ${ft}s: the preferred node's failures expire, then the group moves back (a node that left and rejoined: at once)` }
      : { failbackSeconds: 0, failbackFormula: 'none: preemption off, the group stays where it runs' };
    return { platform: this.platform, ...failback, seconds, formula: `${c.intervalSeconds}s x ${c.fall} monitors + ${c.intervalSeconds}s timeout = ${seconds}, then the service's stop and start (a lost node: Corosync token timeout and fencing first)` };
  }
}
