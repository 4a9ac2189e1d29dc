import { Construct } from 'constructs';
import { FailoverEstimate, figuresEstimate } from '../../model/failover-estimate';
import { DOT_SEGMENT_MATCH } from '../../core/lang/request-path';
import { as3Name } from '../../core/lang/as3';
import { AddressKind } from '../../core/address';
import { Problems } from '../../core/errors';
import { WebTierModel, WebTierTargetBase } from '../../model/web-tier-model';
import { AS3_SCHEMA_VERSION } from './as3-declaration';
import { Snippet } from '../../model/snippet';
import { contextPathBase, ident, tomcatHttpSnippets } from '../shared/web-checks';

/** How the web tier is rendered for F5 BIG-IP (an AS3 declaration with one pool per application). */
export interface F5WebTargetProps {
  /** The virtual server's address clients use. */
  readonly virtualAddress: string;
  /** AS3 tenant (partition); AS3 replaces a whole tenant per declaration. @default - idha_<tier name> */
  readonly tenant?: string;
  /**
   * AS3 application name in the tenant.
   * @default - web
   */
  readonly application?: string;
  /** Source address translation: `auto` (SNAT automap) or `none` (the Tomcats route back through the BIG-IP). @default auto */
  readonly snat?: string;
}

const AS3_NAME = /^[A-Za-z][0-9A-Za-z_]{0,63}$/;

/**
 * F5 BIG-IP through AS3: a `Service_HTTP` virtual server with an endpoint policy that forwards each
 * context path to its application's pool, cookie persistence, one HTTP monitor per application on
 * its health path (2xx), and standbys in a lower priority group with `minimumMembersActive` 1, so
 * they serve only while every active member is down. Validated against the vendored AS3 schema.
 */
export class F5WebTarget extends WebTierTargetBase {
  public readonly platform = 'f5';

  /** The props the target was created with. */
  public readonly props: F5WebTargetProps;

  constructor(props: F5WebTargetProps) {
    super();
    this.props = props;
  }

  private tenant(model: WebTierModel): string {
    return this.props.tenant ?? `idha_${ident(model.name)}`;
  }

  public validate(model: WebTierModel, problems: Problems): void {
    const p = this.props;
    if (typeof p.virtualAddress !== 'string' || !/^[0-9a-fA-F.:]+(%\d+)?$/.test(p.virtualAddress))
      problems.add({ field: 'virtualAddress', value: p.virtualAddress, allowed: 'an IPv4 or IPv6 address (with an optional %route-domain)' });
    for (const [k, v] of [
      ['tenant', this.tenant(model)],
      ['application', p.application ?? 'web'],
    ] as const) {
      if (!AS3_NAME.test(v) || ['Common', 'Shared'].includes(v))
        problems.add({ field: k, value: v, allowed: 'letters, digits and underscores, starting with a letter, not Common or Shared' });
    }
    if (p.snat !== undefined && !['auto', 'none'].includes(p.snat)) problems.add({ field: 'snat', value: p.snat, allowed: '"auto" or "none"' });
  }

  public render(_scope: Construct, _model: WebTierModel): void {}

  public warnings(_model: WebTierModel): string[] {
    return [
      "f5: the BIG-IP keeps a session on its member with its own inserted cookie (BIGipServer<pool>), set beside Tomcat's JSESSIONID, not by " +
        'the jvmRoute suffix',
    ];
  }

