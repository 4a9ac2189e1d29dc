import { checkInteger } from '../../core/checks';
import { Claim } from '../../model/claim';
import { FailoverEstimate, figuresEstimate } from '../../model/failover-estimate';
import { Problems } from '../../core/errors';
import { AddressKind, parseHostAddress } from '../../core/address';
import { Construct } from 'constructs';
import { clusterCheckArgv, ClusterTargetBase, FailoverClusterModel, Preemption } from '../../model/cluster-model';
import { Snippet } from '../../model/snippet';
import { idhaWords, checkCommandWords } from '../../core/lang/argv';
import { keepalivedScript } from '../../core/lang/keepalived';

/** How a failover cluster is rendered for keepalived (VRRP): one `keepalived.conf` per node. */
export interface KeepalivedTargetProps {
  /** VRRP virtual router id, 1-255; unique among the VRRP clusters of the network segment. */
  readonly virtualRouterId: number;
  /** Network interface that carries the virtual IP on every node, e.g. `eth0`. */
  readonly interfaceName: string;
  /**
   * File on each node that holds the VRRP password, mode 0600, as one line:
   * `$IDHA_AUTH_PASS=<secret, 1-8 characters>`. The generated config includes it with `includea`
   * and uses it as `auth_pass`: a missing file, an empty one or an empty secret stops keepalived
   * (exit 6 or 2) instead of running VRRP without authentication. The secret never enters the output.
   * IPv6 (VRRPv3) has no authentication, so the file is not read then.
   */
  readonly authSecretFile: string;
  /** Seconds between VRRP adverts, 1-255. @default 1 */
  readonly advertIntervalSeconds?: number;
  /**
   * How `idha check` is started on the nodes: the absolute path of idha, with any words before it
   * (e.g. `/usr/bin/node /opt/identity-ha/bin/idha.js`). Find it on a node with `command -v idha`.
   * @default /usr/local/bin/idha, where npm install -g identity-ha puts it on Debian and Ubuntu
   */
  readonly idhaCommand?: string;
  /**
   * An address every node must reach, usually the subnet's gateway: each node pings it
   * (`/usr/bin/ping`, from iputils-ping) every check interval, and a node that cannot reach it `fall`
   * times in a row goes to FAULT and gives up the VIP. It covers a holder cut off from its peers
   * while its own link stays up, which otherwise keeps the VIP beside the peer that takes it over.
   * @default - none: no reachability check, and `idha synth` warns
   */
  readonly gatewayAddress?: string;
}

/** One node's keepalived.conf. */
export interface KeepalivedNodeConfig {
  /** The node's name. */
  readonly node: string;
  /** The node's address. */
  readonly address: string;
  /** Its `keepalived.conf`. */
  readonly content: string;
}

/** The line the secret file holds. */
export const AUTH_LINE = '$IDHA_AUTH_PASS=<secret, 1-8 characters>';

/** Characters keepalived takes in a config word without quoting trouble. */
const WORD = /^[A-Za-z0-9_./:@%+-]+$/;

/**
 * A systemd drop-in for Debian's keepalived.service, which has no Restart=: a keepalived killed whole
 * (main process and VRRP child) would leave the VIP on the dead node until someone restarts it. It
 * restarts keepalived, and removes the VIP as soon as keepalived has died (ExecStopPost), so the dead
 * node does not keep it beside the peer that takes it over even when the restart fails.
 */
function keepalivedDropIn(vip: string, prefixLength: number, interfaceName: string): string {
  return [
    "# identity-ha: restart keepalived when it dies, and drop the virtual IP it leaves behind. Debian's keepalived.service has",
    '# no Restart=, and a keepalived killed whole (SIGKILL or the OOM killer on its main process and VRRP child) leaves the',
    '# virtual IP on this node, beside the peer that takes it over. ExecStopPost runs once keepalived has stopped, however it',
    "# stopped: after a clean stop keepalived has removed the address already and the command's failure is ignored (-).",
    '# Install as /etc/systemd/system/keepalived.service.d/idha-restart.conf, then: systemctl daemon-reload',
    '[Service]',
    'Restart=always',
    'RestartSec=1',
    `ExecStopPost=-/sbin/ip address del ${vip}/${prefixLength} dev ${interfaceName}`,
    '',
  ].join('\n');
}

/**
 * keepalived (VRRP) on Linux nodes: one `keepalived.conf` per node, with unicast peers, a
 * `vrrp_script` that runs `idha check` and the preemption the cluster asks for. A failing check puts
 * the node in FAULT state (weight 0), so it gives up the virtual IP whatever the preemption setting.
 */
export class KeepalivedTarget extends ClusterTargetBase {
  public readonly platform = 'keepalived';
  public readonly movesVirtualIp = true;

  /** The props the target was created with. */
  public readonly props: KeepalivedTargetProps;

