# A stand-in for Windows' FailoverClusters module, which exists only on Windows Server: the cmdlets
# wsfc.ps1 calls, with the parameters it uses, so that its `#Requires -Modules FailoverClusters` is
# met and Pester can mock each one. Called without a mock, each throws: no test can pass by accident.
function Fail([string]$name) { throw "FailoverClusters stand-in: $name was called without a mock" }
function Get-Cluster { [CmdletBinding()] param([string]$Name) Fail 'Get-Cluster' }
function New-Cluster { [CmdletBinding()] param([string]$Name, [string[]]$Node, [string[]]$StaticAddress, [switch]$NoStorage) Fail 'New-Cluster' }
function Get-ClusterNode { [CmdletBinding()] param([string]$Cluster, [string]$Name) Fail 'Get-ClusterNode' }
function Add-ClusterNode { [CmdletBinding()] param([string]$Cluster, [string[]]$Name, [switch]$NoStorage) Fail 'Add-ClusterNode' }
function Get-ClusterGroup { [CmdletBinding()] param([string]$Cluster, [string]$Name) Fail 'Get-ClusterGroup' }
function Add-ClusterGenericServiceRole { [CmdletBinding()] param([string]$Cluster, [string]$ServiceName, [string]$Name, [string[]]$StaticAddress) Fail 'Add-ClusterGenericServiceRole' }
function Get-ClusterResource { [CmdletBinding()] param([string]$Cluster, [string]$Name) Fail 'Get-ClusterResource' }
function Add-ClusterResource { [CmdletBinding()] param([string]$Cluster, [string]$Name, [string]$ResourceType, [string]$Group) Fail 'Add-ClusterResource' }
function Get-ClusterParameter { [CmdletBinding()] param([Parameter(ValueFromPipeline = $true)]$InputObject, [string]$Name) process { Fail 'Get-ClusterParameter' } }
function Set-ClusterParameter { [CmdletBinding()] param([Parameter(ValueFromPipeline = $true)]$InputObject, [string]$Name, $Value) process { Fail 'Set-ClusterParameter' } }
function Get-ClusterResourceDependency { [CmdletBinding()] param([string]$Cluster, [string]$Resource) Fail 'Get-ClusterResourceDependency' }
function Set-ClusterResourceDependency { [CmdletBinding()] param([string]$Cluster, [string]$Resource, [string]$Dependency) Fail 'Set-ClusterResourceDependency' }
function Stop-ClusterResource { [CmdletBinding()] param([string]$Cluster, [string]$Name) Fail 'Stop-ClusterResource' }
function Get-ClusterOwnerNode { [CmdletBinding()] param([string]$Cluster, [string]$Group) Fail 'Get-ClusterOwnerNode' }
function Set-ClusterOwnerNode { [CmdletBinding()] param([string]$Cluster, [string]$Group, [string[]]$Owners) Fail 'Set-ClusterOwnerNode' }
function Start-ClusterGroup { [CmdletBinding()] param([string]$Cluster, [string]$Name) Fail 'Start-ClusterGroup' }
Export-ModuleMember -Function *-Cluster*
