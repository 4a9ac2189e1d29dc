import { TerraformProvider } from '../../framework/cdktf';
import { Claim } from '../../model/claim';
import { Construct } from 'constructs';
import { checkInteger, checkRequiredId } from '../../core/checks';
import { Problems } from '../../core/errors';
import { BalancerTiming, estimateFailover, FailoverEstimate, sidecarTerms } from '../../model/failover-estimate';
import { HaServiceModel, HaStrategy } from '../../model/ha-service-model';
import { checkConnectionResets, checkIpMembersAndFullHandshakeProbe } from '../shared/member-checks';
import { HaTargetBase } from '../../model/service-target';
import { checkAzureFrontendIp, checkAzureLbProbe, checkAzureZones } from '../shared/azure-checks';
import { AzureLoadBalancer } from './azure-load-balancer';

/** Azure LB health probe timing. */
export interface AzureProbeTimingProps {
  /**
   * Seconds between probes. Azure allows 5 or more; `intervalSeconds x probeThreshold` must be at least 10.
   * @default 5
   */
  readonly intervalSeconds?: number;
  /**
   * Consecutive failed probes before a backend is taken out of rotation (rendered as both
   * `probe_threshold` and `number_of_probes`). 1-100.
   * @default 2
   */
  readonly probeThreshold?: number;
}

/** Where and how an IQService pair gets a Standard internal Azure Load Balancer. */
export interface AzureLoadBalancerTargetProps {
  /** Existing resource group to create the load balancer in. */
  readonly resourceGroupName: string;
  /** Azure region, e.g. `westeurope`. */
  readonly location: string;
  /** ID of the existing subnet that holds the frontend IP. */
  readonly subnetId: string;
  /**
   * ID of the virtual network that holds the IQService hosts (needed for a backend pool by IP address).
   * @default - derived from `subnetId`
   */
  readonly virtualNetworkId?: string;
  /** Name of the existing network security group that protects the IQService hosts. */
  readonly networkSecurityGroupName: string;
  /**
   * Resource group of that network security group.
   * @default - resourceGroupName
   */
  readonly networkSecurityGroupResourceGroupName?: string;
  /**
   * First NSG rule priority used; the pair uses this and the next four (100-4096).
   * @default 1000
   */
  readonly nsgPriorityBase?: number;
  /**
   * Static private frontend IP inside the subnet.
   * @default dynamic
   */
  readonly frontendPrivateIp?: string;
  /**
   * Availability zones for the frontend IP (e.g. ["1","2","3"] for zone-redundant).
   * @default - none (regional)
   */
  readonly zones?: string[];
  /**
   * The probe's timing.
   * @default - every 5 s, 2 probes
   */
  readonly probe?: AzureProbeTimingProps;
  /** Provider to use, for stacks with more than one azurerm provider. @default - the stack's default azurerm provider */
  readonly provider?: TerraformProvider;
  /**
   * Tags on every resource created.
   * @default - none
   */
  readonly tags?: Record<string, string>;
}

export interface ResolvedAzureProps extends AzureLoadBalancerTargetProps {
  readonly virtualNetworkId: string;
  readonly networkSecurityGroupResourceGroupName: string;
  readonly nsgPriorityBase: number;
  readonly intervalSeconds: number;
  readonly probeThreshold: number;
}

const SUBNET_ID = /^(\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Network\/virtualNetworks\/[^/]+)\/subnets\/[^/]+$/i;

/**
 * Renders a service as a Standard internal Azure Load Balancer: frontend IP in your subnet, backend
 * pool by IP address, TCP probe on the sidecar gate port, one TCP rule per listener with TCP reset,
 * and NSG rules on your existing NSG.
 */
export class AzureLoadBalancerTarget extends HaTargetBase {
  public readonly platform = 'azure';
  public readonly strategy = HaStrategy.LOAD_BALANCER;
  public readonly needsStandbySidecar?: boolean = true;
  /**
   * The props with every default applied (TypeScript only: not part of the jsii API).
   * @internal
   */
  public readonly _props: ResolvedAzureProps;

  constructor(props: AzureLoadBalancerTargetProps) {
    super();
    const vnet = props.virtualNetworkId ?? (typeof props.subnetId === 'string' ? SUBNET_ID.exec(props.subnetId)?.[1] : undefined);
    this._props = {
      ...props,
      virtualNetworkId: vnet ?? '',
      networkSecurityGroupResourceGroupName: props.networkSecurityGroupResourceGroupName ?? props.resourceGroupName,
      nsgPriorityBase: props.nsgPriorityBase ?? 1000,
      intervalSeconds: props.probe?.intervalSeconds ?? 5,
      probeThreshold: props.probe?.probeThreshold ?? 2,
    };
  }

