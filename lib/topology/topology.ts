import { FailoverClusterProps } from '../constructs/failover-cluster';
import type { BalancerStandbyProps, HaWebTierProps } from '../constructs/ha-web-tier';
import * as fs from 'fs';
import * as path from 'path';
import type { ErrorObject, ValidateFunction } from 'ajv';
import * as YAML from 'yaml';
import { IdhaValidationError, isSecretKey, Problem } from '../core/errors';
import { isNumberTokenLike, TEMPLATE_SEQUENCE, terraformLiteral, TOKEN_MARKER } from '../core/lang/terraform';
import type { IqServiceHaPairProps } from '../constructs/iqservice-ha-pair';
import type { TopologyProviders } from './registry';
import type { SessionFailoverProps } from '../session-failover/session-failover-plan';
import type { StateBackendConfig } from './state-backend';

/** A topology file, after schema validation. */
export interface TopologyDocument {
  readonly version: 1;
  readonly name?: string;
  readonly providers?: TopologyProviders;
  /** Where Terraform keeps each stack's state. @default - local, beside the output folder */
  readonly backend?: StateBackendConfig;
  readonly services: readonly TopologyService[];
  /** Active/passive failover clusters: a virtual IP (keepalived, Pacemaker, WSFC) or a cloud load balancer. */
  readonly clusters?: readonly TopologyCluster[];
  /** HA web tiers: Tomcats behind a balancer, a pool per application. */
  readonly webTiers?: readonly TopologyWebTier[];
  /** An Identity Server cluster's session failover, for `idha peers`. */
  readonly sessionFailover?: SessionFailoverProps;
}

/** One failover cluster in a topology file: the construct's props, with targets keyed by platform. */
export interface TopologyCluster extends Omit<FailoverClusterProps, 'targets'> {
  readonly name: string;
  /** Raw blocks keyed by cluster platform (CLUSTER_PLATFORMS). */
  readonly targets: Record<string, unknown>;
}

/** One web tier in a topology file: the construct's props, with targets keyed by platform. */
export interface TopologyWebTier extends Omit<HaWebTierProps, 'targets' | 'balancerStandby'> {
  readonly name: string;
  /** Raw blocks keyed by web platform (WEB_PLATFORMS). */
  readonly targets: Record<string, unknown>;
  readonly balancerStandby?: Omit<BalancerStandbyProps, 'targets'> & { readonly targets: Record<string, unknown> };
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
  return require('./topology-validator') as ValidateFunction;
}

/** `/services/0/primary` -> `services[0].primary` */
export function jsonPointerToField(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, seg) => (/^[0-9]+$/.test(seg) ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg), '');
}

/** Keys that moved from a target block to the service, and what to write there now. */
const MOVED_TO_SERVICE: Record<string, string> = {
  idleTimeoutMinutes: 'idleTimeoutMinutes',
  shutdownSessionsOnMarkedDown: 'onFailover: reset (or true -> reset, false -> keep)',
  cutBackupSessionsOnFailback: 'onFailback: reset (or true -> reset, false -> keep)',
};

