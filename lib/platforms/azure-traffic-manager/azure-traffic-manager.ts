import { Construct } from 'constructs';
import { TrafficManagerExternalEndpoint, TrafficManagerProfile } from '../../framework/provider-azurerm';
import { HaServiceModel, membersByPriority } from '../../model/ha-service-model';
import { dnsCheckSpec } from '../shared/dns-checks';
import { ResolvedTrafficManagerProps } from './service-target';

export interface AzureTrafficManagerProps {
  readonly model: HaServiceModel;
  readonly target: ResolvedTrafficManagerProps;
  /** The profile's relative DNS name (the target's `relativeName`). */
  readonly relativeName: string;
}

/**
 * The Azure resources of one service under the DNS strategy: a Traffic Manager profile with
 * Priority routing and a TCP (or sidecar HTTP) monitor, and one external endpoint per host,
 * priority 1 for the highest-priority member.
 */
export class AzureTrafficManager extends Construct {
  public readonly profile: TrafficManagerProfile;
  public readonly endpoints: TrafficManagerExternalEndpoint[] = [];

  constructor(scope: Construct, id: string, props: AzureTrafficManagerProps) {
    super(scope, id);
    const { model, target: t } = props;
    const pool = model.pools[0];
    const check = dnsCheckSpec(pool.probe);

    this.profile = new TrafficManagerProfile(this, 'profile', {
      provider: t.provider,
      name: t.profileName ?? `${model.name}-tm`,
      resourceGroupName: t.resourceGroupName,
      trafficRoutingMethod: 'Priority',
      profileStatus: 'Enabled',
      tags: t.tags,
      dnsConfig: { relativeName: props.relativeName, ttl: t.dnsTtlSeconds },
      monitorConfig: {
        protocol: check.protocol,
        port: check.port,
        path: check.path,
        expectedStatusCodeRanges: check.protocol === 'HTTP' ? ['200-200'] : undefined,
        intervalInSeconds: t.intervalSeconds,
        timeoutInSeconds: t.timeoutSeconds,
        toleratedNumberOfFailures: t.toleratedFailures,
      },
    });

    // Priority 1 is served first; Traffic Manager priorities are unique per profile.
    membersByPriority(pool).forEach((m, i) => {
      this.endpoints.push(
        new TrafficManagerExternalEndpoint(this, m.name, {
          provider: t.provider,
          name: `${model.name}-${m.name}`,
          profileId: this.profile.id,
          target: m.address.value,
          priority: i + 1,
          enabled: true,
        }),
      );
    });
  }
}
