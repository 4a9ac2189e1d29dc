// Real PowerShell for the tests: the PowerShell .NET global tool (7.6.10) and Pester 6.2.0 restored
// from NuGet, both installed by .ci/run (dotnet tool update -g PowerShell --version 7.6.10; dotnet
// restore tools/pester/pester.csproj). A missing one fails the test that needs it, naming the command.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { REPO } from './helpers';

export const PESTER_VERSION = '6.2.0';

/** The pwsh executable: $PWSH, pwsh on PATH, or the .NET tools folder. */
export function pwshPath(): string | undefined {
  const candidates = [
    process.env.PWSH,
    ...(process.env.PATH ?? '').split(path.delimiter).map((d) => path.join(d, 'pwsh')),
    path.join(os.homedir(), '.dotnet', 'tools', 'pwsh'),
  ];
  return candidates.find((c): c is string => !!c && fs.existsSync(c));
}

/** Pester's module manifest in the NuGet packages folder. */
export function pesterManifest(): string | undefined {
  const root = process.env.NUGET_PACKAGES ?? path.join(os.homedir(), '.nuget', 'packages');
  const f = path.join(root, 'pester', PESTER_VERSION, 'tools', 'Pester.psd1');
  return fs.existsSync(f) ? f : undefined;
}

export function requirePwsh(): string {
  const p = pwshPath();
  assert.ok(p, 'PowerShell (pwsh) is missing: .ci/run installs it with dotnet tool update -g PowerShell --version 7.6.10');
  return p;
}

/** Each file's parse errors from PowerShell's own parser ([] when it parses), in one pwsh run. */
export function parseErrors(files: readonly string[]): Map<string, string[]> {
  const pwsh = requirePwsh();
  const list = path.join(os.tmpdir(), `idha-parse-${process.pid}-${Date.now()}.txt`);
  fs.writeFileSync(list, files.join('\n'));
  const r = spawnSync(pwsh, ['-NoProfile', '-NonInteractive', '-File', path.join(REPO, 'test', 'powershell', 'parse.ps1'), '-ListFile', list], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, NO_COLOR: '1' },
  });
  fs.rmSync(list, { force: true });
  assert.equal(r.status, 0, `pwsh parse.ps1: ${r.stderr}${r.stdout}`);
  const parsed = JSON.parse(r.stdout) as Array<{ path: string; errors: string[] }>;
  return new Map(parsed.map((x) => [x.path, x.errors]));
}

/** Runs one Pester file with `data` passed to it; resolves to Pester's result (counts and failures). */
export function runPester(testFile: string, data: Record<string, string> = {}): { passed: number; failed: number; output: string } {
  const pwsh = requirePwsh();
  const pester = pesterManifest();
  assert.ok(pester, `Pester ${PESTER_VERSION} is missing: .ci/run restores it with dotnet restore tools/pester/pester.csproj`);
  const script = [
    '$ErrorActionPreference = "Stop"',
    `Import-Module ${psq(pester)} -RequiredVersion ${PESTER_VERSION}`,
    '$c = New-PesterConfiguration',
    `$c.Run.Container = New-PesterContainer -Path ${psq(testFile)} -Data @{ ${Object.entries(data)
      .map(([k, v]) => `${k} = ${psq(v)}`)
      .join('; ')} }`,
    '$c.Run.PassThru = $true',
    '$c.Output.Verbosity = "Detailed"',
    '$r = Invoke-Pester -Configuration $c',
    'Write-Output "PESTER-RESULT $($r.PassedCount) $($r.FailedCount) $($r.TotalCount)"',
  ].join('\n');
  const r = spawnSync(pwsh, ['-NoProfile', '-NonInteractive', '-Command', script], {
    encoding: 'utf8',
    timeout: 300_000,
    env: { ...process.env, NO_COLOR: '1' },
  });
  const output = `${r.stdout}${r.stderr}`;
  const m = /PESTER-RESULT (\d+) (\d+) (\d+)/.exec(r.stdout);
  assert.ok(m, `Pester did not finish: ${output.slice(-3000)}`);
  return { passed: Number(m[1]), failed: Number(m[2]), output };
}

function psq(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}