  /** The five NSG rule priorities from `nsgPriorityBase`, in its NSG. */
  public claims(_model: HaServiceModel): Claim[] {
    const p = this._props;
    const nsg = `${p.networkSecurityGroupResourceGroupName}/${p.networkSecurityGroupName}`;
    return [0, 1, 2, 3, 4].map((k) => ({
      scope: `rule priority in NSG ${nsg}`,
      key: String(p.nsgPriorityBase + k),
      field: 'nsgPriorityBase',
      value: String(p.nsgPriorityBase),
      fix: "each pair uses its base and the next four priorities: set nsgPriorityBase at least 5 away from the other pair's (e.g. 10 more)",
    }));
  }

  public validate(model: HaServiceModel, problems: Problems): void {
    const p = this._props;
    checkRequiredId(problems, 'resourceGroupName', p.resourceGroupName, 'resource group');
    checkRequiredId(problems, 'location', p.location, 'Azure region (e.g. westeurope)');
    checkRequiredId(problems, 'subnetId', p.subnetId, 'subnet');
    checkRequiredId(problems, 'networkSecurityGroupName', p.networkSecurityGroupName, 'network security group on the IQService hosts');
    if (!p.virtualNetworkId && typeof p.subnetId === 'string' && p.subnetId) {
      problems.add({
        field: 'virtualNetworkId',
        value: undefined,
        allowed: 'the ID of the virtual network holding the IQService hosts',
        fix: 'set virtualNetworkId, or give subnetId as a full /subscriptions/.../virtualNetworks/<vnet>/subnets/<subnet> ID',
      });
    }
    checkInteger(problems, 'nsgPriorityBase', p.nsgPriorityBase, 100, 4092, 'the pair uses this priority and the next four');
    if (model.connections.idleTimeoutMinutes < 4) {
      problems.root().add({
        field: 'idleTimeoutMinutes',
        value: model.connections.idleTimeoutMinutes,
        allowed: 'an integer from 4 to 100 on Azure Load Balancer (its rule idle timeout)',
        fix: 'set idleTimeoutMinutes to 4 or more',
      });
    }
    checkConnectionResets(model, problems, 'Azure Load Balancer', {
      onFailover:
        'Azure keeps established flows to a host whose probe fails; they end when the host or the client ends them, or after the idle timeout',
      onFailback: 'Azure keeps established flows on the secondary when the primary is healthy again',
    });
    const okThreshold = checkInteger(problems, 'probe.probeThreshold', p.probeThreshold, 1, 100);
    checkAzureLbProbe(problems, 'probe.intervalSeconds', p.intervalSeconds, 'probe.probeThreshold', okThreshold ? p.probeThreshold : undefined);
    checkIpMembersAndFullHandshakeProbe(model, problems, {
      name: 'Azure Load Balancer',
      noDns: 'Azure backend pools by IP address take no DNS names',
      oneFamily: 'an Azure frontend is IPv4 or IPv6',
    });
    checkAzureFrontendIp(problems, 'frontendPrivateIp', p.frontendPrivateIp, { members: model.pools[0].members, optional: true });
    checkAzureZones(problems, 'zones', p.zones);
  }

  public render(scope: Construct, model: HaServiceModel): void {
    new AzureLoadBalancer(scope, 'lb', { model, target: this._props });
  }

  /**
   * Balancer timing: down after `probeThreshold` failed probes, each up to one interval apart, plus
   * one interval for the probe in flight; up after `probeThreshold` good probes in a row (Microsoft
   * documents that probeThreshold governs marking up as well as down).
   */
  public timing(): BalancerTiming {
    const { intervalSeconds: i, probeThreshold: n } = this._props;
    return {
      markDownSeconds: i * n + i,
      markDownFormula: `${i}s x ${n} probes + ${i}s unanswered probe`,
      markUpSeconds: i * n,
      markUpFormula: `${i}s x ${n} good probes`,
    };
  }

  public estimate(model: HaServiceModel): FailoverEstimate {
    return estimateFailover(model.name, this.platform, this.timing(), sidecarTerms(model, true));
  }
}
