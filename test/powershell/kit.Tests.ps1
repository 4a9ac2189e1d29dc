# install.ps1 and uninstall.ps1 (the Windows host kit) under Pester: a kit folder with the two
# scripts, a stand-in nssm.exe (test/powershell/nssm-standin.sh: it records each call and keeps the
# services' settings) and a dummy idha-shim.exe; Get-Service, the Windows Firewall cmdlets and the
# administrator check mocked over a fake service table and firewall. $Windows is the folder with the
# scripts; $InstallLine is an install-command.txt line that idha synth wrote.
# $ProxyLine is a client host's install-command.txt line (-Role proxy).
param([Parameter(Mandatory = $true)][string]$Windows, [Parameter(Mandatory = $true)][string]$InstallLine, [Parameter(Mandatory = $true)][string]$ProxyLine)

BeforeAll {
  # Windows-only commands, so that Pester can mock them here; called without a mock, each throws.
  function global:Get-Service { [CmdletBinding()] param([string]$Name) throw 'Get-Service called without a mock' }
  function global:Get-NetFirewallRule { [CmdletBinding()] param([string]$DisplayName) throw 'Get-NetFirewallRule called without a mock' }
  function global:New-NetFirewallRule { [CmdletBinding()] param([string]$DisplayName, [string]$Direction, [string]$Protocol, [string[]]$LocalPort, [string[]]$RemoteAddress, [string]$Action) throw 'New-NetFirewallRule called without a mock' }
  function global:Remove-NetFirewallRule { [CmdletBinding()] param([Parameter(ValueFromPipeline = $true)]$InputObject) process { throw 'Remove-NetFirewallRule called without a mock' } }
  function global:Test-IdhaAdministrator { $true }

  function New-Kit {
    $global:Kit = Join-Path $TestDrive ([guid]::NewGuid().ToString('n'))
    $global:Pf = Join-Path $global:Kit 'pf'
    New-Item -ItemType Directory -Path $global:Kit, (Join-Path $global:Kit 'state') | Out-Null
    Copy-Item (Join-Path $Windows 'install.ps1'), (Join-Path $Windows 'uninstall.ps1') $global:Kit
    Copy-Item (Join-Path $PSScriptRoot 'nssm-standin.sh') (Join-Path $global:Kit 'nssm.exe')
    & chmod 755 (Join-Path $global:Kit 'nssm.exe')
    Set-Content -LiteralPath (Join-Path $global:Kit 'idha-shim.exe') -Value 'not a real exe'
    $env:IDHA_NSSM_LOG = Join-Path $global:Kit 'nssm.log'
    $env:IDHA_NSSM_STATE = Join-Path $global:Kit 'state'
    $global:Firewall = [System.Collections.Generic.List[object]]::new()
  }
  function Get-NssmCalls { if (Test-Path $env:IDHA_NSSM_LOG) { @(Get-Content $env:IDHA_NSSM_LOG) } else { @() } }
  function Get-NssmSettings([string]$Service = 'idha-shim') {
    $d = Join-Path $env:IDHA_NSSM_STATE $Service
    $h = [ordered]@{}
    if (Test-Path $d) { Get-ChildItem $d | Sort-Object Name | ForEach-Object { $h[$_.Name] = Get-Content -Raw $_.FullName } }
    $h
  }
  function Get-State { [pscustomobject]@{ Nssm = Get-NssmSettings; Firewall = $global:Firewall } | ConvertTo-Json -Depth 5 }
  function Set-Mocks {
    Mock Get-Service { $d = Join-Path $env:IDHA_NSSM_STATE $Name; if (Test-Path $d) { [pscustomobject]@{ Name = $Name; Status = (Get-Content (Join-Path $d 'status')).Trim() } } }
    Mock Get-NetFirewallRule { $found = @($global:Firewall | Where-Object { $_.DisplayName -eq $DisplayName }); $found }
    Mock New-NetFirewallRule { $global:Firewall.Add([pscustomobject]@{ DisplayName = $DisplayName; Direction = $Direction; Protocol = $Protocol; LocalPort = @($LocalPort); RemoteAddress = @($RemoteAddress); Action = $Action }) }
    Mock Remove-NetFirewallRule { [void]$global:Firewall.Remove($InputObject) }
    Mock Write-Host { }
    Mock Write-Warning { $global:Warned.Add("$Message") }
    # The script's own Test-IdhaAdministrator asks Windows; a mock (an alias) comes before it.
    Mock Test-IdhaAdministrator { $true }
  }
  function Install([hashtable]$More = @{}) {
    $a = @{ Role = 'primary'; ServicePort = 5050; BindAddress = '10.0.1.10'; ProbeSources = @('10.0.0.0/24', '168.63.129.16/32'); InstallFolder = $global:Pf }
    foreach ($k in $More.Keys) { $a[$k] = $More[$k] }
    & (Join-Path $global:Kit 'install.ps1') @a
  }
}