  constructor(props: KeepalivedTargetProps) {
    super();
    this.props = props;
  }

  public validate(cluster: FailoverClusterModel, problems: Problems): void {
    const p = this.props;
    checkInteger(problems, 'virtualRouterId', p.virtualRouterId, 1, 255, 'VRRP ids are 1-255 and must be unique on the segment');
    checkInteger(problems, 'advertIntervalSeconds', p.advertIntervalSeconds ?? 1, 1, 255);
    if (typeof p.interfaceName !== 'string' || !/^[A-Za-z0-9_.:-]{1,15}$/.test(p.interfaceName)) {
      problems.add({
        field: 'interfaceName',
        value: p.interfaceName,
        allowed: 'a Linux interface name, 1-15 characters (letters, digits, _ . : -)',
        fix: "the interface that carries the nodes' subnet, e.g. eth0",
      });
    }
    if (typeof p.authSecretFile !== 'string' || !p.authSecretFile.startsWith('/') || !WORD.test(p.authSecretFile)) {
      problems.add({
        field: 'authSecretFile',
        value: p.authSecretFile,
        allowed: 'an absolute path on the nodes, of letters, digits and _ . / : @ % + -',
        fix: `create it on each node (mode 0600) with the one line: ${AUTH_LINE}; the secret never goes into the topology or the output`,
      });
    }
    if (p.idhaCommand !== undefined) checkCommandWords(problems, 'idhaCommand', p.idhaCommand, '/usr/local/bin/idha');
    if (p.gatewayAddress !== undefined) {
      const g = parseHostAddress(problems, 'gatewayAddress', p.gatewayAddress);
      if (g && g.kind === AddressKind.DNS)
        problems.add({
          field: 'gatewayAddress',
          value: p.gatewayAddress,
          allowed: 'an IPv4 or IPv6 address',
          fix: "the subnet's gateway (or another address every node must reach), e.g. 10.0.0.1: a check that needs DNS fails with DNS",
        });
      else if (g && (g.value === cluster.nodeSet.virtualIp?.value || cluster.nodeSet.nodes.some((n) => n.address.value === g.value))) {
        problems.add({
          field: 'gatewayAddress',
          value: p.gatewayAddress,
          allowed: "an address that is neither a node's nor the virtual IP",
          fix: 'a node always reaches itself: name the gateway',
        });
      }
    }
    if (cluster.nodeSet.nodes.length > 254)
      problems.root().add({ field: 'nodes', value: cluster.nodeSet.nodes.length, allowed: 'at most 254 nodes (VRRP priorities 1-254)' });
  }

