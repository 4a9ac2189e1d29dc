# identity-ha idm-win: Windows Server Failover Cluster role for Tomcat10 on idm-web1, idm-web2.
# Before you run it, on every node: the Failover Clustering feature (Install-WindowsFeature Failover-Clustering -IncludeManagementTools),
# the service Tomcat10 installed with start type Manual, and the check service idha-check-idm-win installed from wsfc\idha-check-idm-win-<node>-<address>.xml.
# Run it in an elevated Windows PowerShell on one node. Each step compares the cluster with this file and changes only
# what differs (it says what it changed); a second run changes nothing. It never evicts a node or deletes a resource.
#Requires -RunAsAdministrator
#Requires -Modules FailoverClusters
$ErrorActionPreference = 'Stop'
$ClusterName = 'idm-cluster'
$ClusterAddress = '10.0.4.5'
$Nodes = @('idm-web1', 'idm-web2')   # preferred first
$Role = 'idm-web'                 # the client access point's network name
$VirtualIp = '10.0.4.10'
$ServiceName = 'Tomcat10'
$CheckService = 'idha-check-idm-win'
$CheckResource = "$Role check"
$Changed = New-Object System.Collections.Generic.List[string]

# 0. Every node has both services.
foreach ($n in $Nodes) {
  foreach ($s in @($ServiceName, $CheckService)) {
    $found = Invoke-Command -ComputerName $n -ScriptBlock { param($name) Get-Service -Name $name -ErrorAction SilentlyContinue } -ArgumentList $s
    if (-not $found) { throw "Service $s is not installed on ${n}: install it there first (start type Manual)." }
  }
}

# 1. The cluster: created, or joined by the nodes it lacks. A member this file does not name stays (it is no owner of the role).
$cluster = Get-Cluster -Name $ClusterName -ErrorAction SilentlyContinue
if (-not $cluster) {
  if (-not $ClusterAddress) { throw "Cluster $ClusterName does not exist and no clusterAddress was given: create it, or set clusterAddress in the topology." }
  New-Cluster -Name $ClusterName -Node $Nodes -StaticAddress $ClusterAddress -NoStorage | Out-Null
  $Changed.Add("created cluster $ClusterName")
} else {
  $members = @(Get-ClusterNode -Cluster $ClusterName | ForEach-Object { $_.Name })
  foreach ($n in $Nodes) { if ($members -notcontains $n) { Add-ClusterNode -Cluster $ClusterName -Name $n -NoStorage | Out-Null; $Changed.Add("added node $n") } }
  foreach ($m in $members) { if ($Nodes -notcontains $m) { Write-Warning "Node $m is a member of $ClusterName but not in this file: it stays a member and is no preferred owner of $Role (Remove-ClusterNode evicts it)." } }
}

# 2. The role: a client access point (network name and virtual IP) and the service.
if (-not (Get-ClusterGroup -Cluster $ClusterName -Name $Role -ErrorAction SilentlyContinue)) {
  Add-ClusterGenericServiceRole -Cluster $ClusterName -ServiceName $ServiceName -Name $Role -StaticAddress $VirtualIp | Out-Null
  $Changed.Add("created role $Role")
}
$resources = @(Get-ClusterResource -Cluster $ClusterName | Where-Object { $_.OwnerGroup.Name -eq $Role })
$service = $resources | Where-Object { $_.ResourceType.Name -eq 'Generic Service' -and $_.Name -ne $CheckResource } | Select-Object -First 1
if (-not $service) { throw "Role $Role has no Generic Service resource for $ServiceName." }
if (($service | Get-ClusterParameter -Name ServiceName).Value -ne $ServiceName) {
  $service | Set-ClusterParameter -Name ServiceName -Value $ServiceName
  $Changed.Add("service of $Role set to $ServiceName")
}
$ip = $resources | Where-Object { $_.ResourceType.Name -eq 'IP Address' } | Select-Object -First 1
if (-not $ip) { throw "Role $Role has no IP Address resource." }
if (($ip | Get-ClusterParameter -Name Address).Value -ne $VirtualIp) {
  $ip | Set-ClusterParameter -Name Address -Value $VirtualIp
  # An IP Address resource takes its new address when it next comes online (step 4 starts the role again).
  if ($ip.State -eq 'Online') { Stop-ClusterResource -Cluster $ClusterName -Name $ip.Name | Out-Null }
  $Changed.Add("virtual IP of $Role set to $VirtualIp")
}

# 3. The health check: idha check --watch as a Generic Service resource that needs the service. It ends after 2 failed
#    checks (every 2 s); the resource then fails, and the role moves at once (no restart on this node).
$checkRes = Get-ClusterResource -Cluster $ClusterName -Name $CheckResource -ErrorAction SilentlyContinue
if (-not $checkRes) {
  $checkRes = Add-ClusterResource -Cluster $ClusterName -Name $CheckResource -ResourceType 'Generic Service' -Group $Role
  $Changed.Add("created resource $CheckResource")
}
if (($checkRes | Get-ClusterParameter -Name ServiceName).Value -ne $CheckService) {
  $checkRes | Set-ClusterParameter -Name ServiceName -Value $CheckService
  $Changed.Add("$CheckResource runs $CheckService")
}
$dependency = "[$($service.Name)]"
if ((Get-ClusterResourceDependency -Cluster $ClusterName -Resource $CheckResource).DependencyExpression -ne $dependency) {
  Set-ClusterResourceDependency -Cluster $ClusterName -Resource $CheckResource -Dependency $dependency | Out-Null
  $Changed.Add("$CheckResource depends on $dependency")
}
# On failure: fail over when the restart threshold is reached (RestartAction 2), which is the first failure (0).
$restart = [ordered]@{ RestartAction = 2; RestartThreshold = 0 }
foreach ($k in $restart.Keys) { if ($checkRes.$k -ne $restart[$k]) { $checkRes.$k = $restart[$k]; $Changed.Add("$CheckResource $k = $($restart[$k])") } }

# 4. Preferred owners in node order, failback, and the role online.
$owners = @((Get-ClusterOwnerNode -Cluster $ClusterName -Group $Role).OwnerNodes | ForEach-Object { $_.Name })
if (($owners -join ',') -ne ($Nodes -join ',')) {
  Set-ClusterOwnerNode -Cluster $ClusterName -Group $Role -Owners $Nodes | Out-Null
  $Changed.Add("owners of $Role = $($Nodes -join ', ')")
}
$group = Get-ClusterGroup -Cluster $ClusterName -Name $Role
# AutoFailbackType 1: preemption on, fail back to the first preferred owner; FailbackWindowStart/End -1: at once, not in a window
# of hours; FailoverThreshold 10 per FailoverPeriod 1 h: the default (nodes - 1 per 6 hours) leaves the role failed after a second failure.
$settings = [ordered]@{ AutoFailbackType = 1; FailbackWindowStart = -1; FailbackWindowEnd = -1; FailoverThreshold = 10; FailoverPeriod = 1 }
foreach ($k in $settings.Keys) { if ($group.$k -ne $settings[$k]) { $group.$k = $settings[$k]; $Changed.Add("$Role $k = $($settings[$k])") } }
if ($group.State -ne 'Online') { Start-ClusterGroup -Cluster $ClusterName -Name $Role | Out-Null; $Changed.Add("started $Role") }

if ($Changed.Count -eq 0) { Write-Host "identity-ha: $Role already matches this file: nothing changed." }
else { Write-Host "identity-ha: changed: $($Changed -join '; ')" }
Get-ClusterGroup -Cluster $ClusterName -Name $Role | Format-Table -Property 'Name', 'OwnerNode', 'State'
