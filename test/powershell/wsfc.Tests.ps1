# wsfc.ps1 under Pester, every FailoverClusters cmdlet and Invoke-Command mocked over one fake cluster
# (nodes, roles, resources and their parameters). $Script is the generated script for the test
# topology; $Changed the script for the same cluster after a topology change (another VIP, service,
# node order and preemption off).
param([Parameter(Mandatory = $true)][string]$Script, [Parameter(Mandatory = $true)][string]$Changed, [Parameter(Mandatory = $true)][string]$NoAddress)


BeforeAll {
  $env:PSModulePath = (Join-Path $PSScriptRoot 'modules') + [IO.Path]::PathSeparator + $env:PSModulePath
  Import-Module FailoverClusters -Force

  # The fake cluster. Objects are PSCustomObjects: the script's property assignments land on them.
  function New-FakeWorld {
    $global:IdhaWorld = [pscustomobject]@{
      Cluster = $null                         # or @{ Name; Address }
      Members = [System.Collections.Generic.List[string]]::new()
      Groups = [System.Collections.Generic.List[object]]::new()
      Resources = [System.Collections.Generic.List[object]]::new()
      Services = @{ 'web-1' = @('Tomcat10', 'Tomcat11', 'idha-check-idm'); 'web-2' = @('Tomcat10', 'Tomcat11', 'idha-check-idm'); 'web-3' = @('Tomcat10', 'Tomcat11', 'idha-check-idm') }
    }
  }
  function New-FakeResource([string]$Name, [string]$Type, [string]$Group, [hashtable]$Params) {
    $r = [pscustomobject]@{ Name = $Name; ResourceType = [pscustomobject]@{ Name = $Type }; OwnerGroup = [pscustomobject]@{ Name = $Group }
      State = 'Offline'; RestartAction = 1; RestartThreshold = 1; Params = $Params; Dependency = '' }
    $global:IdhaWorld.Resources.Add($r)
    $r
  }
  function Get-Snapshot { $global:IdhaWorld | ConvertTo-Json -Depth 6 }

  function Set-Mocks {
    Mock Invoke-Command { if ($global:IdhaWorld.Services[$ComputerName[0]] -contains $ArgumentList[0]) { [pscustomobject]@{ Name = $ArgumentList[0] } } }
    Mock Get-Cluster { if ($global:IdhaWorld.Cluster -and $global:IdhaWorld.Cluster.Name -eq $Name) { $global:IdhaWorld.Cluster } }
    Mock New-Cluster { $global:IdhaCalls.Add('New-Cluster'); $global:IdhaWorld.Cluster = [pscustomobject]@{ Name = $Name; Address = $StaticAddress[0] }; $Node | ForEach-Object { $global:IdhaWorld.Members.Add($_) }; $global:IdhaWorld.Cluster }
    Mock Get-ClusterNode { $global:IdhaWorld.Members | ForEach-Object { [pscustomobject]@{ Name = $_ } } }
    Mock Add-ClusterNode { $global:IdhaCalls.Add('Add-ClusterNode'); $Name | ForEach-Object { $global:IdhaWorld.Members.Add($_) } }
    Mock Get-ClusterGroup { $global:IdhaWorld.Groups | Where-Object { $_.Name -eq $Name } }
    Mock Add-ClusterGenericServiceRole { $global:IdhaCalls.Add('Add-ClusterGenericServiceRole');
      $global:IdhaWorld.Groups.Add([pscustomobject]@{ Name = $Name; State = 'Offline'; Owners = @(); AutoFailbackType = 0; FailbackWindowStart = -1; FailbackWindowEnd = -1; FailoverThreshold = 4294967295; FailoverPeriod = 6 })
      New-FakeResource $Name 'Network Name' $Name @{ DnsName = $Name } | Out-Null
      New-FakeResource "IP Address $($StaticAddress[0])" 'IP Address' $Name @{ Address = $StaticAddress[0] } | Out-Null
      New-FakeResource $ServiceName 'Generic Service' $Name @{ ServiceName = $ServiceName } | Out-Null
    }
    Mock Get-ClusterResource { if ($Name) { $global:IdhaWorld.Resources | Where-Object { $_.Name -eq $Name } } else { $global:IdhaWorld.Resources } }
    Mock Add-ClusterResource { $global:IdhaCalls.Add('Add-ClusterResource'); New-FakeResource $Name $ResourceType $Group @{} }
    Mock Get-ClusterParameter { [pscustomobject]@{ Name = $Name; Value = $InputObject.Params[$Name] } }
    Mock Set-ClusterParameter { $global:IdhaCalls.Add('Set-ClusterParameter'); $InputObject.Params[$Name] = $Value }
    Mock Get-ClusterResourceDependency { [pscustomobject]@{ Resource = $Resource; DependencyExpression = ($global:IdhaWorld.Resources | Where-Object { $_.Name -eq $Resource }).Dependency } }
    Mock Set-ClusterResourceDependency { $global:IdhaCalls.Add('Set-ClusterResourceDependency'); ($global:IdhaWorld.Resources | Where-Object { $_.Name -eq $Resource }).Dependency = $Dependency }
    Mock Stop-ClusterResource { $global:IdhaCalls.Add('Stop-ClusterResource'); ($global:IdhaWorld.Resources | Where-Object { $_.Name -eq $Name }).State = 'Offline'; ($global:IdhaWorld.Groups | Where-Object { $_.Name -eq 'idm-web' }).State = 'PartialOnline' }
    Mock Get-ClusterOwnerNode { [pscustomobject]@{ OwnerNodes = @(($global:IdhaWorld.Groups | Where-Object { $_.Name -eq $Group }).Owners | ForEach-Object { [pscustomobject]@{ Name = $_ } }) } }
    Mock Set-ClusterOwnerNode { $global:IdhaCalls.Add('Set-ClusterOwnerNode'); ($global:IdhaWorld.Groups | Where-Object { $_.Name -eq $Group }).Owners = @($Owners) }
    Mock Start-ClusterGroup { $global:IdhaCalls.Add('Start-ClusterGroup'); $g = $global:IdhaWorld.Groups | Where-Object { $_.Name -eq $Name }; $g.State = 'Online'; $global:IdhaWorld.Resources | Where-Object { $_.OwnerGroup.Name -eq $Name } | ForEach-Object { $_.State = 'Online' } }
    Mock Write-Host { $global:IdhaSaid.Add("$Object") }
    Mock Format-Table { }
  }
}

