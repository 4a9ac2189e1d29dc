import { Construct } from 'constructs';
import { FailoverEstimate, figuresEstimate } from '../../model/failover-estimate';
import { Problems } from '../../core/errors';
import { clusterHttpTimeoutSeconds, clusterStartupSeconds, ClusterTargetBase, FailoverClusterModel, Preemption } from '../../model/cluster-model';
import { Snippet } from '../../model/snippet';
import { checkCommandWords, idhaWords } from '../../core/lang/argv';
import { shWord } from '../../core/lang/shell';
import { xmlAttr, xmlText } from '../../core/lang/xml';

/** How a failover cluster is rendered for Pacemaker: a `pcs` script and an OCF agent. */
export interface PacemakerTargetProps {
  /**
   * The systemd unit of the protected service on every node, e.g. `tomcat10` or `apache2`. Pacemaker
   * starts and stops it: disable it in systemd (`systemctl disable`) so that only the cluster starts it.
   */
  readonly serviceUnit: string;
  /**
   * How `idha check` is started on the nodes: the absolute path of idha, with any words before it
   * (e.g. `/usr/bin/node /opt/identity-ha/bin/idha.js`). Find it on a node with `command -v idha`.
   * @default /usr/local/bin/idha, where npm install -g identity-ha puts it on Debian and Ubuntu
   */
  readonly idhaCommand?: string;
}

/** Characters a systemd unit name may hold. */
const UNIT = /^[A-Za-z0-9:_.@-]{1,200}$/;

/**
 * Pacemaker/Corosync on Linux nodes, as a `pcs` script run once on one node of a running cluster.
 * Like keepalived, every node runs the service (a clone of its `systemd:` unit: hot standbys) and its
 * own health check (a clone of an OCF agent that calls `idha check`), which sets the node attribute
 * `idha-<cluster>-healthy` to 1 after `rise` passing checks and to 0 after `fall` failed ones. The
 * `IPaddr2` virtual IP runs only where that attribute is 1, preferring the nodes in their order;
 * `resource-stickiness` follows the preemption setting. So the VIP moves back to a preferred node
 * only once its check has passed there, and a node still starting never holds it. Node names are the
 * Pacemaker node names (`crm_node -n`).
 */
export class PacemakerTarget extends ClusterTargetBase {
  public readonly platform = 'pacemaker';
  public readonly movesVirtualIp = true;

  /** The props the target was created with. */
  public readonly props: PacemakerTargetProps;

  constructor(props: PacemakerTargetProps) {
    super();
    this.props = props;
  }

  public validate(cluster: FailoverClusterModel, problems: Problems): void {
    const p = this.props;
    if (typeof p.serviceUnit !== 'string' || !UNIT.test(p.serviceUnit)) {
      problems.add({
        field: 'serviceUnit',
        value: p.serviceUnit,
        allowed: 'a systemd unit name (letters, digits, : _ . @ -)',
        fix: 'the unit that runs the service on every node, e.g. tomcat10',
      });
    }
    if (p.idhaCommand !== undefined) checkCommandWords(problems, 'idhaCommand', p.idhaCommand, '/usr/local/bin/idha');
    if (cluster.preemption === Preemption.DELAYED) {
      problems.root().add({
        field: 'preemption',
        value: cluster.preemption,
        allowed: '"on" or "off" with pacemaker',
        fix:
          "Pacemaker has no preempt delay: it moves the VIP back as soon as the preferred node's check has passed rise times (on, " +
          'resource-stickiness 0), or keeps it where it runs (off, stickiness above the location scores). Choose one, and raise ' +
          'healthCheck.rise to make "on" wait longer',
      });
    }
  }

  /** Pacemaker is configured by the script: no Terraform resources. */
  public render(_scope: Construct, _cluster: FailoverClusterModel): void {}

