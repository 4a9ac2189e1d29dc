import { TerraformProvider } from '../../framework/cdktf';
import { Claim } from '../../model/claim';
import { Construct } from 'constructs';
import * as ipaddr from 'ipaddr.js';
import { cidrFamily } from '../../core/address';
import { checkInteger, checkName, checkOneOf } from '../../core/checks';
import { Problems } from '../../core/errors';
import { BalancerTiming, estimateFailover, FailoverEstimate, sidecarTerms } from '../../model/failover-estimate';
import { HaServiceModel, HaStrategy } from '../../model/ha-service-model';
import { checkConnectionResets } from '../shared/member-checks';
import { HaTargetBase } from '../../model/service-target';
import { Snippet } from '../../model/snippet';
import { buildAs3Declaration } from './as3-declaration';
import { F5BigIp } from './f5-big-ip';
import { buildTmshCommands } from './tmsh-commands';

/** The AS3 tenant of a service without `tenant`: `idha_<name>`, hyphens made underscores (AS3 refuses hyphens). */
function defaultTenant(service: string): string {
  return `idha_${service.replace(/-/g, '_')}`;
}

/** BIG-IP monitor timing. */
export interface F5MonitorTimingProps {
  /** Seconds between probes, 1-3600. @default 2 */
  readonly intervalSeconds?: number;
  /**
   * Seconds without a good probe before the member is marked down; more than the interval, at most
   * 900. F5 recommends 3 x interval + 1.
   * @default 7
   */
  readonly timeoutSeconds?: number;
}

/** Source address translation of the BIG-IP's virtual servers. */
export enum F5Snat {
  /** SNAT automap: replies return through the BIG-IP whatever the hosts' default gateway. */
  AUTO = 'auto',
  /** No SNAT: the hosts must route replies through the BIG-IP. */
  NONE = 'none',
}

/** Where and how an IQService pair is rendered for F5 BIG-IP: AS3, tmsh and a `bigip_as3` resource. */
export interface F5BigIpTargetProps {
  /** Virtual address (IPv4 or IPv6) the clients connect to. */
  readonly virtualAddress: string;
  /**
   * AS3 tenant (BIG-IP partition). AS3 replaces a tenant as a whole, so each pair needs its own.
   * @default `idha_<serviceName>`
   */
  readonly tenant?: string;
  /** AS3 application name. @default `iqservice` */
  readonly application?: string;
  /** Priority group of the primary; higher wins. 0-65535. @default 10 */
  readonly primaryPriorityGroup?: number;
  /** Priority group of the secondary; lower than the primary's. 0-65535. @default 0 */
  readonly secondaryPriorityGroup?: number;
  /**
   * Source address translation of the virtual servers.
   * @default F5Snat.AUTO
   */
  readonly snat?: F5Snat;
  /**
   * The tcp-half-open monitor's timing.
   * @default - every 5 s, timeout 16 s
   */
  readonly monitor?: F5MonitorTimingProps;
  /**
   * Render a `bigip_as3` resource for `cdktf deploy`. Set false to only produce the AS3 and tmsh snippets.
   * @default true
   */
  readonly terraform?: boolean;
  /** Provider to use. @default - the stack's default bigip provider */
  readonly provider?: TerraformProvider;
}

export interface ResolvedF5Props extends F5BigIpTargetProps {
  readonly tenant: string;
  readonly application: string;
  readonly primaryPriorityGroup: number;
  readonly secondaryPriorityGroup: number;
  readonly snat: F5Snat;
  readonly intervalSeconds: number;
  readonly timeoutSeconds: number;
  readonly terraform: boolean;
}

const AS3_NAME = /^[A-Za-z][0-9A-Za-z_]{0,47}$/;

/**
 * Renders a service for F5 BIG-IP: priority group activation (primary's group higher,
 * min-active-members 1), a half-open monitor, no persistence; as an AS3 declaration, tmsh commands,
 * and a `bigip_as3` Terraform resource.
 */
export class F5BigIpTarget extends HaTargetBase {
  public readonly platform = 'f5';
  public readonly strategy = HaStrategy.LOAD_BALANCER;
  private readonly raw: F5BigIpTargetProps;

  constructor(props: F5BigIpTargetProps) {
    super();
    this.raw = props;
  }

  /**
   * The props with every default applied for `model` (TypeScript only: not part of the jsii API).
   * @internal
   */
  public _resolve(model: HaServiceModel): ResolvedF5Props {
    const p = this.raw;
    return {
      ...p,
      tenant: p.tenant ?? defaultTenant(model.name),
      application: p.application ?? 'iqservice',
      primaryPriorityGroup: p.primaryPriorityGroup ?? 10,
      secondaryPriorityGroup: p.secondaryPriorityGroup ?? 0,
      snat: p.snat ?? F5Snat.AUTO,
      intervalSeconds: p.monitor?.intervalSeconds ?? 2,
      timeoutSeconds: p.monitor?.timeoutSeconds ?? 7,
      terraform: p.terraform ?? true,
    };
  }

  /** The AS3 tenant: AS3 replaces a whole tenant per declaration. */
  public claims(model: HaServiceModel): Claim[] {
    const tenant = this._resolve(model).tenant;
    return [
      {
        scope: 'BIG-IP tenant',
        key: tenant,
        field: 'tenant',
        value: tenant,
        fix: 'AS3 replaces a whole tenant per declaration: two pairs in one tenant would delete each other; give each its own tenant',
      },
    ];
  }

