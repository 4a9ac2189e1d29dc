<#
.SYNOPSIS
  Installs (or updates) the identity-ha probe sidecar as a Windows service on an IQService host, or
  (-Role proxy) the client-side failover proxy on an IdentityIQ or gateway host.

.DESCRIPTION
  Copies idha-shim.exe and nssm.exe to -InstallFolder, installs the service -ServiceName through
  NSSM with automatic start, restart on failure (1 s delay), a log folder with rotation, and a
  Ctrl+C stop so the shim closes its gates and drains before it exits. Opens the gate, priority,
  health and agent ports in Windows Firewall for -ProbeSources only. Running it again updates every setting.
  idha synth prints the exact command line for each host (snippets/<service>/hosts/<role>-<address>/install-command.txt).
  With -Role proxy it installs `idha-shim.exe proxy <ProxyArguments>` as the service -ServiceName (default idha-proxy)
  instead, with no firewall rule (the proxy listens on loopback); the lines are in
  snippets/<service>/clients/<name>/install-command.txt.

.EXAMPLE
  .\install.ps1 -Role primary -ServicePort 5050 -BindAddress 10.0.1.10 -ProbeSources 10.0.0.0/24
.EXAMPLE
  .\install.ps1 -Role secondary -ServicePort 5050 -BindAddress 10.0.2.10 -PeerUrl http://10.0.1.10:15051/healthz -ProbeSources 10.0.0.0/24
.EXAMPLE
  .\install.ps1 -Role proxy -ServiceName idha-proxy-iq -ProxyArguments '--listen 127.0.0.1:5050 --primary 10.0.1.10:5050 --secondary 10.0.2.10:5050'
#>
#Requires -Version 5.1
[CmdletBinding()]
param(
  # primary: the preferred host. secondary (or standby, the same): the other one. With -PeerUrl its priority gate opens only while the primary fails.
  # proxy: a client host's failover proxy (with -ProxyArguments; -ServicePort and -BindAddress are not used).
  [Parameter(Mandatory = $true)][ValidateSet('primary', 'secondary', 'standby', 'proxy')][string]$Role,
  # IQService's port on this host (the shim roles).
  [ValidateRange(1, 65535)][int]$ServicePort,
  # This host's address: the shim binds its ports here and watches IQService's listener on it (the shim roles).
  [string]$BindAddress = '',
  # -Role proxy: the arguments after `idha proxy`, exactly as idha synth wrote them.
  [string]$ProxyArguments = '',
  # The other host's shim health URL (--peer): enables the priority gate that Azure LB and AWS NLB probe. Empty: the health gate only.
  [string]$PeerUrl = '',
  # Source addresses (CIDR) of the balancers' probes, allowed in on the gate, health and agent ports.
  [string[]]$ProbeSources = @(),
  [ValidateRange(1, 65535)][int]$GatePort = 15050,
  [ValidateRange(1, 65535)][int]$PriorityPort = 15054,
  [ValidateRange(1, 65535)][int]$HealthPort = 15051,
  [ValidateRange(1, 65535)][int]$AgentPort = 15052,
  # Further shim flags exactly as idha synth prints them (timing, damping, reports).
  [string]$ExtraArguments = '',
  [string]$ServiceName = 'idha-shim',
  [string]$InstallFolder = (Join-Path $env:ProgramFiles 'identity-ha')
)
$ErrorActionPreference = 'Stop'

function Test-IdhaAdministrator {
  $identity = [Security.Principal.WindowsIdentity]::GetCurrent()
  (New-Object Security.Principal.WindowsPrincipal($identity)).IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)
}
if (-not (Test-IdhaAdministrator)) {
  Write-Error 'install.ps1 needs administrator rights: run it from an elevated PowerShell (Run as administrator).' -ErrorAction Continue
  exit 1
}
$isProxy = $Role -eq 'proxy'
if ($isProxy) {
  if (-not $ProxyArguments.Trim()) { throw "-Role proxy needs -ProxyArguments: the arguments after 'idha proxy' from clients\<name>\install-command.txt." }
  # Host:port pairs, URLs and numbers only: nothing that needs quoting on a service's command line.
  if ($ProxyArguments -notmatch '^[A-Za-z0-9 .:/\[\]_-]+$' -or $ProxyArguments.Trim() -notmatch '^--listen ') {
    throw "-ProxyArguments '$ProxyArguments' is not a proxy line: it starts with --listen and holds only flags, host:port pairs, URLs and numbers."
  }
  if (-not $PSBoundParameters.ContainsKey('ServiceName')) { $ServiceName = 'idha-proxy' }
} else {
  if (-not $PSBoundParameters.ContainsKey('ServicePort')) { throw "-Role $Role needs -ServicePort (IQService's port on this host)." }
  $address = $null
  if (-not [System.Net.IPAddress]::TryParse($BindAddress, [ref]$address)) { throw "-BindAddress '$BindAddress' is not an IP address (the socket table holds addresses, not names)." }
  if ($PeerUrl -and $PeerUrl -notmatch '^https?://\S+$') { throw "-PeerUrl '$PeerUrl' is not an http:// URL." }
}