  /** Resource, constraint and attribute ids. */
  private ids(cluster: FailoverClusterModel) {
    const g = `idha-${cluster.name}`;
    return {
      prefix: g,
      vip: `${g}-vip`,
      service: `${g}-service`,
      serviceClone: `${g}-service-clone`,
      check: `${g}-check`,
      checkClone: `${g}-check-clone`,
      agent: `ocf:identity-ha:${cluster.name}`,
      attribute: `${g}-healthy`,
    };
  }

  /** Stickiness of the VIP per preemption: 0 (the preferred healthy node pulls it back), or above every difference of location scores. */
  public stickiness(cluster: FailoverClusterModel): number {
    return cluster.preemption === Preemption.ON ? 0 : 100 * cluster.nodeSet.nodes.length;
  }

  /** Seconds after which Pacemaker retries a node whose service failed to start or kept failing (failure-timeout). */
  private failureTimeout(cluster: FailoverClusterModel): number {
    return Math.max(60, cluster.check.intervalSeconds * cluster.check.fall * 5);
  }

  /** The monitor's timeout: the check's own timeout plus 10 s for starting Node.js on a loaded node. */
  private monitorTimeoutSeconds(cluster: FailoverClusterModel): number {
    return clusterHttpTimeoutSeconds(cluster) + 10;
  }

  /** The agent's parameters and their defaults: this cluster's check. */
  private agentParameters(cluster: FailoverClusterModel): { name: string; value: string; describe: string }[] {
    const c = cluster.check;
    return [
      { name: 'kind', value: c.kind, describe: 'http, listening or command' },
      { name: 'url', value: c.url ?? '', describe: "with kind http: the URL; {address} is the node's address" },
      { name: 'timeout', value: String(clusterHttpTimeoutSeconds(cluster)), describe: 'with kind http: seconds to wait for the answer' },
      { name: 'port', value: c.port === undefined ? '' : String(c.port), describe: 'with kind listening: the port' },
      {
        name: 'command',
        value: (c.commandArgv ?? []).join(' '),
        describe: 'with kind command: the program and its arguments, split on spaces, run without a shell',
      },
      { name: 'idha', value: idhaWords(this.props.idhaCommand).join(' '), describe: 'the words that start idha, split on spaces' },
      { name: 'rise', value: String(c.rise), describe: 'passing checks in a row before the node is healthy (attribute 1)' },
      { name: 'fall', value: String(c.fall), describe: 'failed checks in a row before the node is unhealthy (attribute 0)' },
    ];
  }

