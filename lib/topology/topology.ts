import * as fs from 'fs';
import * as path from 'path';
import type { ErrorObject, ValidateFunction } from 'ajv';
import * as YAML from 'yaml';
import { IdhaValidationError, Problem } from '../core/errors';
import type { IqServiceHaPairProps } from '../iqservice/iqservice-ha-pair';
import type { TopologyProviders } from '../platforms/registry';
import type { StateBackendConfig } from '../synth/state-backend';

/** A topology file, after schema validation. */
export interface Topology {
  readonly version: 1;
  readonly name?: string;
  readonly providers?: TopologyProviders;
  /** Where Terraform keeps each stack's state. @default local, beside the output folder */
  readonly backend?: StateBackendConfig;
  readonly services: readonly TopologyService[];
}

/** One service in a topology file: the pair's props, with targets as raw blocks keyed by platform. */
export interface TopologyService extends Omit<IqServiceHaPairProps, 'serviceName' | 'targets'> {
  readonly kind?: 'iqservice-pair';
  readonly name: string;
  readonly targets: Record<string, unknown>;
}

/** Path of the JSON Schema shipped with the package. */
export const TOPOLOGY_SCHEMA_PATH = path.resolve(__dirname, '..', '..', '..', 'schema', 'topology.schema.json');

/** The schema's validator, precompiled at build time by compile-schema.ts (ajv standalone code). */
function schemaValidator(): ValidateFunction {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('./topology-validator') as ValidateFunction;
}

/** `/services/0/primary` -> `services[0].primary` */
export function jsonPointerToField(pointer: string): string {
  return pointer.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, seg) => (/^[0-9]+$/.test(seg) ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg), '');
}

function ajvProblem(e: ErrorObject): Problem {
  const at = jsonPointerToField(e.instancePath);
  const join = (f: string) => (at ? `${at}.${f}` : f);
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = (e.params as { additionalProperty: string }).additionalProperty;
      const known = Object.keys((e.parentSchema as { properties?: object })?.properties ?? {}).filter((k) => k !== '$schema');
      const secret = /secret|password|passwd|token|sas|access_?key|credential/i.test(key);
      return {
        field: join(key), value: secret ? '(not shown)' : (e.data as Record<string, unknown>)[key], allowed: `no key "${key}" here; known keys: ${known.join(', ')}`,
        fix: secret ? 'secrets never go in the topology file: Terraform reads credentials from the environment (AWS_PROFILE or AWS_ACCESS_KEY_ID, ARM_ACCESS_KEY or az login, TF_VAR_bigip_password); remove it' : 'remove it or fix its spelling (unknown keys are never ignored)',
      };
    }
    case 'required': {
      const key = (e.params as { missingProperty: string }).missingProperty;
      return { field: join(key), value: undefined, allowed: 'a value (this key is required)', fix: `add ${key}` };
    }
    case 'enum':
      return { field: at || '(top level)', value: e.data, allowed: `one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}` };
    case 'const':
      return { field: at || '(top level)', value: e.data, allowed: JSON.stringify((e.params as { allowedValue: unknown }).allowedValue) };
    default:
      return { field: at || '(top level)', value: e.data, allowed: e.message ?? 'a valid value' };
  }
}

/** Checks a parsed document against the topology schema; throws with every problem found. */
export function validateTopologyDocument(doc: unknown, source = 'topology'): Topology {
  const validate = schemaValidator();
  if (!validate(doc)) {
    const seen = new Set<string>();
    const problems = (validate.errors ?? []).map(ajvProblem).filter((p) => {
      const k = `${p.field}|${p.allowed}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
    throw new IdhaValidationError(problems, source);
  }
  return doc as Topology;
}

/** Reads a YAML or JSON topology file and validates it against the schema. */
export function loadTopologyFile(file: string): Topology {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new IdhaValidationError([{ field: '--config', value: file, allowed: 'a readable YAML or JSON topology file', fix: (e as Error).message }]);
  }
  const parsed = YAML.parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (parsed.errors.length > 0) {
    throw new IdhaValidationError(parsed.errors.map((err) => ({
      field: `(line ${err.linePos?.[0]?.line ?? '?'})`, value: undefined, allowed: 'valid YAML or JSON', fix: err.message.split('\n')[0],
    })), file);
  }
  return validateTopologyDocument(parsed.toJS(), file);
}
