/**
 * The one module of lib/ that imports the CDK framework package (`cdktf`; `cdktn` in the CDK Terrain
 * build, which scripts/cdktn.js writes from this source by changing only the package names in
 * lib/framework/). Everything else in lib/ imports the framework through here.
 */
export {
  Annotations,
  App,
  AzurermBackend,
  LocalBackend,
  S3Backend,
  S3BackendConfig,
  TerraformProvider,
  TerraformResource,
  TerraformStack,
  TerraformVariable,
  Token,
} from 'cdktf';
