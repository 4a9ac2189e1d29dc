import { Construct } from 'constructs';
import { FailoverEstimate, figuresEstimate } from '../../model/failover-estimate';
import { AddressKind } from '../../core/address';
import { Problems } from '../../core/errors';
import {
  clusterCheckArgv,
  ClusterCheckKind,
  clusterStartupSeconds,
  ClusterTargetBase,
  FailoverClusterModel,
  Preemption,
} from '../../model/cluster-model';
import { Snippet } from '../../model/snippet';
import { psString as psq } from '../../core/lang/powershell';
import { winswServiceXml } from '../../core/lang/winsw';

/** How a failover cluster is rendered for Windows Server Failover Cluster: a PowerShell script and a check service per node. */
export interface WindowsFailoverClusterTargetProps {
  /** The Windows Server Failover Cluster's name (its cluster name object), 1-15 characters. Created when it does not exist. */
  readonly clusterName: string;
  /**
   * The cluster's own management IPv4 address, used only when the script creates the cluster.
   * @default - none: the cluster must exist already (the script stops and says so)
   */
  readonly clusterAddress?: string;
  /** The Windows service the role runs, e.g. `Tomcat10` or `Apache2.4`. Installed on every node, start type Manual. */
  readonly serviceName: string;
  /**
   * The client access point: the network name clients use with the virtual IP, 1-15 characters;
   * also the role's name.
   * @default - the cluster's name (when it fits 15 characters)
   */
  readonly networkName?: string;
  /**
   * Where the Windows host kit (idha-shim.exe, installed by its install.ps1) is on the nodes; the
   * check service runs `idha-shim.exe check ...` from there.
   * @default C:\Program Files\identity-ha
   */
  readonly installFolder?: string;
  /**
   * Run the check with Node.js instead of the kit: node.exe and the npm package's `bin\idha.js` under
   * installFolder.
   * @default - none: the kit's idha-shim.exe, no Node.js needed
   */
  readonly nodeExe?: string;
}