  public validate(model: HaServiceModel, problems: Problems): void {
    const t = this._resolve(model);
    let vipFamily: string | undefined;
    if (
      typeof t.virtualAddress === 'string' &&
      ipaddr.isValid(t.virtualAddress) &&
      (t.virtualAddress.includes(':') || ipaddr.IPv4.isValidFourPartDecimal(t.virtualAddress))
    ) {
      vipFamily = ipaddr.parse(t.virtualAddress).kind();
    } else {
      problems.add({
        field: 'virtualAddress',
        value: t.virtualAddress,
        allowed: 'an IPv4 or IPv6 address for the virtual server',
        fix: 'pick a free address on a BIG-IP VLAN the clients can reach',
      });
    }
    if (vipFamily) {
      const vip = ipaddr.parse(t.virtualAddress).toString();
      const host = model.pools[0].members.find((m) => m.address.value === vip);
      if (host)
        problems.add({
          field: 'virtualAddress',
          value: t.virtualAddress,
          allowed: `a free address, not the ${host.name} host's (${host.name}.address)`,
          fix: 'pick an unused address on a BIG-IP VLAN for the virtual server',
        });
    }
    if (
      checkName(
        problems,
        'tenant',
        t.tenant,
        AS3_NAME,
        'a letter then letters, digits or underscores, at most 48 characters',
        'AS3 tenant (partition) names cannot contain hyphens',
      ) &&
      ['common', 'shared'].includes(t.tenant.toLowerCase())
    ) {
      problems.add({
        field: 'tenant',
        value: t.tenant,
        allowed: 'a tenant of your own, not Common or Shared (AS3 reserves them)',
        fix: `leave tenant out for ${defaultTenant(model.name)}`,
      });
    }
    checkName(problems, 'application', t.application, AS3_NAME, 'a letter then letters, digits or underscores, at most 48 characters');
    const okP = checkInteger(problems, 'primaryPriorityGroup', t.primaryPriorityGroup, 0, 65535);
    const okS = checkInteger(problems, 'secondaryPriorityGroup', t.secondaryPriorityGroup, 0, 65535);
    if (okP && okS && t.secondaryPriorityGroup >= t.primaryPriorityGroup) {
      problems.add({
        field: 'secondaryPriorityGroup',
        value: t.secondaryPriorityGroup,
        allowed: `less than primaryPriorityGroup (${t.primaryPriorityGroup}); the higher group takes the traffic`,
        fix: 'keep the defaults 10 (primary) and 0 (secondary)',
      });
    }
    checkOneOf(problems, 'snat', t.snat, Object.values(F5Snat));
    const okI = checkInteger(problems, 'monitor.intervalSeconds', t.intervalSeconds, 1, 3600);
    const okT = checkInteger(problems, 'monitor.timeoutSeconds', t.timeoutSeconds, 2, 900);
    if (okI && okT && t.timeoutSeconds <= t.intervalSeconds) {
      problems.add({
        field: 'monitor.timeoutSeconds',
        value: t.timeoutSeconds,
        allowed: `more than monitor.intervalSeconds (${t.intervalSeconds})`,
        fix: `F5 recommends 3 x interval + 1 = ${3 * t.intervalSeconds + 1}`,
      });
    }
    checkConnectionResets(model, problems, 'F5 BIG-IP', {
      onFailback:
        'priority group activation sends new connections to the primary again but leaves established ones on the secondary (cutting them ' +
        'needs an iRule, which identity-ha does not write)',
    });
    if (vipFamily) {
      model.allowedClients.forEach((c, i) => {
        if (cidrFamily(c) !== vipFamily) {
          problems.root().add({
            field: `allowedClients[${i}]`,
            value: c,
            allowed: `${vipFamily} blocks, the family of targets.f5.virtualAddress (${t.virtualAddress})`,
            fix:
              `a BIG-IP virtual server takes clients of its own address family only: list ${vipFamily} blocks here, or give ` +
              `targets.f5.virtualAddress an address of the clients' family`,
          });
        }
      });
    }
  }

  public render(scope: Construct, model: HaServiceModel): void {
    const t = this._resolve(model);
    if (t.terraform) new F5BigIp(scope, 'bigip', { model, target: t });
  }

  public snippets(model: HaServiceModel): Snippet[] {
    const t = this._resolve(model);
    return [
      { kind: 'f5-as3', fileName: 'f5-as3.json', content: JSON.stringify(buildAs3Declaration(model, t), null, 2) + '\n' },
      { kind: 'f5-tmsh', fileName: 'f5-tmsh.txt', content: buildTmshCommands(model, t) },
    ];
  }

  /** Down once no good probe came for `timeout` seconds; up after one good probe (up to one interval). */
  public timing(model: HaServiceModel): BalancerTiming {
    const t = this._resolve(model);
    return {
      markDownSeconds: t.timeoutSeconds,
      markDownFormula: `${t.timeoutSeconds}s monitor timeout`,
      markUpSeconds: t.intervalSeconds,
      markUpFormula: `${t.intervalSeconds}s (one good probe)`,
    };
  }

  public estimate(model: HaServiceModel): FailoverEstimate {
    // With the sidecar the standby's gate opens only after the primary fails; priority groups alone
    // need no standby logic, but the monitor still has to see the secondary's gate open.
    return estimateFailover(model.name, this.platform, this.timing(model), sidecarTerms(model));
  }
}
