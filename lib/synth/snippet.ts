import * as os from 'os';
import { IdhaValidationError } from '../core/errors';
import { PLATFORMS, snippetKinds } from '../topology/registry';
import { TopologyDocument } from '../topology/topology';
import { withoutTokenStackTraces } from './synthesize';
import { buildTopologyApp } from '../topology/topology-app';

/**
 * One snippet for one service, as text. `f5-as3`/`f5-tmsh` (and other console snippets) come from
 * the target; `azure`/`aws` are the Terraform JSON of that platform's resources and provider, to drop
 * into an existing configuration as a `.tf.json` file.
 */
export function renderSnippet(topology: TopologyDocument, kind: string, serviceName?: string): string {
  const entry = PLATFORMS.find((p) => p.snippetKinds.some((k) => k.kind === kind));
  if (!entry) {
    throw new IdhaValidationError([{ field: 'kind', value: kind, allowed: `one of ${snippetKinds().join(', ')}` }]);
  }
  const withPlatform = topology.services.filter((s) => s.targets[entry.platform] !== undefined);
  let services = withPlatform;
  if (serviceName !== undefined) {
    services = withPlatform.filter((s) => s.name === serviceName);
    if (services.length === 0) {
      throw new IdhaValidationError([
        {
          field: '--service',
          value: serviceName,
          allowed: `a service with targets.${entry.platform}: ${withPlatform.map((s) => s.name).join(', ') || '(none)'}`,
        },
      ]);
    }
  } else if (withPlatform.length === 0) {
    const others = [...(topology.clusters ?? []).map((c) => `clusters: ${c.name}`), ...(topology.webTiers ?? []).map((w) => `webTiers: ${w.name}`)];
    throw new IdhaValidationError([
      {
        field: 'services',
        value: topology.services.map((s) => s.name),
        allowed: `a service with targets.${entry.platform} (idha snippet prints one service's snippet)`,
        fix:
          topology.services.length === 0
            ? `this topology has no services${others.length ? ` (it has ${others.join(', ')})` : ''}: idha synth writes the files of ` +
              `clusters and web tiers under snippets/<name>/`
            : `add targets.${entry.platform} to a service, or ask for a kind its targets have`,
      },
    ]);
  } else if (services.length !== 1) {
    throw new IdhaValidationError([
      {
        field: '--service',
        value: undefined,
        allowed: `one of ${withPlatform.map((s) => s.name).join(', ') || '(no service has targets.' + entry.platform + ')'}`,
        fix: 'name the service whose snippet to print',
      },
    ]);
  }
  const built = withoutTokenStackTraces(() => buildTopologyApp({ ...topology, services }, { outdir: os.tmpdir(), platforms: [entry.platform] }));
  const spec = entry.snippetKinds.find((k) => k.kind === kind)!;
  if (spec.terraform) {
    const tf = withoutTokenStackTraces(() => built.stacks[0].toTerraform());
    delete tf['//'];
    if (tf.terraform) delete tf.terraform.backend;
    return JSON.stringify(tf, null, 2) + '\n';
  }
  const snip = built.pairs[0].pair.snippets().find((s) => s.kind === kind);
  if (!snip) throw new Error(`internal: ${entry.platform} offers no ${kind} snippet`);
  return snip.content;
}