New-Item -ItemType Directory -Force -Path $InstallFolder, (Join-Path $InstallFolder 'logs') | Out-Null
$exe = Join-Path $InstallFolder 'idha-shim.exe'
$nssm = Join-Path $InstallFolder 'nssm.exe'
$service = Get-Service -Name $ServiceName -ErrorAction SilentlyContinue
if ($service -and $service.Status -ne 'Stopped') { & $nssm stop $ServiceName | Out-Null }
foreach ($f in 'idha-shim.exe', 'nssm.exe') {
  if ((Resolve-Path (Join-Path $PSScriptRoot $f)).Path -ne (Join-Path $InstallFolder $f)) { Copy-Item -Force (Join-Path $PSScriptRoot $f) $InstallFolder }
}

if ($isProxy) {
  $line = 'proxy ' + (($ProxyArguments.Trim() -split '\s+') -join ' ')
} else {
  $shimArgs = @('shim', '--bind', $BindAddress, '--service-port', $ServicePort, '--service-host', $BindAddress,
    '--gate-port', $GatePort, '--health-port', $HealthPort, '--agent-port', $AgentPort)
  if ($PeerUrl) { $shimArgs += @('--role', $(if ($Role -eq 'primary') { 'primary' } else { 'secondary' }), '--peer', $PeerUrl, '--priority-port', $PriorityPort) }
  if ($ExtraArguments.Trim()) { $shimArgs += ($ExtraArguments.Trim() -split '\s+') }
  $line = ($shimArgs | ForEach-Object { "$_" }) -join ' '
}

if (-not $service) { & $nssm install $ServiceName $exe | Out-Null }
$log = Join-Path $InstallFolder $(if ($isProxy) { "logs\$ServiceName.log" } else { 'logs\idha-shim.log' })
$display = if ($isProxy) { "identity-ha failover proxy ($ServiceName)" } else { 'identity-ha probe sidecar' }
$about = if ($isProxy) { 'IQService connections to the primary, and to the secondary while the primary is down' } else { "IQService health for load balancer probes ($Role, port $ServicePort)" }
$settings = [ordered]@{
  Application = $exe; AppParameters = $line; AppDirectory = $InstallFolder
  DisplayName = $display; Description = $about
  Start = 'SERVICE_AUTO_START'; AppStdout = $log; AppStderr = $log; AppRotateFiles = '1'; AppRotateOnline = '1'; AppRotateBytes = '10485760'
  AppRestartDelay = '1000'; AppStopMethodSkip = '6'; AppStopMethodConsole = '15000'
}
foreach ($k in $settings.Keys) { & $nssm set $ServiceName $k $settings[$k] | Out-Null; if ($LASTEXITCODE -ne 0) { throw "nssm set $k failed ($LASTEXITCODE)" } }
& $nssm set $ServiceName AppExit Default Restart | Out-Null

$rule = "identity-ha $ServiceName"
Get-NetFirewallRule -DisplayName $rule -ErrorAction SilentlyContinue | Remove-NetFirewallRule
if ($isProxy) {
  if ($line -notmatch ' --listen (127\.\d+\.\d+\.\d+|\[::1\]):') { Write-Warning "The proxy listens on an address other than loopback: open its port to the IdentityIQ application only ($line)." }
} elseif ($ProbeSources.Count -gt 0) {
  New-NetFirewallRule -DisplayName $rule -Direction Inbound -Protocol TCP -LocalPort @($GatePort, $PriorityPort, $HealthPort, $AgentPort) -RemoteAddress $ProbeSources -Action Allow | Out-Null
} else {
  Write-Warning "No -ProbeSources given: no firewall rule added. The balancers' probes must reach TCP $GatePort, $PriorityPort, $HealthPort and $AgentPort on $BindAddress."
}

& $nssm start $ServiceName | Out-Null
Write-Host "identity-ha: $ServiceName installed and started ($Role): $exe $line"
if ($isProxy) { Write-Host "Log: $log" } else { Write-Host "Log: $log    Health: http://${BindAddress}:$HealthPort/healthz" }