  /** One keepalived.conf per node. */
  public configs(cluster: FailoverClusterModel): KeepalivedNodeConfig[] {
    const p = this.props;
    const advert = p.advertIntervalSeconds ?? 1;
    const c = cluster.check;
    const nodes = cluster.nodeSet.nodes;
    const v6 = cluster.nodeSet.virtualIp!.kind === AddressKind.IPV6;
    const gateway = p.gatewayAddress === undefined ? undefined : parseHostAddress(new Problems(), 'gatewayAddress', p.gatewayAddress)!.value;
    return nodes.map((n, i) => {
      const priority = this.priorities(cluster)[i];
      const preempt = cluster.preemption === Preemption.DELAYED ? [`    preempt_delay ${cluster.preemptDelaySeconds}`] : [];
      const off = cluster.preemption === Preemption.OFF ? this.holding(cluster) : undefined;
      const auth = v6
        ? []
        : [
            `# The VRRP password is read from ${p.authSecretFile}: create it on this node, mode 0600, with the one line`,
            `#   ${AUTH_LINE}`,
            '# Fail closed: without that file keepalived stops (includea: exit 6); with the file empty or the secret empty,',
            '# the password below is empty and keepalived stops (exit 2). It never runs VRRP without the password.',
            '$IDHA_AUTH_PASS=',
            `includea ${p.authSecretFile}`,
            '',
          ];
      const lines = [
        `# identity-ha ${cluster.name}: keepalived on node ${n.name} (${n.address.value}), priority ${priority} of ${nodes.length} nodes.`,
        `# Preemption ${cluster.preemption}${cluster.preemption === Preemption.DELAYED ? ` (${cluster.preemptDelaySeconds} s)` : ''}. ` +
          `Install as /etc/keepalived/keepalived.conf; check with: keepalived --config-test`,
        `# The check runs ${idhaWords(this.props.idhaCommand).join(' ')}: install identity-ha on this node (npm install -g identity-ha, ` +
          `Node.js 20 or later;`,
        '# node must be on the PATH systemd gives keepalived), or set idhaCommand to where idha is (command -v idha). Without it the',
        '# check exits 127 and this node never holds the VIP. Install keepalived.service.d/idha-restart.conf too (see that file).',
        ...auth,
        'global_defs {',
        `    router_id idha_${cluster.name}_${n.name}`,
        '    enable_script_security',
        '    script_user root',
        '}',
        '',
        '# A failing check puts this node in FAULT (weight 0): it gives up the VIP whatever the preemption. It starts failed',
        '# (init_fail): a node holds nothing until its check has passed rise times.',
        `vrrp_script idha_${cluster.name}_check {`,
        `    script ${keepalivedScript(clusterCheckArgv(cluster, n.address.value, idhaWords(this.props.idhaCommand)))}`,
        `    interval ${c.intervalSeconds}`,
        `    timeout ${c.intervalSeconds}`,
        `    fall ${c.fall}`,
        `    rise ${c.rise}`,
        '    weight 0',
        '    init_fail',
        '}',
        '',
        ...(p.gatewayAddress !== undefined
          ? [
              `# A node that cannot reach ${p.gatewayAddress} (gatewayAddress) ${c.fall} times in a row goes to FAULT and gives up the VIP: ` +
                `a holder cut off`,
              '# from its peers with its link up does not keep it beside the node that takes it over. Needs iputils-ping.',
              `vrrp_script idha_${cluster.name}_gateway {`,
              `    script ${keepalivedScript(['/usr/bin/ping', '-n', '-q', '-c', '1', '-W', '1', gateway!])}`,
              `    interval ${c.intervalSeconds}`,
              `    timeout ${c.intervalSeconds}`,
              `    fall ${c.fall}`,
              `    rise ${c.rise}`,
              '    weight 0',
              '}',
              '',
            ]
          : []),
        ...(off
          ? [
              `# Preemption off: the node holding the VIP gets +${off.bonus} priority (above every other node's) after ${off.rise} passing ` +
                `checks (at most`,
              `# ${off.seconds} s), so a node that recovers later does not take it back. Until then a healthy higher node still preempts: nodes`,
              "# that start together elect by priority among the healthy ones. (keepalived's own no-preempt flag lets the first",
              '# master keep the VIP, whatever its priority.) A node whose service returns within that time of a failover may take the VIP back.',
              `vrrp_script idha_${cluster.name}_holds {`,
              `    script ${keepalivedScript([...idhaWords(this.props.idhaCommand), 'check', '--holds', cluster.nodeSet.virtualIp!.value])}`,
              `    interval ${c.intervalSeconds}`,
              `    timeout ${c.intervalSeconds}`,
              '    fall 1',
              `    rise ${off.rise}`,
              `    weight ${off.bonus}`,
              '    init_fail',
              '}',
              '',
            ]
          : []),
        `vrrp_instance idha_${cluster.name} {`,
        // Every node starts as BACKUP: the election by priority picks the active one, and preempt_delay
        // needs it.
        '    state BACKUP',
        `    interface ${p.interfaceName}`,
        `    virtual_router_id ${p.virtualRouterId}`,
        `    priority ${priority}`,
        `    advert_int ${advert}`,
        ...preempt,
        `    unicast_src_ip ${n.address.value}`,
        '    unicast_peer {',
        ...nodes.filter((o) => o !== n).map((o) => `        ${o.address.value}`),
        '    }',
        '    garp_master_delay 1',
        ...(v6 ? [] : ['    authentication {', '        auth_type PASS', '        auth_pass ${IDHA_AUTH_PASS}', '    }']),
        '    virtual_ipaddress {',
        `        ${cluster.nodeSet.virtualIp!.value}/${cluster.prefixLength} dev ${p.interfaceName}`,
        '    }',
        '    track_script {',
        `        idha_${cluster.name}_check`,
        ...(p.gatewayAddress !== undefined ? [`        idha_${cluster.name}_gateway`] : []),
        ...(off ? [`        idha_${cluster.name}_holds`] : []),
        '    }',
        '}',
        '',
      ];
      return { node: n.name, address: n.address.value, content: lines.join('\n') };
    });
  }

  /** The node priorities, in node order: 250, 240, ... (VRRP priorities are 1-254). */
  private priorities(cluster: FailoverClusterModel): number[] {
    const n = cluster.nodeSet.nodes.length;
    return cluster.nodeSet.nodes.map((_, i) => 250 - i * Math.min(10, Math.floor(249 / Math.max(1, n - 1))));
  }

