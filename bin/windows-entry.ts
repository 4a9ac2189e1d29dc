import type { CommandModule } from 'yargs';
import { runCli } from './cli-core';
import { checkCommand } from './commands/check';
import { mimicCommand } from './commands/mimic';
import { proxyCommand } from './commands/proxy';
import { shimCommand } from './commands/shim';

/**
 * The entry point of `idha-shim.exe`, the Windows host kit: the commands a Windows host runs (the
 * shim, one-shot and watched checks, the IQService stand-in), never cdktf. `npm run build:windows`
 * bundles it with esbuild and fails if cdktf ends up in the bundle.
 */
export const WINDOWS_COMMANDS: ReadonlyArray<CommandModule<any, any>> = [shimCommand, checkCommand, mimicCommand, proxyCommand];

export function main(argv: string[]): Promise<number> {
  return runCli(argv, WINDOWS_COMMANDS, {
    scriptName: 'idha-shim',
    usage:
      '$0 <command> [options]\n\nThe identity-ha host kit for Windows: the probe sidecar (shim), health checks (check), an IQService ' +
      'stand-in (mimic) and the client-side failover proxy (proxy).',
  });
}

// No `require.main === module` self-start here: esbuild bundles this file as ES module code into the
// exe's one script, where `module` is that script's and the test is true, so the commands ran twice
// (a second shim failed with EADDRINUSE on its health port). The build's stub is the only caller.
