import * as path from 'path';
import { AzurermBackend, LocalBackend, S3Backend, S3BackendConfig, TerraformStack, Token } from '../framework/cdktf';
import { IdhaValidationError, Problem } from '../core/errors';

/**
 * Local state: one `terraform.<stack>.tfstate` per stack, kept OUTSIDE the output folder so that a
 * re-synth can never touch it (cdktf keeps its local state at the project root for the same reason).
 */
export interface LocalStateConfig {
  /**
   * Folder that holds the state files. A relative path is taken from the folder that holds the
   * output folder (for `--out cdktf.out`, the project folder), never from inside the output.
   * @default "." (beside the output folder)
   */
  readonly path?: string;
}

/** S3 state. Credentials come from the environment (AWS_PROFILE, AWS_ACCESS_KEY_ID, ...), never from the topology. */
export interface S3StateConfig {
  /** Existing bucket. Turn on versioning in it: it is what recovers a state deleted by mistake. */
  readonly bucket: string;
  /** Region of the bucket (and of the lock table). */
  readonly region: string;
  /** Each stack's key is `<keyPrefix>/<stack>.tfstate`. @default "identity-ha" */
  readonly keyPrefix?: string;
  /** S3-native locking (Terraform 1.10 or later). @default true unless dynamodbTable is set */
  readonly useLockfile?: boolean;
  /** DynamoDB lock table (partition key LockID), for Terraform before 1.10. */
  readonly dynamodbTable?: string;
  /** Server-side encryption of the state object. @default true */
  readonly encrypt?: boolean;
}

/** Azure Storage state. Credentials come from the environment (ARM_ACCESS_KEY, az login, ARM_USE_AZUREAD, ...), never from the topology. */
export interface AzurermStateConfig {
  /** Existing storage account (3-24 lowercase letters and digits). */
  readonly storageAccountName: string;
  /** Existing blob container. */
  readonly containerName: string;
  /** Resource group of the storage account; Terraform uses it to look up an access key when none is in the environment. */
  readonly resourceGroupName?: string;
  /** Each stack's key is `<keyPrefix>/<stack>.tfstate`. @default "identity-ha" */
  readonly keyPrefix?: string;
  /** Authenticate to the blob with Entra ID instead of an access key. @default false */
  readonly useAzureadAuth?: boolean;
}

/** Where Terraform keeps each stack's state: exactly one of `local`, `s3`, `azurerm`. @default - local, beside the output folder */
export interface StateBackendConfig {
  /**
   * Local state files.
   * @default - not this backend
   */
  readonly local?: LocalStateConfig;
  /**
   * State in an S3 bucket.
   * @default - not this backend
   */
  readonly s3?: S3StateConfig;
  /**
   * State in an Azure storage container.
   * @default - not this backend
   */
  readonly azurerm?: AzurermStateConfig;
}

/** `cdktf.out/stacks/<stack>/` is where terraform runs; three levels up is the folder holding the output. */
const STACK_TO_OUTPUT_PARENT = '../../..';
const DEFAULT_KEY_PREFIX = 'identity-ha';

const S3_BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const AWS_REGION = /^[a-z]{2}(-[a-z]+)+-[0-9]+$/;
const DYNAMODB_TABLE = /^[A-Za-z0-9_.-]{3,255}$/;
const STORAGE_ACCOUNT = /^[a-z0-9]{3,24}$/;
const CONTAINER = /^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/;
const RESOURCE_GROUP = /^[-\w.()]{0,89}[-\w()]$/;
const KEY_PREFIX = /^[A-Za-z0-9!_.*'()-]+(\/[A-Za-z0-9!_.*'()-]+)*$/;

const isToken = (v: unknown) => typeof v === 'string' && Token.isUnresolved(v);

function keyPrefixProblems(prefix: string | undefined, field: string): Problem[] {
  if (prefix === undefined || prefix === '' || isToken(prefix)) return [];
  if (!KEY_PREFIX.test(prefix) || prefix.split('/').some((s) => s === '.' || s === '..')) {
    return [
      {
        field,
        value: prefix,
        allowed: 'path segments of letters, digits and !_.*\'()- separated by single "/", with no leading or trailing "/" and no "." or ".." segment',
        fix: 'e.g. identity-ha/prod',
      },
    ];
  }
  return [];
}

