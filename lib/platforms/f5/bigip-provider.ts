import { TerraformProvider } from '../../framework/cdktf';
import { Construct } from 'constructs';

/** Version constraint of the F5Networks/bigip provider the hand-written classes are written against. */
export const BIGIP_PROVIDER_VERSION = '~> 1.22';

/** The F5Networks/bigip Terraform provider: the BIG-IP management address and credentials. */
export interface BigipProviderConfig {
  /** BIG-IP management address (host or host:port). @default - the provider reads BIGIP_HOST */
  readonly address?: string;
  /** Management user. @default - the provider reads BIGIP_USER */
  readonly username?: string;
  /** Management password; pass a sensitive TerraformVariable, never a literal. */
  readonly password: string;
  /** Management port. @default 443 (provider default) */
  readonly port?: string;
  /**
   * Skip verifying the BIG-IP's management TLS certificate. The provider's own default is true (no
   * check); identity-ha renders false unless you set this, so the password never goes to an
   * unverified endpoint. @default false
   */
  readonly validateCertsDisable?: boolean;
  /** PEM file of the CA (or the certificate) that signed the management certificate, for a private CA. @default - the system's trust store */
  readonly trustedCertPath?: string;
  /**
   * Alias of this provider, for a second BIG-IP in one stack.
   * @default - none: the default bigip provider
   */
  readonly alias?: string;
}

/**
 * The smallest `F5Networks/bigip` provider binding that `bigip_as3` needs. No prebuilt cdktf binding
 * exists for this provider, and `cdktf get` cannot run without network access.
 */
export class BigipProvider extends TerraformProvider {
  /** The Terraform provider type. */
  public static readonly tfResourceType = 'bigip';
  private readonly config: BigipProviderConfig;

  constructor(scope: Construct, id: string, config: BigipProviderConfig) {
    super(scope, id, {
      terraformResourceType: 'bigip',
      terraformGeneratorMetadata: { providerName: 'bigip', providerVersionConstraint: BIGIP_PROVIDER_VERSION },
      terraformProviderSource: 'F5Networks/bigip',
    });
    this.config = config;
    this.alias = config.alias;
  }

  /** The provider's arguments as Terraform reads them. */
  protected synthesizeAttributes(): { [name: string]: any } {
    return {
      address: this.config.address,
      username: this.config.username,
      password: this.config.password,
      port: this.config.port,
      validate_certs_disable: this.config.validateCertsDisable ?? false,
      trusted_cert_path: this.config.trustedCertPath,
      alias: this.alias,
    };
  }
}
