<#
.SYNOPSIS
  Stops and removes the identity-ha probe sidecar service (or, with -ServiceName, a failover proxy
  service) and its firewall rule. The install folder and its logs stay unless -RemoveFiles is given;
  then only the files install.ps1 put there go (idha-shim.exe, nssm.exe and the service's
  logs\<ServiceName>*.log files), and each folder only when empty. Give -RemoveFiles with the last
  identity-ha service of the host: the others run the same exe.
#>
#Requires -Version 5.1
[CmdletBinding()]
param(
  [string]$ServiceName = 'idha-shim',
  [string]$InstallFolder = (Join-Path $env:ProgramFiles 'identity-ha'),
  [switch]$RemoveFiles
)
$ErrorActionPreference = 'Stop'
function Test-IdhaAdministrator {
  $identity = [Security.Principal.WindowsIdentity]::GetCurrent()
  (New-Object Security.Principal.WindowsPrincipal($identity)).IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)
}
if (-not (Test-IdhaAdministrator)) {
  Write-Error 'uninstall.ps1 needs administrator rights: run it from an elevated PowerShell.' -ErrorAction Continue
  exit 1
}
$nssm = Join-Path $InstallFolder 'nssm.exe'
if (Get-Service -Name $ServiceName -ErrorAction SilentlyContinue) {
  & $nssm stop $ServiceName | Out-Null
  & $nssm remove $ServiceName confirm | Out-Null
  if ($LASTEXITCODE -ne 0) { throw "nssm remove $ServiceName failed ($LASTEXITCODE)" }
}
Get-NetFirewallRule -DisplayName "identity-ha $ServiceName" -ErrorAction SilentlyContinue | Remove-NetFirewallRule
if ($RemoveFiles) {
  # Only what install.ps1 wrote: a file of your own in the folder stays, and so does the folder then.
  $logs = Join-Path $InstallFolder 'logs'
  foreach ($f in @((Join-Path $InstallFolder 'idha-shim.exe'), (Join-Path $InstallFolder 'nssm.exe'))) { if (Test-Path -LiteralPath $f) { Remove-Item -LiteralPath $f -Force } }
  if (Test-Path -LiteralPath $logs) { Get-ChildItem -LiteralPath $logs -Filter "$ServiceName*.log" -File | Remove-Item -Force }
  foreach ($d in @($logs, $InstallFolder)) {
    if ((Test-Path -LiteralPath $d) -and -not (Get-ChildItem -LiteralPath $d -Force | Select-Object -First 1)) { Remove-Item -LiteralPath $d -Force }
    elseif (Test-Path -LiteralPath $d) { Write-Warning "$d keeps files identity-ha did not write; it stays." }
  }
}
Write-Host "identity-ha: $ServiceName removed"