/** Every problem in a backend block; field paths start with `field` (`backend` in a topology file). */
export function stateBackendProblems(config: StateBackendConfig | undefined, field = 'backend'): Problem[] {
  if (config === undefined) return [];
  const kinds = (['local', 's3', 'azurerm'] as const).filter((k) => config[k] !== undefined);
  if (kinds.length !== 1) {
    return [
      {
        field,
        value: kinds,
        allowed: 'exactly one of local, s3, azurerm',
        fix:
          kinds.length === 0
            ? 'add one, e.g. backend: { s3: { bucket: ..., region: ... } }, or remove backend: for local state beside the output folder'
            : `keep one of ${kinds.join(', ')}`,
      },
    ];
  }
  const problems: Problem[] = [];
  if (config.local) {
    const p = config.local.path;
    if (p !== undefined && (p.length === 0 || /[\u0000-\u001f]/.test(p))) {
      problems.push({
        field: `${field}.local.path`,
        value: p,
        allowed: 'a folder path without control characters',
        fix: 'leave it out to keep the state beside the output folder',
      });
    }
  }
  if (config.s3) {
    const s = config.s3;
    const f = `${field}.s3`;
    // Without the schema (constructs, other languages) a required name can be missing or not a string.
    if (
      typeof s.bucket !== 'string' ||
      (!isToken(s.bucket) && (!S3_BUCKET.test(s.bucket) || s.bucket.includes('..') || /^\d+\.\d+\.\d+\.\d+$/.test(s.bucket)))
    ) {
      problems.push({
        field: `${f}.bucket`,
        value: s.bucket,
        allowed: 'an S3 bucket name: 3-63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit, not an IP address',
        fix: 'name the existing bucket that holds your state',
      });
    }
    if (typeof s.region !== 'string' || (!isToken(s.region) && !AWS_REGION.test(s.region))) {
      problems.push({ field: `${f}.region`, value: s.region, allowed: 'an AWS region name such as eu-west-1' });
    }
    problems.push(...keyPrefixProblems(s.keyPrefix, `${f}.keyPrefix`));
    if (s.dynamodbTable !== undefined && !isToken(s.dynamodbTable) && !DYNAMODB_TABLE.test(s.dynamodbTable)) {
      problems.push({ field: `${f}.dynamodbTable`, value: s.dynamodbTable, allowed: 'a DynamoDB table name: 3-255 letters, digits, _ . -' });
    }
    if (s.useLockfile === false && s.dynamodbTable === undefined) {
      problems.push({
        field: `${f}.useLockfile`,
        value: false,
        allowed: 'true, or false together with dynamodbTable',
        fix: 'without a lock two applies at once can corrupt the state: keep useLockfile (Terraform 1.10+) or name a dynamodbTable',
      });
    }
  }
  if (config.azurerm) {
    const a = config.azurerm;
    const f = `${field}.azurerm`;
    if (typeof a.storageAccountName !== 'string' || (!isToken(a.storageAccountName) && !STORAGE_ACCOUNT.test(a.storageAccountName))) {
      problems.push({
        field: `${f}.storageAccountName`,
        value: a.storageAccountName,
        allowed: 'a storage account name: 3-24 lowercase letters and digits',
      });
    }
    if (typeof a.containerName !== 'string' || (!isToken(a.containerName) && !CONTAINER.test(a.containerName))) {
      problems.push({
        field: `${f}.containerName`,
        value: a.containerName,
        allowed: 'a blob container name: 3-63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit',
      });
    }
    if (a.resourceGroupName !== undefined && !isToken(a.resourceGroupName) && !RESOURCE_GROUP.test(a.resourceGroupName)) {
      problems.push({
        field: `${f}.resourceGroupName`,
        value: a.resourceGroupName,
        allowed: 'a resource group name: 1-90 letters, digits, _ . ( ) -, not ending in "."',
      });
    }
    problems.push(...keyPrefixProblems(a.keyPrefix, `${f}.keyPrefix`));
  }
  return problems;
}

function stateKey(prefix: string | undefined, stackName: string): string {
  const p = prefix ?? DEFAULT_KEY_PREFIX;
  return p === '' ? `${stackName}.tfstate` : `${p}/${stackName}.tfstate`;
}

/**
 * The local state file of a stack, as the path Terraform resolves from the stack folder
 * (`<out>/stacks/<stack>/`). Relative folders are taken from the folder that holds `<out>`.
 */
