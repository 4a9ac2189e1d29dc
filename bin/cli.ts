import type { CommandModule } from 'yargs';
import { runCli } from './cli-core';
import { labCommand } from './commands/lab';
import { lintCommand } from './commands/lint';
import { mimicCommand } from './commands/mimic';
import { peersCommand } from './commands/peers';
import { proxyCommand } from './commands/proxy';
import { shimCommand } from './commands/shim';
import { checkCommand } from './commands/check';
import { snippetCommand } from './commands/snippet';
import { synthCommand } from './commands/synth';
import { validateCommand } from './commands/validate';

/** Every command, registered explicitly. */
export const COMMANDS: ReadonlyArray<CommandModule<any, any>> = [
  synthCommand,
  validateCommand,
  snippetCommand,
  lintCommand,
  peersCommand,
  shimCommand,
  checkCommand,
  mimicCommand,
  proxyCommand,
  labCommand,
];

/** Runs the CLI; resolves to the process exit code. */
export function main(argv: string[]): Promise<number> {
  return runCli(argv, COMMANDS, {
    scriptName: 'idha',
    usage:
      '$0 <command> [options]\n\nHigh-availability infrastructure for identity services: IQService pairs (Azure LB, AWS NLB, F5 BIG-IP, ' +
      'HAProxy, Traffic Manager, Route 53),\nTomcat web tiers (mod_jk, mod_proxy_balancer, HAProxy, ALB, Application Gateway, F5) and ' +
      'failover clusters (keepalived, Pacemaker, WSFC).',
  });
}
