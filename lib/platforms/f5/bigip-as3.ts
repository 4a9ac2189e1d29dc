import { TerraformProvider, TerraformResource } from '../../framework/cdktf';
import { Construct } from 'constructs';
import { BIGIP_PROVIDER_VERSION } from './bigip-provider';

/** The `bigip_as3` resource: an AS3 declaration posted to a BIG-IP. */
export interface BigipAs3Config {
  /** The AS3 declaration as a JSON string. */
  readonly as3Json: string;
  /** Only touch this tenant (partition) on the BIG-IP. */
  readonly tenantFilter?: string;
  /**
   * The bigip provider to post with.
   * @default - the stack's default bigip provider
   */
  readonly provider?: TerraformProvider;
}

/** The `bigip_as3` resource of the F5Networks/bigip provider (hand-written minimal binding). */
export class BigipAs3 extends TerraformResource {
  /** The Terraform resource type. */
  public static readonly tfResourceType = 'bigip_as3';
  private readonly config: BigipAs3Config;

  constructor(scope: Construct, id: string, config: BigipAs3Config) {
    super(scope, id, {
      terraformResourceType: 'bigip_as3',
      terraformGeneratorMetadata: { providerName: 'bigip', providerVersionConstraint: BIGIP_PROVIDER_VERSION },
      provider: config.provider,
    });
    this.config = config;
  }

  /** The resource's arguments as Terraform reads them. */
  protected synthesizeAttributes(): { [name: string]: any } {
    return {
      as3_json: this.config.as3Json,
      tenant_filter: this.config.tenantFilter,
    };
  }
}
