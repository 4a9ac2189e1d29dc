# Parses each file named in -ListFile (one path per line) with PowerShell's own parser, and prints one
# JSON array: for each file its path and every parse error (line:column, error id, message). Nothing
# in the files is run.
param([Parameter(Mandatory = $true)][string]$ListFile)
$ErrorActionPreference = 'Stop'
$result = foreach ($p in (Get-Content -LiteralPath $ListFile | Where-Object { $_ })) {
  $tokens = $null
  $errors = $null
  [void][System.Management.Automation.Language.Parser]::ParseInput((Get-Content -Raw -LiteralPath $p), $p, [ref]$tokens, [ref]$errors)
  [pscustomobject]@{ path = $p; errors = @($errors | ForEach-Object { "$($_.Extent.StartLineNumber):$($_.Extent.StartColumnNumber) $($_.ErrorId): $($_.Message)" }) }
}
ConvertTo-Json -InputObject @($result) -Depth 4 -Compress