Describe 'install.ps1' {
  BeforeEach { New-Kit; $global:Warned = [System.Collections.Generic.List[string]]::new(); Set-Mocks }

  It 'GIVEN a fresh host WHEN it runs THEN it copies the exe and nssm, installs the service through nssm with the shim line, automatic start and restart, opens the four ports to the probe sources only, and starts it' {
    Install
    Test-Path (Join-Path $global:Pf 'idha-shim.exe') | Should -BeTrue
    Test-Path (Join-Path $global:Pf 'nssm.exe') | Should -BeTrue
    $calls = Get-NssmCalls
    $calls[0] | Should -Be "install`tidha-shim`t$(Join-Path $global:Pf 'idha-shim.exe')"
    $calls[-1] | Should -Be "start`tidha-shim"
    $s = Get-NssmSettings
    $s.AppParameters | Should -Be 'shim --bind 10.0.1.10 --service-port 5050 --service-host 10.0.1.10 --gate-port 15050 --health-port 15051 --agent-port 15052'
    $s.Start | Should -Be 'SERVICE_AUTO_START'
    $s.AppExit | Should -Be 'Default Restart'
    $s.AppStopMethodConsole | Should -Be '15000'
    $s.status.Trim() | Should -Be 'Running'
    $global:Firewall.Count | Should -Be 1
    $global:Firewall[0].DisplayName | Should -Be 'identity-ha idha-shim'
    ($global:Firewall[0].LocalPort -join ',') | Should -Be '15050,15054,15051,15052'
    ($global:Firewall[0].RemoteAddress -join ',') | Should -Be '10.0.0.0/24,168.63.129.16/32'
  }

  It 'GIVEN it installed WHEN it runs again with the same arguments THEN the service is not installed twice and its settings and the firewall end as they were' {
    Install
    $before = Get-State
    Remove-Item $env:IDHA_NSSM_LOG
    Install
    Get-NssmCalls | Where-Object { $_ -like "install`t*" } | Should -BeNullOrEmpty
    Get-State | Should -Be $before
  }

  It 'GIVEN a primary installed WHEN it runs as the standby with a peer URL and other probe sources THEN the shim line and the firewall rule converge to the new ones (one rule)' {
    Install
    Install -More @{ Role = 'standby'; PeerUrl = 'http://10.0.2.10:15051/healthz'; ProbeSources = @('10.9.0.0/16') }
    (Get-NssmSettings).AppParameters | Should -Be 'shim --bind 10.0.1.10 --service-port 5050 --service-host 10.0.1.10 --gate-port 15050 --health-port 15051 --agent-port 15052 --role secondary --peer http://10.0.2.10:15051/healthz --priority-port 15054'
    $global:Firewall.Count | Should -Be 1
    ($global:Firewall[0].RemoteAddress -join ',') | Should -Be '10.9.0.0/16'
  }

  It 'GIVEN no -ProbeSources THEN no firewall rule, and a warning naming the four ports' {
    $a = @{ Role = 'primary'; ServicePort = 5050; BindAddress = '10.0.1.10'; InstallFolder = $global:Pf }
    & (Join-Path $global:Kit 'install.ps1') @a
    $global:Firewall.Count | Should -Be 0
    $global:Warned | Should -Contain "No -ProbeSources given: no firewall rule added. The balancers' probes must reach TCP 15050, 15054, 15051 and 15052 on 10.0.1.10."
  }

  It 'GIVEN a PowerShell that is not elevated THEN it exits 1 before it copies or installs anything' {
    Mock Test-IdhaAdministrator { $false }
    Mock Write-Error { }
    Install
    $LASTEXITCODE | Should -Be 1
    Test-Path $global:Pf | Should -BeFalse
    Get-NssmCalls | Should -BeNullOrEmpty
  }

  It 'GIVEN -BindAddress that is a name THEN it stops, saying the socket table holds addresses, before it copies anything' {
    { & (Join-Path $global:Kit 'install.ps1') -Role primary -ServicePort 5050 -BindAddress 'iq-1.corp.example' -InstallFolder $global:Pf } | Should -Throw "*is not an IP address*"
    Test-Path $global:Pf | Should -BeFalse
  }

  It 'GIVEN the install-command.txt line idha synth wrote THEN it runs as written (with -InstallFolder added) and the shim line carries every flag of the line' {
    Push-Location $global:Kit
    try { Invoke-Expression "$InstallLine -InstallFolder '$($global:Pf)'" } finally { Pop-Location }
    $p = (Get-NssmSettings).AppParameters
    $p | Should -Match '^shim --bind \S+ --service-port 5050 '
    foreach ($m in [regex]::Matches($InstallLine, "-ExtraArguments '([^']*)'")) { $p | Should -BeLike "*$($m.Groups[1].Value)*" }
    (Get-NssmSettings).status.Trim() | Should -Be 'Running'
  }
}

