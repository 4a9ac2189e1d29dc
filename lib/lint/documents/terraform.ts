import { parseSuppression } from '../text';
import { type LintDocument, LintInputError, type Suppression } from '../types';
import { isObject, JsonSource } from './json';

/** A resource from Terraform JSON (`cdk.tf.json`) or from a plan (`terraform show -json`). */
export interface TfResource {
  readonly type: string;
  /** `type.name` (with the module path in a plan). */
  readonly address: string;
  readonly values: Readonly<Record<string, unknown>>;
  /** Where it is in the file, found only when a rule fires. */
  readonly path: ReadonlyArray<string | number>;
  /** The length of `path`'s container of resources (see JsonSource.lineOf). */
  readonly anchor: number;
}

export interface TerraformDocument extends LintDocument {
  readonly kind: 'terraform';
  /** `config` for Terraform JSON, `plan` for `terraform show -json` output. */
  readonly form: 'config' | 'plan';
  readonly resources: readonly TfResource[];
  readonly source: JsonSource;
  /** The line of a resource, or of one of its attributes. */
  lineOf(resource: TfResource, ...attribute: Array<string | number>): number;
}

/**
 * Terraform JSON or a plan. Suppressions go in a resource's `//` comment key (Terraform ignores it;
 * cdktf keeps its metadata there): `"//": "idha-lint-ignore IDHA-AZ-001: reason"`, or a string
 * anywhere inside an object `//`.
 */
export function parseTerraform(file: string, text: string): TerraformDocument {
  const source = new JsonSource(file, text);
  const root = source.value;
  if (!isObject(root)) throw new LintInputError(file, 'not Terraform JSON: the top level is not an object');
  const resources: TfResource[] = [];
  const suppressions: Suppression[] = [];
  let form: 'config' | 'plan';
  if ('planned_values' in root || ('format_version' in root && 'values' in root)) {
    form = 'plan';
    const top = isObject(root.planned_values) ? 'planned_values' : 'values';
    const walk = (mod: unknown, path: Array<string | number>) => {
      if (!isObject(mod)) return;
      (Array.isArray(mod.resources) ? mod.resources : []).forEach((r, i) => {
        if (isObject(r) && r.mode !== 'data' && typeof r.type === 'string' && isObject(r.values))
          resources.push({
            type: r.type,
            address: `${r.address ?? r.type}`,
            values: r.values,
            path: [...path, 'resources', i, 'values'],
            anchor: path.length + 1,
          });
      });
      (Array.isArray(mod.child_modules) ? mod.child_modules : []).forEach((c, i) => walk(c, [...path, 'child_modules', i]));
    };
    walk((root[top] as Record<string, unknown> | undefined)?.root_module, [top, 'root_module']);
  } else if ('resource' in root || 'terraform' in root || 'provider' in root) {
    form = 'config';
    const res = root.resource;
    if (isObject(res)) {
      for (const [type, byName] of Object.entries(res)) {
        if (!isObject(byName)) continue;
        for (const [name, values] of Object.entries(byName)) {
          if (!isObject(values)) continue;
          const path = ['resource', type, name];
          resources.push({ type, address: `${type}.${name}`, values, path, anchor: 2 });
          for (const c of comments(values['//'])) {
            const s = parseSuppression(c);
            if (s) suppressions.push({ ...s, line: source.lineOf([...path, '//']), ...source.rangeOf(path) });
          }
        }
      }
    }
  } else throw new LintInputError(file, 'not Terraform JSON nor a plan: no "resource", "terraform" or "planned_values"');
  return {
    kind: 'terraform',
    file,
    form,
    resources,
    source,
    suppressions,
    lineOf: (r, ...attribute) => source.lineOf([...r.path, ...attribute], r.anchor),
  };
}

function comments(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.flatMap(comments);
  if (isObject(v)) return Object.values(v).flatMap(comments);
  return [];
}

/** The first element of a block: the bindings write single blocks as objects, plans as one-element lists. */
export function block(v: unknown): Record<string, unknown> | undefined {
  if (Array.isArray(v)) return isObject(v[0]) ? v[0] : undefined;
  return isObject(v) ? v : undefined;
}

/** A number attribute written as a number or a string ("15054"). */
export function num(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  return undefined;
}