  /**
   * The OCF resource agent, cloned on every node. Its monitor runs the cluster's check on its node
   * and sets the node attribute (attrd_updater) that the VIP's location rule reads: 1 after `rise`
   * passing checks in a row, 0 after `fall` failed ones. It answers 0 either way, as
   * ocf:pacemaker:ping does, so a failing service never bans a node: it only makes it unhealthy
   * until its check passes again. The check is run as an argument vector: no value is ever evaluated
   * by a shell (no eval, no sh -c; the split words are not globbed).
   */
  public agent(cluster: FailoverClusterModel): string {
    const params = this.agentParameters(cluster);
    const id = this.ids(cluster);
    const cases = cluster.nodeSet.nodes.map((n) => `  ${n.name}) address=${shWord(n.address.value)} ;;`);
    return [
      '#!/bin/sh',
      `# identity-ha ${cluster.name}: OCF resource agent for Pacemaker, cloned on every node, that runs the cluster's health`,
      '# check (idha check) on its node and publishes the result as the node attribute',
      `# ${id.attribute}: 1 after rise (${cluster.check.rise}) passing checks in a row, 0 after fall (${cluster.check.fall}) failed ones. ` +
        `The virtual IP runs only where`,
      '# it is 1. Install on every node, mode 0755, as',
      `#   /usr/lib/ocf/resource.d/identity-ha/${cluster.name}`,
      '# start publishes 0 (a node whose service was just started is not healthy until its check passes), stop removes',
      '# the attribute. monitor runs the check and answers 0 whether it passed or not; 7 when stopped; 5',
      '# (OCF_ERR_INSTALLED) on a node this cluster does not list, or where idha or node is missing. The check is run as',
      '# an argument vector, never through a shell: change it with pcs resource update <id> url=... (or kind, port,',
      '# timeout, command, idha, rise, fall); every parameter is reloadable, so an update restarts nothing.',
      `state="\${HA_RSCTMP:-/run/resource-agents}/identity-ha-${cluster.name}.state"`,
      `attribute=${id.attribute}`,
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
      "# The programs the check needs: the command's own, or idha (through env when so started) and node.",
      'installed() {',
      '  set -f',
      '  if [ "$OCF_RESKEY_kind" = command ]; then set -- $OCF_RESKEY_command; else set -- $OCF_RESKEY_idha; fi',
      '  command -v "$1" >/dev/null 2>&1 || { echo "identity-ha: $1 not found" >&2; return 1; }',
      '  [ "$OCF_RESKEY_kind" = command ] && return 0',
      '  if [ "${1##*/}" = env ] && ! command -v "$2" >/dev/null 2>&1; then echo "identity-ha: $2 not found on PATH ($PATH)" >&2; return 1; fi',
      '  command -v node >/dev/null 2>&1 || { echo "identity-ha: node (Node.js) not found on PATH ($PATH): idha needs it" >&2; return 1; }',
      '}',
      '',
      "# Publishes the node's health (0 or 1) for the VIP's location rule.",
      'publish() { attrd_updater -n "$attribute" -U "$1" || { echo "identity-ha: attrd_updater -n $attribute -U $1 failed" >&2; return 1; }; }',
      '',
      '# One check: counts passes and failures in a row (the state file: passes fails healthy) and publishes the health.',
      'monitor() {',
      '  [ -f "$state" ] || return 7',
      '  [ -n "$address" ] || return 5',
      '  installed || return 5',
      '  read -r passes fails healthy < "$state" || { passes=0; fails=0; healthy=0; }',
      '  if run_check >/dev/null 2>&1; then',
      '    passes=$((passes + 1)); fails=0; [ "$passes" -ge "$OCF_RESKEY_rise" ] && healthy=1',
      '  else',
      '    fails=$((fails + 1)); passes=0; [ "$fails" -ge "$OCF_RESKEY_fall" ] && healthy=0',
      '  fi',
      '  echo "$passes $fails $healthy" > "$state"',
      '  publish "$healthy" || return 1',
      '  return 0',
      '}',
      '',
      'meta_data() {',
      "  cat <<'XML'",
      '<?xml version="1.0"?>',
      '<!DOCTYPE resource-agent SYSTEM "ra-api-1.dtd">',
      `<resource-agent name="${cluster.name}" version="1.0">`,
      '  <version>1.1</version>',
      `  <longdesc lang="en">identity-ha health check of cluster ${cluster.name}: runs idha check on the node and sets the node attribute ` +
        `${id.attribute} (1 healthy, 0 not).</longdesc>`,
      '  <shortdesc lang="en">identity-ha health check</shortdesc>',
      '  <parameters>',
      ...params.flatMap((p) => [
        `    <parameter name="${p.name}" unique="0" required="0" reloadable="1">`,
        `      <longdesc lang="en">${xmlText(p.describe)}</longdesc>`,
        `      <shortdesc lang="en">${xmlText(p.name)}</shortdesc>`,
        `      <content type="string" default="${xmlAttr(p.value)}"/>`,
        '    </parameter>',
      ]),
      '  </parameters>',
      '  <actions>',
      '    <action name="start" timeout="20s"/>',
      '    <action name="stop" timeout="20s"/>',
      `    <action name="monitor" timeout="${this.monitorTimeoutSeconds(cluster)}s" interval="${cluster.check.intervalSeconds}s" depth="0"/>`,
      '    <action name="reload-agent" timeout="5s"/>',
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
      '    mkdir -p "$(dirname "$state")" && echo "0 0 0" > "$state" || exit 1',
      '    publish 0 || exit 1',
      '    monitor; exit 0 ;;',
      '  stop) rm -f "$state"; attrd_updater -n "$attribute" -D >/dev/null 2>&1; exit 0 ;;',
      '  monitor|status) monitor; exit $? ;;',
      '  reload-agent) exit 0 ;;  # every parameter is read at each check',
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
    const ft = this.failureTimeout(cluster);
    const startup = clusterStartupSeconds(cluster);
    const monitor = `op monitor interval=${c.intervalSeconds}s timeout=${this.monitorTimeoutSeconds(cluster)}s`;
    return [
      '#!/usr/bin/env bash',
      `# identity-ha ${cluster.name}: Pacemaker resources for a cluster of ${nodes.length} nodes (${nodes.map((n) => n.name).join(', ')}) ` +
        `behind one virtual IP.`,
      '# Before you run it:',
      `#   - a running cluster of these nodes (pcs cluster setup ... ${nodes.map((n) => n.name).join(' ')}), with fencing configured;`,
      `#   - on every node: ${this.props.serviceUnit} installed and disabled in systemd, idha installed (npm install -g identity-ha), and the agent`,
      `#     pacemaker/identity-ha-${cluster.name} installed as /usr/lib/ocf/resource.d/identity-ha/${cluster.name} (mode 0755).`,
      '# Run it once, as root, on one node: it edits a copy of the CIB and pushes it in one step.',
      '# It checks before it creates and updates what exists, so a second run changes nothing, and a run after a topology change',
      '# converges (the VIP, the operations, the meta attributes, the constraints it owns). A cluster set up by the',
      '# previous layout (one group, a check primitive) is converted in the same push.',
      '# Dry run against a CIB file, without a cluster: IDHA_CIB_FILE=cib.xml bash pacemaker.sh',
      '# (agents that live on the nodes, the systemd unit and the identity-ha agent, are not checked then).',
      '#',
      `# Every node runs ${this.props.serviceUnit} and the check (clones). The check sets the node attribute ${id.attribute}:`,
      `# 1 after ${c.rise} passing checks in a row (rise), 0 after ${c.fall} failed ones (fall), every ${c.intervalSeconds} s. The VIP runs ` +
        `only where it`,
      '# is 1, on the first such node in the list.',
      `# Preemption ${cluster.preemption}: the VIP's resource-stickiness is ${stick}${
        stick === 0
          ? ', so the preferred node takes the VIP back once its check has passed rise times there'
          : `, above the location scores' spread (${100 * (nodes.length - 1)}), so the VIP stays where it runs until that node's check fails`
      }.`,
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
      `  echo "identity-ha: ${id.service} runs another unit than ${this.props.serviceUnit}: delete it (pcs resource delete ${id.service}) ` +
        `and run this again" >&2`,
      '  exit 1',
      'fi',
      '',
      '# The previous layout (the VIP and the service in one group, placed by a check primitive): the check goes (with its',
      '# constraints), the group is dissolved, and the service becomes a clone below. Nothing is stopped before the push.',
      `if exists ${id.prefix}; then`,
      `  if exists ${id.check} && ! exists ${id.checkClone}; then p resource delete ${id.check}; fi`,
      `  p resource ungroup ${id.prefix}`,
      'fi',
      '',
      `# The service on every node (a clone). Its start may take healthCheck.startupSeconds (${startup} s); a node whose service`,
      `# fails to start is retried after failure-timeout (${ft} s).`,
      `if exists ${id.serviceClone}; then p resource update ${id.service} op start timeout=${startup}s $on_nodes`,
      `elif exists ${id.service}; then p resource update ${id.service} op start timeout=${startup}s $on_nodes; p resource clone ` +
        `${id.service} interleave=true`,
      `else p resource create ${id.service} systemd:${this.props.serviceUnit} op monitor interval=10s timeout=100s op start ` +
        `timeout=${startup}s op stop timeout=120s clone interleave=true $on_nodes; fi`,
      `p resource meta ${id.service} failure-timeout=${ft}s`,
      '',
      '# The check on every node (a clone), after the service on the same node.',
      `if exists ${id.checkClone}; then p resource update ${id.check} ${monitor} $on_nodes`,
      `else p resource create ${id.check} ${id.agent} ${monitor} clone interleave=true $on_nodes; fi`,
      `constraint ${id.prefix}-check-with-service`,
      `p constraint colocation add ${id.checkClone} with ${id.serviceClone} INFINITY id=${id.prefix}-check-with-service`,
      `constraint ${id.prefix}-service-then-check`,
      `p constraint order start ${id.serviceClone} then start ${id.checkClone} id=${id.prefix}-service-then-check`,
      '',
      '# The virtual IP: only where the check says healthy and the service runs; preferred in node order.',
      `if exists ${id.vip}; then p resource update ${id.vip} ip=${vip.value} cidr_netmask=${cluster.prefixLength}; else p resource create ` +
        `${id.vip} ocf:heartbeat:IPaddr2 ip=${vip.value} cidr_netmask=${cluster.prefixLength} op monitor interval=10s timeout=20s; fi`,
      `p resource meta ${id.vip} resource-stickiness=${stick}`,
      `constraint ${id.prefix}-vip-healthy`,
      `p constraint location ${id.vip} rule constraint-id=${id.prefix}-vip-healthy score=-INFINITY not_defined ${id.attribute} or ` +
        `${id.attribute} ne 1`,
      `constraint ${id.prefix}-vip-with-service`,
      `p constraint colocation add ${id.vip} with ${id.serviceClone} INFINITY id=${id.prefix}-vip-with-service`,
      ...scores.flatMap(({ n, score }) => [
        `constraint ${id.prefix}-prefers-${n.name}`,
        `p constraint location add ${id.prefix}-prefers-${n.name} ${id.vip} ${n.name} ${score}`,
      ]),
      '',
      'if [ -z "${IDHA_CIB_FILE:-}" ]; then',
      '  pcs cluster cib-push "$cib" --config',
      `  echo "identity-ha ${cluster.name}: pushed; check with: pcs status --full (the node attribute ${id.attribute})"`,
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
   * Worst case from a service failure to the VIP on a standby: `fall` failed checks (interval x fall,
   * plus the last one's timeout, at most the interval); then the attribute changes and the VIP moves
   * (attrd, the scheduler and IPaddr2: about a second). The standbys' service is running already. A
   * lost node adds Corosync's token timeout and fencing. Failback (preemption on): `rise` passing
   * checks on the preferred node, the same way.
   */
  public estimate(cluster: FailoverClusterModel): FailoverEstimate {
    const c = cluster.check;
    const seconds = c.intervalSeconds * c.fall + c.intervalSeconds + 1;
    const back = c.intervalSeconds * c.rise + c.intervalSeconds + 1;
    const failback =
      cluster.preemption === Preemption.ON
        ? {
            failbackSeconds: back,
            failbackFormula:
              `${c.intervalSeconds}s x ${c.rise} passing checks (rise) + ${c.intervalSeconds}s timeout + 1s to move the VIP = ` +
              `${back}, once the preferred node's check passes there`,
          }
        : { failbackSeconds: 0, failbackFormula: 'none: preemption off, the VIP stays where it runs' };
    return figuresEstimate(cluster.name, {
      platform: this.platform,
      ...failback,
      seconds,
      formula:
        `${c.intervalSeconds}s x ${c.fall} failed checks (fall) + ${c.intervalSeconds}s timeout + 1s to move the VIP = ${seconds} ` +
        `(every node runs the service; a lost node: Corosync token timeout and fencing first)`,
    });
  }
}