Describe 'install.ps1 -Role proxy (a client host of strategy client-side)' {
  BeforeEach { New-Kit; $global:Warned = [System.Collections.Generic.List[string]]::new(); Set-Mocks }

  It 'GIVEN the line idha synth wrote for a Windows client THEN it installs idha-shim.exe proxy with exactly those arguments as its own service, adds no firewall rule, and starts it' {
    Push-Location $global:Kit
    try { Invoke-Expression "$ProxyLine -InstallFolder '$($global:Pf)'" } finally { Pop-Location }
    $name = [regex]::Match($ProxyLine, '-ServiceName (\S+)').Groups[1].Value
    $proxyArgs = [regex]::Match($ProxyLine, "-ProxyArguments '([^']*)'").Groups[1].Value
    $name | Should -Be 'idha-proxy-iq'
    $s = Get-NssmSettings $name
    $s.AppParameters | Should -Be "proxy $proxyArgs"
    $s.AppParameters | Should -Match '^proxy --listen 127\.0\.0\.1:5050 --primary 10\.0\.1\.10:5050 --secondary 10\.0\.2\.10:5050 --primary-health '
    $s.Application | Should -Be (Join-Path $global:Pf 'idha-shim.exe')
    $s.AppStdout | Should -Be (Join-Path $global:Pf 'logs\idha-proxy-iq.log')
    $s.AppStopMethodConsole | Should -Be '15000'
    $s.status.Trim() | Should -Be 'Running'
    $global:Firewall.Count | Should -Be 0
    $global:Warned | Should -BeNullOrEmpty
    Test-Path (Join-Path $env:IDHA_NSSM_STATE 'idha-shim') | Should -BeFalse
  }

  It 'GIVEN -Role proxy without -ProxyArguments, or with a quote or a ; in them THEN it stops before it copies anything; the neighbour with a plain line installs' {
    { & (Join-Path $global:Kit 'install.ps1') -Role proxy -InstallFolder $global:Pf } | Should -Throw '*needs -ProxyArguments*'
    { & (Join-Path $global:Kit 'install.ps1') -Role proxy -ProxyArguments '--listen 127.0.0.1:5050; calc' -InstallFolder $global:Pf } | Should -Throw '*is not a proxy line*'
    { & (Join-Path $global:Kit 'install.ps1') -Role proxy -ProxyArguments '--listen "127.0.0.1:5050"' -InstallFolder $global:Pf } | Should -Throw '*is not a proxy line*'
    Test-Path $global:Pf | Should -BeFalse
    & (Join-Path $global:Kit 'install.ps1') -Role proxy -ProxyArguments '--listen 127.0.0.1:5050 --primary 10.0.1.10:5050 --secondary 10.0.2.10:5050' -InstallFolder $global:Pf
    (Get-NssmSettings 'idha-proxy').AppParameters | Should -Be 'proxy --listen 127.0.0.1:5050 --primary 10.0.1.10:5050 --secondary 10.0.2.10:5050'
  }

  It 'GIVEN a proxy that listens beyond loopback THEN a warning says to open its port to the application only' {
    & (Join-Path $global:Kit 'install.ps1') -Role proxy -ProxyArguments '--listen 10.20.0.11:5050 --primary 10.0.1.10:5050 --secondary 10.0.2.10:5050' -InstallFolder $global:Pf
    ($global:Warned -join ' ') | Should -BeLike '*other than loopback*'
  }

  It 'GIVEN a shim role without -ServicePort THEN it stops naming it (the parameter is no longer mandatory for every role)' {
    { & (Join-Path $global:Kit 'install.ps1') -Role primary -BindAddress 10.0.1.10 -InstallFolder $global:Pf } | Should -Throw '*needs -ServicePort*'
    Test-Path $global:Pf | Should -BeFalse
  }
}

