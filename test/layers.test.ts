/**
 * The layers of lib/, read from the imports of every file: a renderer (lib/platforms) reads only the
 * model and never imports a construct; a construct (lib/cluster, lib/web-tier, lib/iqservice) never
 * imports a renderer; core and model import nothing above them. The rules are data, checked by one
 * pure function, with a negative control.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'fs';
import * as path from 'path';
import { describe, it } from 'node:test';
import { REPO } from './helpers';

const LIB = path.join(REPO, 'lib');
const CONSTRUCTS = ['cluster', 'web-tier', 'iqservice'];

/** The top folders of lib/ each top folder may import (besides itself and packages). */
const ALLOWED: Record<string, string[]> = {
  core: [],
  model: ['core'],
  hosts: ['core', 'model'],
  platforms: ['core', 'model', 'hosts'],
  cluster: ['core', 'model', 'hosts'],
  'web-tier': ['core', 'model', 'hosts', 'cluster'],
  iqservice: ['core', 'model', 'hosts'],
  runtime: ['core', 'model', 'platforms/haproxy/haproxy-config'],
};

interface Edge { readonly from: string; readonly to: string }

/** Every relative import in lib/, as paths relative to lib/ without the extension. */
function edges(): Edge[] {
  const out: Edge[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) {
        const src = fs.readFileSync(p, 'utf8');
        for (const m of src.matchAll(/^(?:import|export)\b[^;]*?from '(\.[^']+)'/gms)) {
          out.push({ from: path.relative(LIB, p).replace(/\.ts$/, ''), to: path.relative(LIB, path.resolve(dir, m[1])) });
        }
      }
    }
  };
  walk(LIB);
  return out;
}

/** The edges that break a rule, each with the rule it breaks. */
export function violations(all: readonly Edge[]): string[] {
  const bad: string[] = [];
  for (const { from, to } of all) {
    const top = from.split('/')[0];
    const toTop = to.split('/')[0];
    if (toTop === top || !(top in ALLOWED)) continue;
    const ok = ALLOWED[top].some((a) => to === a || toTop === a || to.startsWith(`${a}/`));
    if (ok) continue;
    const why = top === 'platforms' && CONSTRUCTS.includes(toTop) ? 'a renderer imports a construct'
      : CONSTRUCTS.includes(top) && toTop === 'platforms' ? 'a construct imports a renderer'
        : `${top} may import only ${ALLOWED[top].join(', ') || 'nothing in lib'}`;
    bad.push(`${from} -> ${to}: ${why}`);
  }
  return bad;
}

describe('the layers of lib/, from the imports', () => {
  const all = edges();

  it('THEN the imports were read (a sanity floor: every platform imports the model)', () => {
    assert.ok(all.length > 200, `${all.length} imports`);
    assert.ok(all.some((e) => e.from.startsWith('platforms/mod-jk/') && e.to === 'model/web-tier-model'));
  });

  it('GIVEN today\'s tree THEN no renderer imports a construct, no construct imports a renderer, and core, model, hosts and runtime import nothing above them', () => {
    assert.deepEqual(violations(all), []);
  });

  it('negative control: GIVEN a renderer importing the web tier construct, and a construct importing a renderer THEN both are named', () => {
    const v = violations([
      { from: 'platforms/mod-jk/mod-jk-target', to: 'web-tier/ha-web-tier' },
      { from: 'iqservice/iqservice-ha-pair', to: 'platforms/target' },
      { from: 'model/web-tier-model', to: 'platforms/web-checks' },
      { from: 'platforms/mod-jk/mod-jk-target', to: 'model/web-tier-model' },
    ]);
    assert.deepEqual(v, [
      'platforms/mod-jk/mod-jk-target -> web-tier/ha-web-tier: a renderer imports a construct',
      'iqservice/iqservice-ha-pair -> platforms/target: a construct imports a renderer',
      'model/web-tier-model -> platforms/web-checks: model may import only core',
    ]);
  });
});