function ajvProblem(e: ErrorObject): Problem {
  const at = jsonPointerToField(e.instancePath);
  const join = (f: string) => (at ? `${at}.${f}` : f);
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = (e.params as { additionalProperty: string }).additionalProperty;
      const known = Object.keys((e.parentSchema as { properties?: object })?.properties ?? {}).filter((k) => k !== '$schema');
      const secret = isSecretKey(key);
      const moved = MOVED_TO_SERVICE[key];
      if (moved && /^services\[\d+\]\.targets\./.test(at)) {
        return {
          field: join(key),
          value: (e.data as Record<string, unknown>)[key],
          allowed: `no key "${key}" here: it is a setting of the service now, the same on every platform`,
          fix: `write ${moved} under ${at.replace(/\.targets\..*$/, '')} instead`,
        };
      }
      return {
        field: join(key),
        value: secret ? '(not shown)' : (e.data as Record<string, unknown>)[key],
        allowed: `no key "${key}" here; known keys: ${known.join(', ')}`,
        fix: secret
          ? 'secrets never go in the topology file: Terraform reads credentials from the environment (AWS_PROFILE or AWS_ACCESS_KEY_ID, ' +
            'ARM_ACCESS_KEY or az login, TF_VAR_bigip_password); remove it'
          : 'remove it or fix its spelling (unknown keys are never ignored)',
      };
    }
    case 'required': {
      const key = (e.params as { missingProperty: string }).missingProperty;
      return { field: join(key), value: undefined, allowed: 'a value (this key is required)', fix: `add ${key}` };
    }
    case 'enum':
      return {
        field: at || '(top level)',
        value: e.data,
        allowed: `one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`,
      };
    case 'const':
      return { field: at || '(top level)', value: e.data, allowed: JSON.stringify((e.params as { allowedValue: unknown }).allowedValue) };
    case 'type': {
      const words: Record<string, string> = {
        integer: 'a whole number',
        number: 'a number',
        string: 'text (a string)',
        boolean: 'true or false',
        object: 'a mapping (key: value lines)',
        array: 'a list',
      };
      const types = String((e.params as { type: string }).type).split(',');
      return { field: at || '(top level)', value: e.data, allowed: types.map((x) => words[x] ?? x).join(' or ') };
    }
    case 'minProperties': {
      const n = (e.params as { limit: number }).limit;
      const known = Object.keys((e.parentSchema as { properties?: object })?.properties ?? {});
      return {
        field: at || '(top level)',
        value: e.data,
        allowed: `at least ${n} key${n === 1 ? '' : 's'}${known.length ? ` (of ${known.join(', ')})` : ''}`,
        fix: 'fill it in, or remove the empty block',
      };
    }
    case 'minItems': {
      const n = (e.params as { limit: number }).limit;
      return { field: at || '(top level)', value: e.data, allowed: `a list of at least ${n} item${n === 1 ? '' : 's'}` };
    }
    case 'maxItems':
      return { field: at || '(top level)', value: e.data, allowed: `a list of at most ${(e.params as { limit: number }).limit} items` };
    case 'minLength':
      return { field: at || '(top level)', value: e.data, allowed: `text of at least ${(e.params as { limit: number }).limit} character(s)` };
    case 'maxLength':
      return { field: at || '(top level)', value: e.data, allowed: `text of at most ${(e.params as { limit: number }).limit} characters` };
    case 'pattern': {
      const described = (e.parentSchema as { description?: string })?.description;
      return { field: at || '(top level)', value: e.data, allowed: described ?? `text matching ${(e.params as { pattern: string }).pattern}` };
    }
    case 'minimum':
    case 'maximum':
      return {
        field: at || '(top level)',
        value: e.data,
        allowed: `a number ${e.keyword === 'minimum' ? 'from' : 'up to'} ${(e.params as { limit: number }).limit}`,
      };
    case 'anyOf':
    case 'oneOf':
      return { field: at || '(top level)', value: e.data, allowed: 'one of the forms this key takes (see docs/topology.md)' };
    default:
      // Never ajv's own wording: name the rule instead.
      return { field: at || '(top level)', value: e.data, allowed: `a value that meets the schema's ${e.keyword} rule (see docs/topology.md)` };
  }
}

/**
 * The largest topology file idha reads. A topology of 1,000 services is about 0.5 MiB; the YAML
 * parser needs up to 1.3 s per MiB for the worst shapes, so this keeps any input well inside 2 s.
 */
export const MAX_TOPOLOGY_BYTES = 1024 * 1024;
/**
 * The most lines plus commas a topology may have: they bound the number of YAML nodes, and so the
 * parser's time. A topology of 1,000 services has about 40,000.
 */
export const MAX_TOPOLOGY_LINES_AND_COMMAS = 100_000;
/** The longest list and the most keys in one mapping (the schema's lists are far shorter). */
export const MAX_LIST_ITEMS = 10_000;
export const MAX_MAP_KEYS = 1_000;
/** How deep a topology document may nest (the schema needs 6 levels). */
export const MAX_TOPOLOGY_DEPTH = 32;
/** How many YAML aliases (*name) a document may use. */
export const MAX_YAML_ALIASES = 100;
/** How many problems of one kind are collected before the rest are only counted. */
const MAX_COLLECTED = 50;

/** Control characters have no place in names, addresses or IDs. */
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * Problems of a parsed document that the schema cannot see: nesting deeper than
 * {@link MAX_TOPOLOGY_DEPTH}, and control characters (NUL, newlines, escapes) in keys or values.
 */
