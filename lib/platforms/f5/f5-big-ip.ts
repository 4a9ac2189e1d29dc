import { Construct } from 'constructs';
import { HaServiceModel } from '../../model/ha-service-model';
import { buildAs3Declaration } from './as3-declaration';
import { BigipAs3 } from './bigip-as3';
import { ResolvedF5Props } from './service-target';

export interface F5BigIpProps {
  readonly model: HaServiceModel;
  readonly target: ResolvedF5Props;
}

/** The `bigip_as3` resource that deploys the service's AS3 declaration (one tenant per service). */
export class F5BigIp extends Construct {
  public readonly as3: BigipAs3;

  constructor(scope: Construct, id: string, props: F5BigIpProps) {
    super(scope, id);
    this.as3 = new BigipAs3(this, 'as3', {
      provider: props.target.provider,
      as3Json: JSON.stringify(buildAs3Declaration(props.model, props.target)),
      tenantFilter: props.target.tenant,
    });
  }
}
