import { strict as assert } from 'node:assert';
import { it } from 'node:test';
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync, SpawnSyncReturns } from 'child_process';
import Ajv from 'ajv';
import * as ipaddr from 'ipaddr.js';
import { Testing, TerraformStack } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import {
  AwsNlbTarget,
  AwsNlbTargetProps,
  BigipProvider,
  AzureLoadBalancerTarget,
  AzureLoadBalancerTargetProps,
  F5BigIpTarget,
  F5BigIpTargetProps,
  IqServiceHaPair,
  IqServiceHaPairProps,
} from '../lib/internal';

export const REPO = path.resolve(__dirname, '..', '..');
export const IDHA = path.join(REPO, 'bin', 'idha.js');
export const EXAMPLE = path.join(REPO, 'examples', 'iqservice-pair.yaml');

export const AZURE: AzureLoadBalancerTargetProps = {
  resourceGroupName: 'rg-identity',
  location: 'westeurope',
  subnetId: '/subscriptions/0000/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet1/subnets/snet1',
  networkSecurityGroupName: 'nsg-iq',
};
export const AWS: AwsNlbTargetProps = {
  vpcId: 'vpc-0a1b2c3d',
  subnetIds: ['subnet-0aaa1111', 'subnet-0bbb2222'],
  targetSecurityGroupId: 'sg-0123abcd',
};
export const F5: F5BigIpTargetProps = { virtualAddress: '10.0.0.50' };

/** A valid pair; tests override one field at a time. */
export function pairProps(over: Partial<IqServiceHaPairProps> = {}): IqServiceHaPairProps {
  return {
    primary: { address: '10.0.1.10', iqserviceVersion: '8.4p2' },
    secondary: { address: '10.0.2.10', iqserviceVersion: '8.4p2' },
    allowedClients: ['10.20.0.0/24'],
    targets: [new AzureLoadBalancerTarget(AZURE), new AwsNlbTarget(AWS), new F5BigIpTarget(F5)],
    ...over,
  };
}

/** Builds a pair in a fresh stack and returns the synthesized Terraform JSON (validations run). */
export function synthPair(props: IqServiceHaPairProps): { tf: any; pair: IqServiceHaPair } {
  const app = Testing.app();
  const stack = new TerraformStack(app, 'test');
  new AzurermProvider(stack, 'azurerm', { features: [{}] });
  new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
  new BigipProvider(stack, 'bigip', { address: '192.0.2.10', username: 'admin', password: 'x' });
  const pair = new IqServiceHaPair(stack, 'iqservice', props);
  return { tf: JSON.parse(Testing.synth(stack, true)), pair };
}

/** All resources of a type, as a list of attribute objects. */
/** A synthesized Terraform JSON document (cdk.tf.json), as far as the tests read it. */
export interface TfJson {
  readonly resource?: Record<string, Record<string, TfResource>>;
  readonly [key: string]: unknown;
}
/** One resource's arguments, in Terraform's snake_case as synthesized. */
export type TfResource = Record<string, any>;

/** Every resource of one Terraform type, in the order synthesized; empty when there is none. */
export function resources(tf: TfJson, type: string): TfResource[] {
  return Object.values(tf.resource?.[type] ?? {});
}

/** The problems a construct call raises (empty when it succeeds). */
export { problemsOf } from '../lib/core/errors';
import type { Problem } from '../lib/core/errors';

/** Runs the built CLI as a separate process. */
export function runIdha(args: string[], cwd = REPO, env: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [IDHA, ...args], { cwd, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
}

/** Every file under a folder with its content, for byte-for-byte comparison. */
export function snapshotDir(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else out[path.relative(dir, full)] = fs.readFileSync(full, 'utf8');
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return out;
}

let as3Validate: ReturnType<Ajv['compile']> | undefined;
/** The AS3 3.56.0 schema vendored in vendor/f5-as3, compiled once with ajv (strict off, all errors). */
export function as3Validator() {
  if (!as3Validate) {
    const schemaPath = process.env.IDHA_AS3_SCHEMA ?? path.resolve(REPO, 'vendor', 'f5-as3', 'as3-schema.json');
    const ajv = new Ajv({ strict: false, allErrors: true });
    // AS3's own formats: check the ones our declarations use for real, accept the others.
    ajv.addFormat('f5ip', (s: string) => {
      const [addr, mask] = s.split('/');
      const bare = addr.replace(/%\d+$/, '');
      return (bare === '' || ipaddr.isValid(bare)) && (mask === undefined || /^\d{1,3}$/.test(mask));
    });
    for (const f of ['f5bigip', 'f5pointer', 'uri', 'date-time', 'hostname', 'email']) ajv.addFormat(f, true);
    as3Validate = ajv.compile(JSON.parse(fs.readFileSync(schemaPath, 'utf8')));
  }
  return as3Validate;
}

/** One row of a validation matrix: a bad input, the field its problem must name, and an accepted neighbour. */
export interface MatrixRow<T> {
  readonly what: string;
  readonly bad: T;
  readonly field: string;
  readonly good: T;
  /** What the problem's `allowed` or `fix` must say. */
  readonly says?: RegExp;
}

/**
 * The validation matrix every module uses: for each row, GIVEN the bad input THEN a problem names
 * `field` (with `exact`, the only field named), every problem says what is allowed, and the
 * accepted neighbour has no problem. `problems` turns an input into its problems.
 */
export function besideItsNeighbour<T>(
  rows: ReadonlyArray<MatrixRow<T> | [string, T, string, T]>,
  problems: (input: T) => Problem[],
  opts: { exact?: boolean; verb?: string } = {},
): void {
  for (const row of rows) {
    const r: MatrixRow<T> = Array.isArray(row) ? { what: row[0], bad: row[1], field: row[2], good: row[3] } : (row as MatrixRow<T>);
    it(`GIVEN ${r.what} THEN the ${opts.verb ?? 'problem'} names ${r.field}; its neighbour passes`, () => {
      const bad = problems(r.bad);
      if (opts.exact) assert.deepEqual([...new Set(bad.map((p) => p.field))], [r.field], JSON.stringify(bad));
      else
        assert.ok(
          bad.some((p) => p.field === r.field),
          `expected a problem on ${r.field}, got ${JSON.stringify(bad)}`,
        );
      for (const p of bad) assert.ok(p.allowed.length > 0, `every problem says what is allowed: ${JSON.stringify(p)}`);
      if (r.says)
        assert.ok(
          bad.some((p) => p.field === r.field && r.says!.test(`${p.allowed} ${p.fix ?? ''}`)),
          `${r.field}: ${r.says} in ${JSON.stringify(bad)}`,
        );
      assert.deepEqual(problems(r.good), []);
    });
  }
}

/**
 * A RegExp from pieces of its source, for a pattern longer than a line (lines stay within 150
 * characters): `rx('m', String.raw`^server a`, String.raw` check$`)` is `/^server a check$/m`.
 */
export function rx(flags: string, ...source: string[]): RegExp {
  return new RegExp(source.join(''), flags);
}