export function documentShapeProblems(doc: unknown): Problem[] {
  const problems: Problem[] = [];
  const walk = (v: unknown, at: string, depth: number): void => {
    if (problems.length >= MAX_COLLECTED) return;
    if (depth > MAX_TOPOLOGY_DEPTH) {
      problems.push({
        field: at || '(top level)',
        value: '(not shown)',
        allowed: `at most ${MAX_TOPOLOGY_DEPTH} levels of nesting`,
        fix: 'a topology needs 6; this document is not a topology',
      });
      return;
    }
    if (typeof v === 'string') {
      if (CONTROL.test(v))
        problems.push({
          field: at || '(top level)',
          value: v,
          allowed: 'text without control characters (NUL, tab, newline, escape)',
          fix: 'retype the value; it may have been pasted with hidden characters',
        });
      else if (TOKEN_MARKER.test(v))
        problems.push({
          field: at || '(top level)',
          value: v,
          allowed: 'a value, not a cdktf token marker',
          fix: "tokens can't come from a topology file; pass the value itself, or use the construct API",
        });
      else if (TEMPLATE_SEQUENCE.test(v) && !isFreeText(at))
        problems.push({
          field: at || '(top level)',
          value: v,
          allowed: 'a value without ${ or %{ (Terraform would read them as a reference or a directive)',
          fix:
            'write the value itself: a topology file holds values, not Terraform expressions (only tags are free text, and there ${ is ' +
            'kept literally)',
        });
    } else if (typeof v === 'number' && isNumberTokenLike(v)) {
      problems.push({
        field: at || '(top level)',
        value: v,
        allowed: 'a number below 1e288 (larger ones are how cdktf encodes number tokens)',
        fix: 'write the value itself',
      });
    } else if (Array.isArray(v)) {
      if (v.length > MAX_LIST_ITEMS) {
        problems.push({
          field: at || '(top level)',
          value: `(a list of ${v.length} items)`,
          allowed: `a list of at most ${MAX_LIST_ITEMS} items`,
          fix: 'split the topology into several files',
        });
        return;
      }
      v.forEach((x, i) => walk(x, `${at}[${i}]`, depth + 1));
    } else if (v !== null && typeof v === 'object') {
      const keys = Object.keys(v).length;
      if (keys > MAX_MAP_KEYS) {
        problems.push({
          field: at || '(top level)',
          value: `(a mapping of ${keys} keys)`,
          allowed: `a mapping of at most ${MAX_MAP_KEYS} keys`,
          fix: 'this is not a topology',
        });
        return;
      }
      for (const [k, x] of Object.entries(v)) {
        const field = at ? `${at}.${k}` : k;
        if (CONTROL.test(k))
          problems.push({ field: JSON.stringify(field), value: k, allowed: 'a key without control characters', fix: 'retype the key' });
        walk(x, field, depth + 1);
      }
    }
  };
  walk(doc, '', 0);
  return problems;
}

/** Fields of a topology whose text is free (tag keys and values): Terraform gets them literally. */
function isFreeText(field: string): boolean {
  return /\.tags(\.|$)/.test(field);
}

/** The document with every tag key and value made literal for Terraform (`${` as `$${`). */
function withLiteralTags<T>(v: T): T {
  if (Array.isArray(v)) return v.map((x) => withLiteralTags(x)) as unknown as T;
  if (v === null || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (k === 'tags' && x !== null && typeof x === 'object' && !Array.isArray(x)) {
      out[k] = Object.fromEntries(Object.entries(x).map(([tk, tv]) => [terraformLiteral(tk), typeof tv === 'string' ? terraformLiteral(tv) : tv]));
    } else out[k] = withLiteralTags(x);
  }
  return out as T;
}