export function localStatePath(stackName: string, config?: LocalStateConfig): string {
  const folder = config?.path ?? '.';
  const file = `terraform.${stackName}.tfstate`;
  if (path.isAbsolute(folder)) return path.join(folder, file);
  return path.posix.normalize(path.posix.join(STACK_TO_OUTPUT_PARENT, folder.split(path.sep).join('/'), file));
}

/**
 * Problems with a local state folder that would sit inside the output folder `outDir` (where a
 * re-synth would be the wrong place for it), e.g. `path: cdktf.out/state` with `--out cdktf.out`.
 */
export function localStateInsideOutputProblems(config: StateBackendConfig | undefined, outDir: string, field = 'backend'): Problem[] {
  if (config?.s3 || config?.azurerm) return [];
  const out = path.resolve(outDir);
  const folder = path.resolve(path.dirname(out), config?.local?.path ?? '.');
  const rel = path.relative(out, folder);
  if (rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel))) {
    return [
      {
        field: `${field}.local.path`,
        value: config?.local?.path,
        allowed: `a folder outside the output folder ${outDir}`,
        fix: 'state inside the output folder is where it gets lost; keep it beside the output folder (the default) or in a remote backend',
      },
    ];
  }
  return [];
}

/**
 * Adds the state backend to a stack that cdktf synthesizes to `<out>/stacks/<stack>/`. Each stack
 * gets its own state: `terraform.<stack>.tfstate` beside the output folder (local), or the key
 * `<keyPrefix>/<stack>.tfstate` (s3, azurerm). No credentials are ever written.
 */
export function addStateBackend(stack: TerraformStack, config?: StateBackendConfig): void {
  const problems = stateBackendProblems(config);
  if (problems.length > 0) throw new IdhaValidationError(problems);
  const stackName = stack.node.id;
  if (config?.s3) {
    const s = config.s3;
    const props: S3BackendConfig & { useLockfile?: boolean } = {
      bucket: s.bucket,
      key: stateKey(s.keyPrefix, stackName),
      region: s.region,
      encrypt: s.encrypt ?? true,
      ...(s.dynamodbTable !== undefined ? { dynamodbTable: s.dynamodbTable } : {}),
      // cdktf 0.21's S3BackendConfig predates use_lockfile; it renders every key in snake case.
      ...((s.useLockfile ?? s.dynamodbTable === undefined) ? { useLockfile: true } : {}),
    };
    new S3Backend(stack, props);
  } else if (config?.azurerm) {
    const a = config.azurerm;
    new AzurermBackend(stack, {
      storageAccountName: a.storageAccountName,
      containerName: a.containerName,
      key: stateKey(a.keyPrefix, stackName),
      ...(a.resourceGroupName !== undefined ? { resourceGroupName: a.resourceGroupName } : {}),
      ...(a.useAzureadAuth !== undefined ? { useAzureadAuth: a.useAzureadAuth } : {}),
    });
  } else {
    new LocalBackend(stack, { path: localStatePath(stackName, config?.local) });
  }
}

/** Where a stack's state lives, in words, for the synth summary. */
export function describeState(stackName: string, config: StateBackendConfig | undefined, outDir: string): string {
  if (config?.s3) return `s3://${config.s3.bucket}/${stateKey(config.s3.keyPrefix, stackName)}`;
  if (config?.azurerm)
    return `azurerm ${config.azurerm.storageAccountName}/${config.azurerm.containerName}/${stateKey(config.azurerm.keyPrefix, stackName)}`;
  const folder = config?.local?.path ?? '.';
  const abs = path.resolve(path.dirname(path.resolve(outDir)), folder, `terraform.${stackName}.tfstate`);
  return path.relative(process.cwd(), abs) || abs;
}

/** The state backend rules of `idha synth`, for stacks of your own (in every jsii language). */
export class StateBackend {
  /**
   * Adds the backend `config` describes to `stack` (local state beside the output folder by
   * default), after checking it. Throws with every problem found.
   */
  public static addTo(stack: TerraformStack, config?: StateBackendConfig): void {
    addStateBackend(stack, config);
  }

  /** The problems `config` has, as data (empty when it is fine). */
  public static validate(config?: StateBackendConfig): Problem[] {
    return stateBackendProblems(config);
  }

  private constructor() {}
}