  /** The AS3 declaration of the tier (`snippets/<tier>/f5/as3.json`). */
  public declaration(model: WebTierModel): Record<string, unknown> {
    const app: Record<string, unknown> = { class: 'Application', remark: `identity-ha ${model.name}: web tier` };
    // Tomcat resolves dot segments (also ..; and %2e%2e) after the BIG-IP chose the pool by the raw
    // path: such requests are reset first (the policy's comparisons are case-insensitive). The rule
    // names hold a hyphen, which no application's rule name (letters, digits, _) has.
    const refuse = (name: string, operand: string, values: readonly string[]) => ({
      name,
      conditions: [{ type: 'httpUri', path: { operand, values: [...values] } }],
      actions: [{ type: 'drop', event: 'request' }],
    });
    // Whole path segments, as every other balancer matches: "/identity" itself, and what starts with
    // "/identity/" (a bare starts-with would send /identityX to it too). The conditions of one rule
    // are ANDed, so the two forms are two rules to the same pool; "-under" keeps the names apart.
    const forward = (pool: WebTierModel['pools'][number], suffix: string, operand: string, values: string[]) => ({
      name: `${as3Name(ident(pool.name))}${suffix}`,
      conditions: [{ type: 'httpUri', path: { operand, values } }],
      actions: [{ type: 'forward', event: 'request', select: { pool: { use: as3Name(`${ident(pool.name)}_pool`) } } }],
    });
    const rules = [
      refuse('refuse-dot-segments', 'contains', DOT_SEGMENT_MATCH.contains),
      refuse('refuse-dot-segments-end', 'ends-with', DOT_SEGMENT_MATCH.endsWith),
      ...model.pools.flatMap((pool) => {
        const bases = pool.paths.map(contextPathBase);
        return bases.includes('')
          ? [forward(pool, '', 'starts-with', ['/'])]
          : [
              forward(pool, '', 'equals', bases),
              forward(
                pool,
                '-under',
                'starts-with',
                bases.map((b) => `${b}/`),
              ),
            ];
      }),
    ];
    app[as3Name(`${ident(model.name)}_vs`)] = {
      class: 'Service_HTTP',
      virtualAddresses: [this.props.virtualAddress],
      virtualPort: model.frontendPort,
      policyEndpoint: 'idha_paths',
      persistenceMethods: [{ use: 'idha_cookie' }],
      snat: this.props.snat ?? 'auto',
    };
    app.idha_paths = { class: 'Endpoint_Policy', strategy: 'first-match', rules };
    app.idha_cookie = { class: 'Persist', persistenceMethod: 'cookie', cookieMethod: 'insert', duration: 0 };
    for (const pool of model.pools) {
      const h = pool.health;
      app[as3Name(`${ident(pool.name)}_monitor`)] = {
        class: 'Monitor',
        monitorType: 'http',
        remark: `GET ${h.path}, 2xx`,
        send: `GET ${h.path} HTTP/1.1\r\nHost: idha\r\nConnection: close\r\n\r\n`,
        receive: 'HTTP/1\\.[01] 2[0-9][0-9]',
        interval: h.intervalSeconds,
        timeout: h.intervalSeconds * h.fall + 1,
        timeUntilUp: h.intervalSeconds * (h.rise - 1),
      };
      app[as3Name(`${ident(pool.name)}_pool`)] = {
        class: 'Pool',
        loadBalancingMode: 'round-robin',
        minimumMembersActive: 1,
        monitors: [{ use: `${ident(pool.name)}_monitor` }],
        members: pool.members.map((m) => {
          const base = {
            servicePort: m.httpPort,
            priorityGroup: m.priority,
            remark: `${m.name} (jvmRoute ${m.route})${m.priority > 0 ? '' : ', hot standby'}`,
            shareNodes: true,
          };
          return m.address.kind === AddressKind.DNS
            ? { ...base, addressDiscovery: 'fqdn', hostname: m.address.value, autoPopulate: false, queryInterval: 60 }
            : { ...base, serverAddresses: [m.address.value] };
        }),
      };
    }
    return {
      class: 'AS3',
      action: 'deploy',
      persist: true,
      declaration: {
        class: 'ADC',
        schemaVersion: AS3_SCHEMA_VERSION,
        id: `identity-ha-${model.name}`,
        label: `identity-ha ${model.name}`,
        [as3Name(this.tenant(model))]: { class: 'Tenant', [as3Name(this.props.application ?? 'web')]: app },
      },
    };
  }

  public snippets(model: WebTierModel): Snippet[] {
    return [
      { kind: 'f5-as3', fileName: 'f5/as3.json', content: `${JSON.stringify(this.declaration(model), null, 2)}\n` },
      ...tomcatHttpSnippets(model),
    ];
  }

  /** The monitor's timeout marks a member down; timeUntilUp brings it back. */
  public estimate(model: WebTierModel): FailoverEstimate {
    const h = model.pools[0].health;
    const down = h.intervalSeconds * h.fall + 1;
    return figuresEstimate(model.name, {
      platform: this.platform,
      seconds: down,
      formula: `monitor timeout ${h.intervalSeconds}s x ${h.fall} + 1 = ${down}`,
      failbackSeconds: h.intervalSeconds * h.rise,
      failbackFormula: `${h.intervalSeconds}s interval + ${h.intervalSeconds * (h.rise - 1)}s timeUntilUp = ${h.intervalSeconds * h.rise}`,
    });
  }
}