/** Checks a parsed document against the topology schema; throws with every problem found. */
export function validateTopologyDocument(doc: unknown, source = 'topology'): TopologyDocument {
  if (doc === null || doc === undefined) {
    throw new IdhaValidationError(
      [
        {
          field: '(document)',
          value: undefined,
          allowed: 'a topology: a mapping with version and services',
          fix: 'the file is empty (or only comments); start from examples/iqservice-pair.yaml',
        },
      ],
      source,
    );
  }
  const shape = documentShapeProblems(doc);
  if (shape.length > 0) throw new IdhaValidationError(shape, source);
  const validate = schemaValidator();
  if (!validate(doc)) {
    const errors = validate.errors ?? [];
    const seen = new Set<string>();
    const problems: Problem[] = [];
    for (const e of errors) {
      const p = ajvProblem(e);
      const k = `${p.field}|${p.allowed}`;
      if (seen.has(k)) continue;
      seen.add(k);
      problems.push(p);
      if (problems.length >= MAX_COLLECTED) break;
    }
    throw new IdhaValidationError(problems, source, errors.length > problems.length ? errors.length - problems.length : 0);
  }
  const d = doc as { services?: unknown; sessionFailover?: unknown; clusters?: unknown; webTiers?: unknown };
  if (d.services === undefined) {
    if (d.sessionFailover === undefined && d.clusters === undefined && d.webTiers === undefined) {
      throw new IdhaValidationError(
        [
          {
            field: 'services',
            value: undefined,
            allowed: 'a list of services (or clusters, webTiers, or a sessionFailover block for idha peers)',
            fix: 'add services:',
          },
        ],
        source,
      );
    }
    // A topology for `idha peers` only; `idha synth` says it has nothing to render.
    return { ...withLiteralTags(doc as object), services: [] } as unknown as TopologyDocument;
  }
  return withLiteralTags(doc) as TopologyDocument;
}

/** The 1-based line of a character offset. */
function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/** Keys given twice in one mapping, found in one pass (at most {@link MAX_COLLECTED}). */
function duplicateKeyProblems(text: string, doc: YAML.Document.Parsed): Problem[] {
  const problems: Problem[] = [];
  YAML.visit(doc, {
    Map(_, map) {
      const seen = new Set<string>();
      for (const pair of map.items) {
        if (!YAML.isScalar(pair.key)) continue;
        const key = String(pair.key.value);
        if (seen.has(key) && problems.length < MAX_COLLECTED) {
          problems.push({
            field: `(line ${lineOf(text, pair.key.range?.[0] ?? 0)})`,
            value: key,
            allowed: 'each key once per mapping',
            fix: `the key ${key} appears twice in this mapping; keep one`,
          });
        }
        seen.add(key);
      }
      return problems.length >= MAX_COLLECTED ? YAML.visit.BREAK : undefined;
    },
  });
  return problems;
}

/** A YAML parse error as a problem: the message without its source excerpt, cut to a sane length. */
function yamlProblem(text: string, err: YAML.YAMLError): Problem {
  const line = lineOf(text, err.pos[0]);
  const message = err.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
  if (/call stack/i.test(message)) {
    return {
      field: `(line ${line})`,
      value: undefined,
      allowed: `at most ${MAX_TOPOLOGY_DEPTH} levels of nesting`,
      fix: 'this document nests far deeper; it is not a topology',
    };
  }
  return {
    field: `(line ${line})`,
    value: undefined,
    allowed: 'valid YAML or JSON',
    fix: message.length > 200 ? `${message.slice(0, 200)}...` : message,
  };
}

/**
 * Decodes a topology file: UTF-8 (a byte-order mark is dropped). UTF-16 and other encodings are
 * refused with the fix, never echoed back.
 */
function decodeTopology(bytes: Buffer, file: string): string {
  const refuse = (allowed: string, fix: string): never => {
    throw new IdhaValidationError([{ field: '--config', value: file, allowed, fix }]);
  };
  if (
    (bytes[0] === 0xff && bytes[1] === 0xfe) ||
    (bytes[0] === 0xfe && bytes[1] === 0xff) ||
    (bytes.length >= 2 && (bytes[0] === 0 || bytes[1] === 0))
  ) {
    refuse(
      'a UTF-8 text file; this one is UTF-16',
      'save the file as UTF-8 (in Notepad: Save As, Encoding UTF-8; in PowerShell: Out-File -Encoding utf8)',
    );
  }
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  } catch {
    return refuse('a UTF-8 text file; this one has bytes that are not UTF-8', 'save the file as UTF-8');
  }
}

/**
 * Parses topology text (YAML or JSON) and validates it. Bounded: the text's size, YAML aliases,
 * nesting depth and the number of problems collected all have limits, so any input is answered
 * quickly with a clean error.
 */