  /**
   * Preemption off: the holder's priority bonus, one more than the spread of priorities, so the
   * lowest node holding the VIP outranks the highest one recovering. It applies once the holder has
   * passed `rise` --holds checks, the first of them at least a master-down interval (3 adverts and
   * the skew) after it took the VIP: a healthy higher node in BACKUP discards a lower node's adverts
   * and takes over when its own master-down timer ends, so nodes that start together elect by
   * priority among the healthy ones (measured: keepalived 2.2.7 applies a bonus the moment its
   * script passes, and a bonus at the first check let the lowest node keep the VIP).
   */
  private holding(cluster: FailoverClusterModel): { bonus: number; rise: number; seconds: number } {
    const pr = this.priorities(cluster);
    const i = cluster.check.intervalSeconds;
    const masterDown = 3 * (this.props.advertIntervalSeconds ?? 1) + 1;
    const rise = Math.min(10, Math.ceil(masterDown / i) + 1);
    return { bonus: pr[0] - pr[pr.length - 1] + 1, rise, seconds: rise * i };
  }

  /** What `idha synth` warns about. */
  /** The VRRP router id on its link: two clusters with one id on one segment would fight for each other's VIP. */
  public claims(_cluster: FailoverClusterModel): Claim[] {
    const p = this.props;
    return [
      {
        scope: `VRRP router id on ${p.interfaceName}`,
        key: String(p.virtualRouterId),
        field: 'virtualRouterId',
        value: String(p.virtualRouterId),
        fix: 'VRRP ids must be unique on the segment: give each cluster its own virtualRouterId (1-255)',
      },
    ];
  }

  public warnings(_cluster: FailoverClusterModel): string[] {
    return this.props.gatewayAddress === undefined
      ? [
          'keepalived: no gatewayAddress, so a VIP holder cut off from its peers while its own link stays up keeps the VIP beside the node ' +
            "that takes it over (two holders for as long as the cut lasts). Set targets.keepalived.gatewayAddress to the subnet's gateway: a " +
            'node that cannot reach it gives up the VIP',
        ]
      : [];
  }

  /** keepalived is configured by file: no Terraform resources. */
  public render(_scope: Construct, _cluster: FailoverClusterModel): void {}

  public snippets(cluster: FailoverClusterModel): Snippet[] {
    return [
      ...this.configs(cluster).map((c) => ({
        kind: 'keepalived',
        fileName: `keepalived/${c.node}-${c.address.replace(/:/g, '-')}.conf`,
        content: c.content,
        node: c.node,
      })),
      {
        kind: 'keepalived',
        fileName: 'keepalived/keepalived.service.d/idha-restart.conf',
        content: keepalivedDropIn(cluster.nodeSet.virtualIp!.value, cluster.prefixLength, this.props.interfaceName),
      },
    ];
  }

  /**
   * Worst case from a service failure to the VIP on a standby: the check's fall (interval x fall,
   * plus the last check's timeout), then the standby's master-down timer is not needed (the failing
   * node sends priority 0 on FAULT), so a standby takes over within one advert interval.
   */
  public estimate(cluster: FailoverClusterModel): FailoverEstimate {
    const c = cluster.check;
    const advert = this.props.advertIntervalSeconds ?? 1;
    const seconds = c.intervalSeconds * c.fall + c.intervalSeconds + advert;
    return figuresEstimate(cluster.name, {
      platform: this.platform,
      seconds,
      formula: `${c.intervalSeconds}s x ${c.fall} checks + ${c.intervalSeconds}s timeout + ${advert}s advert = ${seconds}`,
      ...this.failback(cluster),
    });
  }

  /**
   * Worst case from the preferred node's service back to the VIP back there: `rise` passing checks
   * (the first up to an interval after the service returns, each up to its timeout), then, back in
   * BACKUP, the master-down timer (3 adverts plus the priority skew, under 1 s) before it preempts
   * the lower-priority master; `delayed` adds preempt_delay. Measured with keepalived 2.2.7 (interval
   * 1, rise 2, advert 1): 3.05-5.26 s against 7 printed; delayed 8 s: 10.08-12.79 s against 15.
   */
  private failback(cluster: FailoverClusterModel): { failbackSeconds: number; failbackFormula: string } {
    const c = cluster.check;
    const advert = this.props.advertIntervalSeconds ?? 1;
    if (cluster.preemption === Preemption.OFF) {
      const h = this.holding(cluster);
      return {
        failbackSeconds: 0,
        failbackFormula: `none: preemption off, the holder's priority +${h.bonus} keeps the VIP where it is (from ${h.seconds} s after it took it)`,
      };
    }
    const masterDown = 3 * advert + 1;
    const delay = cluster.preemption === Preemption.DELAYED ? cluster.preemptDelaySeconds : 0;
    const total = c.intervalSeconds * c.rise + c.intervalSeconds + masterDown + delay;
    return {
      failbackSeconds: total,
      failbackFormula:
        `${c.intervalSeconds}s x ${c.rise} checks + ${c.intervalSeconds}s timeout + ${masterDown}s master-down (3 x ` +
        `${advert}s advert + skew)${delay ? ` + ${delay}s preempt delay` : ''} = ${total}`,
    };
  }
}