/** A NetBIOS name: 1-15 letters, digits and hyphens, not all digits. */
const NETBIOS = /^(?!\d+$)[A-Za-z0-9-]{1,15}$/;
/** A Windows service name PowerShell takes unquoted inside single quotes. */
const SERVICE = /^[A-Za-z0-9 ._()-]{1,80}$/;
/** A Windows path without quotes. */
const WINPATH = /^[A-Za-z]:\\[^"'<>|?*\u0000-\u001f]*$/;

/**
 * Windows Server Failover Cluster, as a PowerShell script run once on one node: the cluster (new
 * or joined), a Generic Service role with a client access point on the virtual IP, the preferred
 * owners in node order, failback from the preemption setting, and a cluster-aware health check:
 * `idha check --watch` as a second Generic Service resource that depends on the service and ends
 * (failing the resource, so the role moves) after `fall` failed checks. Every step checks before it
 * creates, so the script can be run again.
 */
export class WindowsFailoverClusterTarget extends ClusterTargetBase {
  public readonly platform = 'wsfc';
  public readonly movesVirtualIp = true;

  /** The props the target was created with. */
  public readonly props: WindowsFailoverClusterTargetProps;

  constructor(props: WindowsFailoverClusterTargetProps) {
    super();
    this.props = props;
  }

  private networkName(cluster: FailoverClusterModel): string {
    return this.props.networkName ?? cluster.name;
  }

  private checkService(cluster: FailoverClusterModel): string {
    return `idha-check-${cluster.name}`;
  }

  public validate(cluster: FailoverClusterModel, problems: Problems): void {
    const p = this.props;
    if (typeof p.clusterName !== 'string' || !NETBIOS.test(p.clusterName)) {
      problems.add({
        field: 'clusterName',
        value: p.clusterName,
        allowed: '1-15 letters, digits and hyphens (a NetBIOS name), not all digits',
        fix: "the failover cluster's name, e.g. idm-cluster",
      });
    }
    if (
      p.clusterAddress !== undefined &&
      (typeof p.clusterAddress !== 'string' ||
        !/^(\d{1,3}\.){3}\d{1,3}$/.test(p.clusterAddress) ||
        p.clusterAddress.split('.').some((o) => Number(o) > 255))
    ) {
      problems.add({
        field: 'clusterAddress',
        value: p.clusterAddress,
        allowed: 'an IPv4 address',
        fix: "the cluster's management address, in the nodes' subnet; leave it out to use an existing cluster",
      });
    } else if (
      p.clusterAddress !== undefined &&
      (p.clusterAddress === cluster.nodeSet.virtualIp?.value || cluster.nodeSet.nodes.some((n) => n.address.value === p.clusterAddress))
    ) {
      problems.add({
        field: 'clusterAddress',
        value: p.clusterAddress,
        allowed: 'an address no node and not the virtual IP has',
        fix: 'the cluster name object needs an address of its own',
      });
    }
    if (typeof p.serviceName !== 'string' || !SERVICE.test(p.serviceName)) {
      problems.add({
        field: 'serviceName',
        value: p.serviceName,
        allowed: 'a Windows service name (letters, digits, space . _ ( ) -)',
        fix: 'the service the role runs, e.g. Tomcat10 or Apache2.4',
      });
    }
    const nn = this.networkName(cluster);
    if (!NETBIOS.test(nn)) {
      problems.add({
        field: 'networkName',
        value: nn,
        allowed: '1-15 letters, digits and hyphens (a NetBIOS name)',
        fix: p.networkName === undefined ? "the cluster's name is too long for a network name: set networkName" : 'shorten it',
      });
    }
    for (const [k, v] of [
      ['installFolder', p.installFolder],
      ['nodeExe', p.nodeExe],
    ] as const) {
      if (v !== undefined && (typeof v !== 'string' || !WINPATH.test(v)))
        problems.add({ field: k, value: v, allowed: 'an absolute Windows path without quotes, <>|?* or control characters' });
    }
    cluster.nodeSet.nodes.forEach((n, i) => {
      if (!NETBIOS.test(n.name))
        problems.root().add({
          field: `nodes[${i}].name`,
          value: n.name,
          allowed: 'a Windows computer name of 1-15 characters with wsfc',
          fix: "node names are the nodes' computer names in a Windows failover cluster",
        });
    });
    if (cluster.check.rise !== 2) {
      problems.root().add({
        field: 'healthCheck.rise',
        value: cluster.check.rise,
        allowed: 'the default (2) with wsfc',
        fix:
          'a Windows cluster checks only the node that runs the role (its standbys do not run the service), so nothing can pass rise ' +
          'checks before failback: the role moves back when the preferred node comes online (AutoFailbackType). Leave rise out, or use ' +
          'keepalived or Pacemaker, whose standbys run the service and are checked',
      });
    }
    if (cluster.nodeSet.virtualIp?.kind === AddressKind.IPV6) {
      problems.root().add({
        field: 'virtualIp',
        value: cluster.nodeSet.virtualIp.value,
        allowed: 'an IPv4 address with wsfc',
        fix:
          'Add-ClusterGenericServiceRole takes a static IPv4 address; an IPv6 client access point gets its address from router ' +
          'advertisements, not from this file. Use an IPv4 VIP',
      });
    }
    if (cluster.preemption === Preemption.DELAYED) {
      problems.root().add({
        field: 'preemption',
        value: cluster.preemption,
        allowed: '"on" or "off" with wsfc',
        fix:
          'a Windows failover cluster fails back at once or inside a window of hours of the day (FailbackWindowStart/End), never after a ' +
          'delay in seconds: choose on or off',
      });
    }
    if (cluster.check.kind === ClusterCheckKind.COMMAND) {
      problems.root().add({
        field: 'healthCheck.kind',
        value: 'command',
        allowed: '"http" or "listening" with wsfc',
        fix: 'the cluster runs idha check --watch as a Generic Service resource; a command of your own has no such service',
      });
    }
  }

  /** The cluster is configured by the script: no Terraform resources. */
  public render(_scope: Construct, _cluster: FailoverClusterModel): void {}

  /** The `idha check --watch` arguments for one node (after idha.js): the cluster's check, repeated. */
  private watchArguments(cluster: FailoverClusterModel, address: string): string[] {
    const c = cluster.check;
    return [
      ...clusterCheckArgv(cluster, address, []),
      '--watch',
      '--interval',
      String(c.intervalSeconds),
      '--fall',
      String(c.fall),
      '--start-period',
      String(clusterStartupSeconds(cluster)),
    ];
  }

  /** WinSW definition of the check watcher on one node. */
  private watcherXml(cluster: FailoverClusterModel, node: { name: string; address: string }): string {
    const folder = this.props.installFolder ?? 'C:\\Program Files\\identity-ha';
    const id = this.checkService(cluster);
    const kit = this.props.nodeExe === undefined;
    return winswServiceXml({
      comment: [
        `identity-ha ${cluster.name}: the failover cluster's health check on node ${node.name} (${node.address}), as a Windows service with WinSW.`,
        `On ${node.name}: put WinSW-x64.exe beside this file as ${id}.exe, then in an elevated PowerShell: .\\${id}.exe install`,
        'Do not start it: the cluster starts it on the node that owns the role. It exits (and the resource fails) after',
        `${cluster.check.fall} failed checks in a row, every ${cluster.check.intervalSeconds} s; failures in its first ` +
          `${clusterStartupSeconds(cluster)} s (healthCheck.startupSeconds) do not count until a check passes.`,
        kit
          ? `It runs ${folder}\\idha-shim.exe: copy it there from the Windows host kit's zip (npm run build:windows); no Node.js needed.`
          : `It runs Node.js (${this.props.nodeExe}) with ${folder}\\bin\\idha.js.`,
      ],
      id,
      name: `identity-ha check (${cluster.name})`,
      description: `Runs idha check --watch for the failover cluster role ${this.networkName(cluster)}.`,
      executable: kit ? `${folder}\\idha-shim.exe` : this.props.nodeExe!,
      arguments: kit ? this.watchArguments(cluster, node.address) : [`${folder}\\bin\\idha.js`, ...this.watchArguments(cluster, node.address)],
      startMode: 'Manual',
      stopTimeoutSeconds: 5,
      log: { sizeKiB: 1024, keepFiles: 3 },
    });
  }

  /** The PowerShell script. */
  public script(cluster: FailoverClusterModel): string {
    const p = this.props;
    const nodes = cluster.nodeSet.nodes;
    const failback = cluster.preemption === Preemption.ON ? 1 : 0;
    const check = this.checkService(cluster);
    return [
      `# identity-ha ${cluster.name}: Windows Server Failover Cluster role for ${p.serviceName} on ${nodes.map((n) => n.name).join(', ')}.`,
      '# Before you run it, on every node: the Failover Clustering feature (Install-WindowsFeature Failover-Clustering -IncludeManagementTools),',
      `# the service ${p.serviceName} installed with start type Manual, and the check service ${check} installed from ` +
        `wsfc\\${check}-<node>-<address>.xml.`,
      '# Run it in an elevated Windows PowerShell on one node. Each step compares the cluster with this file and changes only',
      '# what differs (it says what it changed); a second run changes nothing. It never evicts a node or deletes a resource.',
      '#Requires -RunAsAdministrator',
      '#Requires -Modules FailoverClusters',
      "$ErrorActionPreference = 'Stop'",
      `$ClusterName = ${psq(p.clusterName)}`,
      `$ClusterAddress = ${p.clusterAddress === undefined ? '$null' : psq(p.clusterAddress)}`,
      `$Nodes = @(${nodes.map((n) => psq(n.name)).join(', ')})   # preferred first`,
      `$Role = ${psq(this.networkName(cluster))}                 # the client access point's network name`,
      `$VirtualIp = ${psq(cluster.nodeSet.virtualIp!.value)}`,
      `$ServiceName = ${psq(p.serviceName)}`,
      `$CheckService = ${psq(check)}`,
      '$CheckResource = "$Role check"',
      '$Changed = New-Object System.Collections.Generic.List[string]',
      '',
      '# 0. Every node has both services.',
      'foreach ($n in $Nodes) {',
      '  foreach ($s in @($ServiceName, $CheckService)) {',
      '    $found = Invoke-Command -ComputerName $n -ScriptBlock { param($name) Get-Service -Name $name -ErrorAction SilentlyContinue } ' +
        '-ArgumentList $s',
      '    if (-not $found) { throw "Service $s is not installed on ${n}: install it there first (start type Manual)." }',
      '  }',
      '}',
      '',
      '# 1. The cluster: created, or joined by the nodes it lacks. A member this file does not name stays (it is no owner of the role).',
      '$cluster = Get-Cluster -Name $ClusterName -ErrorAction SilentlyContinue',
      'if (-not $cluster) {',
      '  if (-not $ClusterAddress) { throw "Cluster $ClusterName does not exist and no clusterAddress was given: create it, or set ' +
        'clusterAddress in the topology." }',
      '  New-Cluster -Name $ClusterName -Node $Nodes -StaticAddress $ClusterAddress -NoStorage | Out-Null',
      '  $Changed.Add("created cluster $ClusterName")',
      '} else {',
      '  $members = @(Get-ClusterNode -Cluster $ClusterName | ForEach-Object { $_.Name })',
      '  foreach ($n in $Nodes) { if ($members -notcontains $n) { Add-ClusterNode -Cluster $ClusterName -Name $n -NoStorage | Out-Null; ' +
        '$Changed.Add("added node $n") } }',
      '  foreach ($m in $members) { if ($Nodes -notcontains $m) { Write-Warning "Node $m is a member of $ClusterName but not in this file: ' +
        'it stays a member and is no preferred owner of $Role (Remove-ClusterNode evicts it)." } }',
      '}',
      '',
      '# 2. The role: a client access point (network name and virtual IP) and the service.',
      'if (-not (Get-ClusterGroup -Cluster $ClusterName -Name $Role -ErrorAction SilentlyContinue)) {',
      '  Add-ClusterGenericServiceRole -Cluster $ClusterName -ServiceName $ServiceName -Name $Role -StaticAddress $VirtualIp | Out-Null',
      '  $Changed.Add("created role $Role")',
      '}',
      '$resources = @(Get-ClusterResource -Cluster $ClusterName | Where-Object { $_.OwnerGroup.Name -eq $Role })',
      "$service = $resources | Where-Object { $_.ResourceType.Name -eq 'Generic Service' -and $_.Name -ne $CheckResource } | Select-Object -First 1",
      'if (-not $service) { throw "Role $Role has no Generic Service resource for $ServiceName." }',
      'if (($service | Get-ClusterParameter -Name ServiceName).Value -ne $ServiceName) {',
      '  $service | Set-ClusterParameter -Name ServiceName -Value $ServiceName',
      '  $Changed.Add("service of $Role set to $ServiceName")',
      '}',
      "$ip = $resources | Where-Object { $_.ResourceType.Name -eq 'IP Address' } | Select-Object -First 1",
      'if (-not $ip) { throw "Role $Role has no IP Address resource." }',
      'if (($ip | Get-ClusterParameter -Name Address).Value -ne $VirtualIp) {',
      '  $ip | Set-ClusterParameter -Name Address -Value $VirtualIp',
      '  # An IP Address resource takes its new address when it next comes online (step 4 starts the role again).',
      "  if ($ip.State -eq 'Online') { Stop-ClusterResource -Cluster $ClusterName -Name $ip.Name | Out-Null }",
      '  $Changed.Add("virtual IP of $Role set to $VirtualIp")',
      '}',
      '',
      `# 3. The health check: idha check --watch as a Generic Service resource that needs the service. It ends after ${cluster.check.fall} failed`,
      `#    checks (every ${cluster.check.intervalSeconds} s); the resource then fails, and the role moves at once (no restart on this node).`,
      '$checkRes = Get-ClusterResource -Cluster $ClusterName -Name $CheckResource -ErrorAction SilentlyContinue',
      'if (-not $checkRes) {',
      "  $checkRes = Add-ClusterResource -Cluster $ClusterName -Name $CheckResource -ResourceType 'Generic Service' -Group $Role",
      '  $Changed.Add("created resource $CheckResource")',
      '}',
      'if (($checkRes | Get-ClusterParameter -Name ServiceName).Value -ne $CheckService) {',
      '  $checkRes | Set-ClusterParameter -Name ServiceName -Value $CheckService',
      '  $Changed.Add("$CheckResource runs $CheckService")',
      '}',
      '$dependency = "[$($service.Name)]"',
      'if ((Get-ClusterResourceDependency -Cluster $ClusterName -Resource $CheckResource).DependencyExpression -ne $dependency) {',
      '  Set-ClusterResourceDependency -Cluster $ClusterName -Resource $CheckResource -Dependency $dependency | Out-Null',
      '  $Changed.Add("$CheckResource depends on $dependency")',
      '}',
      '# On failure: fail over when the restart threshold is reached (RestartAction 2), which is the first failure (0).',
      '$restart = [ordered]@{ RestartAction = 2; RestartThreshold = 0 }',
      'foreach ($k in $restart.Keys) { if ($checkRes.$k -ne $restart[$k]) { $checkRes.$k = $restart[$k]; $Changed.Add("$CheckResource $k = ' +
        '$($restart[$k])") } }',
      '',
      '# 4. Preferred owners in node order, failback, and the role online.',
      '$owners = @((Get-ClusterOwnerNode -Cluster $ClusterName -Group $Role).OwnerNodes | ForEach-Object { $_.Name })',
      "if (($owners -join ',') -ne ($Nodes -join ',')) {",
      '  Set-ClusterOwnerNode -Cluster $ClusterName -Group $Role -Owners $Nodes | Out-Null',
      `  $Changed.Add("owners of $Role = $($Nodes -join ', ')")`,
      '}',
      '$group = Get-ClusterGroup -Cluster $ClusterName -Name $Role',
      `# AutoFailbackType ${failback}: preemption ${cluster.preemption}, ${
        failback ? 'fail back to the first preferred owner' : 'stay where it runs'
      }; FailbackWindowStart/End -1: at once, not in a window`,
      `# of hours; FailoverThreshold ${Math.max(10, nodes.length * 5)} per FailoverPeriod 1 h: the default (nodes - 1 per 6 hours) leaves ` +
        `the role failed after a second failure.`,
      `$settings = [ordered]@{ AutoFailbackType = ${failback}; FailbackWindowStart = -1; FailbackWindowEnd = -1; FailoverThreshold = ` +
        `${Math.max(10, nodes.length * 5)}; FailoverPeriod = 1 }`,
      'foreach ($k in $settings.Keys) { if ($group.$k -ne $settings[$k]) { $group.$k = $settings[$k]; $Changed.Add("$Role $k = ' +
        '$($settings[$k])") } }',
      'if ($group.State -ne \'Online\') { Start-ClusterGroup -Cluster $ClusterName -Name $Role | Out-Null; $Changed.Add("started $Role") }',
      '',
      'if ($Changed.Count -eq 0) { Write-Host "identity-ha: $Role already matches this file: nothing changed." }',
      'else { Write-Host "identity-ha: changed: $($Changed -join \'; \')" }',
      "Get-ClusterGroup -Cluster $ClusterName -Name $Role | Format-Table -Property 'Name', 'OwnerNode', 'State'",
      '',
    ].join('\r\n');
  }

  public snippets(cluster: FailoverClusterModel): Snippet[] {
    return [
      { kind: 'wsfc', fileName: 'wsfc/wsfc.ps1', content: this.script(cluster) },
      ...cluster.nodeSet.nodes.map((n) => ({
        kind: 'wsfc',
        fileName: `wsfc/${this.checkService(cluster)}-${n.name}-${n.address.value.replace(/:/g, '-')}.xml`,
        content: this.watcherXml(cluster, { name: n.name, address: n.address.value }),
        node: n.name,
      })),
    ];
  }

  /**
   * Worst case from a service failure to the role coming online on a standby: `fall` failed checks
   * (interval x fall, plus the last one's timeout), then the Generic Service resource's state poll
   * (IsAlive, every 60 s by default; LooksAlive every 5 s sees a stopped service).
   */
  public estimate(cluster: FailoverClusterModel): FailoverEstimate {
    const c = cluster.check;
    const seconds = c.intervalSeconds * c.fall + c.intervalSeconds + 5;
    const failback =
      cluster.preemption === Preemption.ON
        ? {
            failbackSeconds: 0,
            failbackFormula:
              `when ${cluster.nodeSet.nodes[0].name} comes back online in the cluster (AutoFailbackType 1, no window); a node ` +
              `that stayed up gets the role back by Move-ClusterGroup`,
          }
        : { failbackSeconds: 0, failbackFormula: 'none: preemption off, the role stays where it runs' };
    return figuresEstimate(cluster.name, {
      platform: this.platform,
      seconds,
      ...failback,
      formula:
        `${c.intervalSeconds}s x ${c.fall} checks + ${c.intervalSeconds}s timeout + 5s LooksAlive = ${seconds}, then the service's ` +
        `start on the new owner`,
    });
  }
}