export function parseTopologyText(text: string, source = 'topology'): TopologyDocument {
  // One pass bounds what the parser will do: nodes (lines and commas) and flow nesting ([ and {),
  // which the parser follows by recursion (a million "[" took 3.4 s and 960 MiB before this check).
  let count = 0;
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 44) count++;
    else if (c === 91 || c === 123) deepest = Math.max(deepest, ++depth);
    else if ((c === 93 || c === 125) && depth > 0) depth--;
  }
  if (deepest > MAX_TOPOLOGY_DEPTH) {
    throw new IdhaValidationError(
      [
        {
          field: '(document)',
          value: `(${deepest} nested [ or {)`,
          allowed: `at most ${MAX_TOPOLOGY_DEPTH} levels of nesting`,
          fix: 'a topology needs 6; this document is not a topology',
        },
      ],
      source,
    );
  }
  if (count > MAX_TOPOLOGY_LINES_AND_COMMAS) {
    throw new IdhaValidationError(
      [
        {
          field: '(document)',
          value: `(${count} lines and commas)`,
          allowed: `at most ${MAX_TOPOLOGY_LINES_AND_COMMAS} lines and commas (a topology of 1,000 services has about 40,000)`,
          fix: 'check that --config names the topology file, or split it',
        },
      ],
      source,
    );
  }
  let parsed: YAML.Document.Parsed;
  let doc: unknown;
  try {
    // The parser's own uniqueKeys check compares every pair of keys (200,000 keys took minutes):
    // duplicates are found in one pass below instead.
    parsed = YAML.parseDocument(text, { prettyErrors: false, uniqueKeys: false });
    if (parsed.errors.length > 0) {
      const shown = parsed.errors.slice(0, MAX_COLLECTED).map((err) => yamlProblem(text, err));
      throw new IdhaValidationError(shown, source, parsed.errors.length - shown.length);
    }
    const duplicates = duplicateKeyProblems(text, parsed);
    if (duplicates.length > 0) throw new IdhaValidationError(duplicates, source);
    doc = parsed.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch (e) {
    if (e instanceof IdhaValidationError) throw e;
    if (e instanceof RangeError) {
      throw new IdhaValidationError(
        [
          {
            field: '(document)',
            value: undefined,
            allowed: `at most ${MAX_TOPOLOGY_DEPTH} levels of nesting`,
            fix: 'this document nests far deeper; it is not a topology',
          },
        ],
        source,
      );
    }
    const unresolved = e instanceof ReferenceError ? /^Unresolved alias.*?:\s*(.*)$/.exec(e.message) : null;
    if (unresolved) {
      throw new IdhaValidationError(
        [
          {
            field: '(document)',
            value: `*${unresolved[1]}`,
            allowed: 'an alias whose anchor (&name) is set earlier in the file',
            fix: `define &${unresolved[1]} before *${unresolved[1]} is used, or write the value out`,
          },
        ],
        source,
      );
    }
    if (e instanceof ReferenceError && /alias/i.test(e.message)) {
      throw new IdhaValidationError(
        [
          {
            field: '(document)',
            value: undefined,
            allowed: `YAML aliases that expand to at most ${MAX_YAML_ALIASES} copies`,
            fix: 'write the values out instead of nesting aliases (a "billion laughs" document is refused)',
          },
        ],
        source,
      );
    }
    throw e;
  }
  return validateTopologyDocument(doc, source);
}

/** Reads a YAML or JSON topology file and validates it against the schema. */
export function loadTopologyFile(file: string): TopologyDocument {
  let bytes: Buffer;
  try {
    const st = fs.statSync(file);
    if (!st.isFile()) throw new Error('not a regular file');
    if (st.size > MAX_TOPOLOGY_BYTES) {
      throw new IdhaValidationError([
        {
          field: '--config',
          value: file,
          allowed: `a topology file of at most ${MAX_TOPOLOGY_BYTES / 1024 / 1024} MiB; this one is ${(st.size / 1024 / 1024).toFixed(1)} MiB`,
          fix: 'check that --config names the topology file',
        },
      ]);
    }
    bytes = fs.readFileSync(file);
  } catch (e) {
    if (e instanceof IdhaValidationError) throw e;
    throw new IdhaValidationError([{ field: '--config', value: file, allowed: 'a readable YAML or JSON topology file', fix: (e as Error).message }]);
  }
  return parseTopologyText(decodeTopology(bytes, file), file);
}
