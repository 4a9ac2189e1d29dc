<#
.SYNOPSIS
  Stops and removes the identity-ha probe sidecar service and its firewall rule. The install folder
  and its logs stay unless -RemoveFiles is given.
#>
#Requires -Version 5.1
[CmdletBinding()]
param(
  [string]$ServiceName = 'idha-shim',
  [string]$InstallFolder = (Join-Path $env:ProgramFiles 'identity-ha'),
  [switch]$RemoveFiles
)
$ErrorActionPreference = 'Stop'
$identity = [Security.Principal.WindowsIdentity]::GetCurrent()
if (-not (New-Object Security.Principal.WindowsPrincipal($identity)).IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)) {
  Write-Error 'uninstall.ps1 needs administrator rights: run it from an elevated PowerShell.'
  exit 1
}
$nssm = Join-Path $InstallFolder 'nssm.exe'
if (Get-Service -Name $ServiceName -ErrorAction SilentlyContinue) {
  & $nssm stop $ServiceName | Out-Null
  & $nssm remove $ServiceName confirm | Out-Null
  if ($LASTEXITCODE -ne 0) { throw "nssm remove $ServiceName failed ($LASTEXITCODE)" }
}
Get-NetFirewallRule -DisplayName "identity-ha $ServiceName" -ErrorAction SilentlyContinue | Remove-NetFirewallRule
if ($RemoveFiles) { Remove-Item -Recurse -Force $InstallFolder }
Write-Host "identity-ha: $ServiceName removed"