Describe 'wsfc.ps1' {
  BeforeEach {
    New-FakeWorld
    $global:IdhaSaid = [System.Collections.Generic.List[string]]::new()
    $global:IdhaCalls = [System.Collections.Generic.List[string]]::new()
    Set-Mocks
  }

  It 'GIVEN no cluster WHEN it runs THEN it creates the cluster, the role on the VIP, the check resource depending on the service, the owners in node order and failback, and starts the role' {
    & $Script
    Should -Invoke New-Cluster -Times 1 -Exactly -ParameterFilter { $Name -eq 'idm-cl' -and ($Node -join ',') -eq 'web-1,web-2' -and $StaticAddress[0] -eq '10.0.4.5' -and $NoStorage }
    Should -Invoke Add-ClusterGenericServiceRole -Times 1 -Exactly -ParameterFilter { $Cluster -eq 'idm-cl' -and $ServiceName -eq 'Tomcat10' -and $Name -eq 'idm-web' -and $StaticAddress[0] -eq '10.0.4.10' }
    Should -Invoke Add-ClusterResource -Times 1 -Exactly -ParameterFilter { $Name -eq 'idm-web check' -and $ResourceType -eq 'Generic Service' -and $Group -eq 'idm-web' }
    Should -Invoke Set-ClusterParameter -Times 1 -Exactly -ParameterFilter { $Name -eq 'ServiceName' -and $Value -eq 'idha-check-idm' -and $InputObject.Name -eq 'idm-web check' }
    Should -Invoke Set-ClusterResourceDependency -Times 1 -Exactly -ParameterFilter { $Resource -eq 'idm-web check' -and $Dependency -eq '[Tomcat10]' }
    Should -Invoke Set-ClusterOwnerNode -Times 1 -Exactly -ParameterFilter { $Group -eq 'idm-web' -and ($Owners -join ',') -eq 'web-1,web-2' }
    Should -Invoke Start-ClusterGroup -Times 1 -Exactly -ParameterFilter { $Name -eq 'idm-web' }
    Should -Invoke Stop-ClusterResource -Times 0 -Exactly
    $check = $global:IdhaWorld.Resources | Where-Object { $_.Name -eq 'idm-web check' }
    $check.RestartAction | Should -Be 2
    $check.RestartThreshold | Should -Be 0
    $g = $global:IdhaWorld.Groups | Where-Object { $_.Name -eq 'idm-web' }
    $g.AutoFailbackType | Should -Be 1
    $g.FailbackWindowStart | Should -Be -1
    $g.FailoverThreshold | Should -Be 10
    $g.FailoverPeriod | Should -Be 1
    $g.State | Should -Be 'Online'
    $global:IdhaSaid | Should -Contain 'identity-ha: changed: created cluster idm-cl; created role idm-web; created resource idm-web check; idm-web check runs idha-check-idm; idm-web check depends on [Tomcat10]; idm-web check RestartAction = 2; idm-web check RestartThreshold = 0; owners of idm-web = web-1, web-2; idm-web AutoFailbackType = 1; idm-web FailoverThreshold = 10; idm-web FailoverPeriod = 1; started idm-web'
  }

  It 'GIVEN the cluster it made WHEN it runs again THEN it calls no cmdlet that changes anything, the cluster is as it was, and it says nothing changed' {
    & $Script
    $global:IdhaCalls.Count | Should -BeGreaterThan 5 -Because 'the first run changes the cluster (the log works)'
    $before = Get-Snapshot
    $global:IdhaCalls.Clear()
    & $Script
    $global:IdhaCalls | Should -BeNullOrEmpty -Because 'the second run calls no cmdlet that changes anything'
    Get-Snapshot | Should -Be $before
    $global:IdhaSaid | Should -Contain 'identity-ha: idm-web already matches this file: nothing changed.'
  }

  It 'GIVEN the cluster made from the first topology WHEN the script of the changed one runs THEN it converges (VIP, service, owners, failback, a new member) without recreating anything, and a third run changes nothing' {
    & $Script
    $global:IdhaWorld.Resources | Where-Object { $_.Name -like 'IP Address*' } | ForEach-Object { $_.State | Should -Be 'Online' }
    $global:IdhaCalls.Clear()
    & $Changed
    # Counts are over both runs (Pester counts per test): the first run made the cluster once and set none of these values.
    foreach ($c in 'New-Cluster', 'Add-ClusterGenericServiceRole', 'Add-ClusterResource') { Should -Invoke $c -Times 1 -Exactly -Because "${c}: made by the first run only, nothing is recreated" }
    Should -Invoke Add-ClusterNode -Times 1 -Exactly -ParameterFilter { ($Name -join ',') -eq 'web-3' }
    Should -Invoke Set-ClusterParameter -Times 1 -Exactly -ParameterFilter { $Name -eq 'Address' -and $Value -eq '10.0.4.20' }
    Should -Invoke Stop-ClusterResource -Times 1 -Exactly -ParameterFilter { $Name -like 'IP Address*' }
    Should -Invoke Set-ClusterParameter -Times 1 -Exactly -ParameterFilter { $Name -eq 'ServiceName' -and $Value -eq 'Tomcat11' }
    Should -Invoke Set-ClusterOwnerNode -Times 1 -Exactly -ParameterFilter { ($Owners -join ',') -eq 'web-2,web-1,web-3' }
    Should -Invoke Start-ClusterGroup -Times 2 -Exactly
    ($global:IdhaCalls | Sort-Object -Unique) -join ',' | Should -Be 'Add-ClusterNode,Set-ClusterOwnerNode,Set-ClusterParameter,Start-ClusterGroup,Stop-ClusterResource'
    ($global:IdhaWorld.Groups | Where-Object { $_.Name -eq 'idm-web' }).AutoFailbackType | Should -Be 0
    ($global:IdhaWorld.Resources | Where-Object { $_.ResourceType.Name -eq 'IP Address' }).Params.Address | Should -Be '10.0.4.20'
    $before = Get-Snapshot
    $global:IdhaCalls.Clear()
    & $Changed
    $global:IdhaCalls | Should -BeNullOrEmpty -Because 'the run after converging changes nothing'
    Get-Snapshot | Should -Be $before
  }

  It 'GIVEN a node without the check service WHEN it runs THEN it stops before changing anything, naming the node and the service' {
    $global:IdhaWorld.Services['web-2'] = @('Tomcat10', 'Tomcat11')
    { & $Script } | Should -Throw '*Service idha-check-idm is not installed on web-2*'
    $global:IdhaCalls | Should -BeNullOrEmpty
  }

  It 'GIVEN no cluster and no clusterAddress in the topology WHEN it runs THEN it stops and says to create the cluster or set clusterAddress' {
    { & $NoAddress } | Should -Throw '*does not exist and no clusterAddress was given*'
    $global:IdhaCalls | Should -BeNullOrEmpty
  }

  It 'GIVEN a cluster with a member the file does not name WHEN it runs THEN it warns and keeps the member' {
    $global:IdhaWorld.Cluster = [pscustomobject]@{ Name = 'idm-cl'; Address = '10.0.4.5' }
    'web-1', 'web-2', 'web-9' | ForEach-Object { $global:IdhaWorld.Members.Add($_) }
    Mock Write-Warning { $global:IdhaSaid.Add("WARNING $Message") }
    & $Script
    $global:IdhaSaid | Should -Contain 'WARNING Node web-9 is a member of idm-cl but not in this file: it stays a member and is no preferred owner of idm-web (Remove-ClusterNode evicts it).'
    $global:IdhaWorld.Members | Should -Contain 'web-9'
    Should -Invoke New-Cluster -Times 0 -Exactly
    Should -Invoke Add-ClusterNode -Times 0 -Exactly
  }
}