Describe 'uninstall.ps1' {
  BeforeEach { New-Kit; $global:Warned = [System.Collections.Generic.List[string]]::new(); Set-Mocks; Install; Remove-Item $env:IDHA_NSSM_LOG }

  It 'GIVEN the kit installed WHEN it runs THEN the service is stopped and removed, the firewall rule is gone, and every file stays' {
    & (Join-Path $global:Kit 'uninstall.ps1') -InstallFolder $global:Pf
    Get-NssmCalls | Should -Be @("stop`tidha-shim", "remove`tidha-shim`tconfirm")
    (Get-NssmSettings).Count | Should -Be 0
    $global:Firewall.Count | Should -Be 0
    Test-Path (Join-Path $global:Pf 'idha-shim.exe') | Should -BeTrue
  }

  It 'GIVEN -RemoveFiles and a file of the user in the install folder THEN only the files install.ps1 wrote go; the user''s file and its folder stay, with a warning' {
    Set-Content -LiteralPath (Join-Path $global:Pf 'notes.txt') -Value 'mine'
    Set-Content -LiteralPath (Join-Path $global:Pf 'logs' 'idha-shim-20261201T000000.log') -Value 'rotated'
    & (Join-Path $global:Kit 'uninstall.ps1') -InstallFolder $global:Pf -RemoveFiles
    Test-Path (Join-Path $global:Pf 'notes.txt') | Should -BeTrue
    Test-Path (Join-Path $global:Pf 'idha-shim.exe') | Should -BeFalse
    Test-Path (Join-Path $global:Pf 'nssm.exe') | Should -BeFalse
    Test-Path (Join-Path $global:Pf 'logs') | Should -BeFalse
    $global:Warned | Should -Contain "$($global:Pf) keeps files identity-ha did not write; it stays."
  }

  It 'GIVEN -RemoveFiles and nothing else in the folder THEN the folder goes too' {
    & (Join-Path $global:Kit 'uninstall.ps1') -InstallFolder $global:Pf -RemoveFiles
    Test-Path $global:Pf | Should -BeFalse
  }
}
