/**
 * The layers of lib/, read from the imports of every file: lib/framework/ alone imports the CDK
 * framework and its providers (cdktf, or cdktn in the CDK Terrain build); core imports only the
 * framework; the model imports core; a renderer (lib/platforms/<product>) reads only core, the model and the host plans,
 * never a construct nor another product's folder (shared/ is for all); a construct (lib/constructs)
 * never imports a renderer; topology wires constructs to platforms; synth sits on top; the runtime
 * reads core, the model and the pure HAProxy config writer; the linter imports nothing of lib/. The rules are data, checked by one pure
 * function, with a negative control.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'fs';
import * as path from 'path';
import { describe, it } from 'node:test';
import { REPO } from '../helpers';

const LIB = path.join(REPO, 'lib');

/** The top folders of lib/ each top folder may import (besides itself and packages). */
const ALLOWED: Record<string, string[]> = {
  framework: [],
  core: ['framework'],
  model: ['framework', 'core'],
  hosts: ['framework', 'core', 'model'],
  'session-failover': ['framework', 'core'],
  platforms: ['framework', 'core', 'model', 'hosts'],
  constructs: ['framework', 'core', 'model', 'hosts'],
  topology: ['framework', 'core', 'model', 'hosts', 'platforms', 'constructs', 'session-failover'],
  synth: ['framework', 'core', 'model', 'hosts', 'constructs', 'topology', 'session-failover', 'lint'],
  runtime: ['core', 'model', 'platforms/haproxy/haproxy-config', 'platforms/client-proxy/client-plan'],
  // The linter reads other people's configs: it shares no code with the renderers it checks, so a
  // renderer's mistake cannot hide in both.
  lint: [],
};

/** The CDK framework's packages (CDK for Terraform and CDK Terrain): only lib/framework/ imports them. */
const FRAMEWORK_PACKAGE = /^(?:cdktf|cdktn|@cdktf\/|@cdktn\/)/;

/** Every file outside lib/framework/ that imports a framework package, with the package. */
export function frameworkImportsOutside(files: ReadonlyArray<{ readonly file: string; readonly packages: readonly string[] }>): string[] {
  return files
    .filter((f) => !f.file.startsWith('framework/'))
    .flatMap((f) => f.packages.filter((p) => FRAMEWORK_PACKAGE.test(p)).map((p) => `${f.file} imports ${p} (import it from lib/framework/)`));
}

/** Every file of lib/ with the packages it imports (specifiers that are not relative). */
function packageImports(): Array<{ file: string; packages: string[] }> {
  const out: Array<{ file: string; packages: string[] }> = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) {
        const src = fs.readFileSync(p, 'utf8');
        const packages = [...src.matchAll(/(?:from |require\()'([^.'][^']*)'/g)].map((m) => m[1]);
        out.push({ file: path.relative(LIB, p), packages });
      }
    }
  };
  walk(LIB);
  return out;
}

interface Edge {
  readonly from: string;
  readonly to: string;
}

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
    const [top, product] = from.split('/');
    const [toTop, toProduct] = to.split('/');
    if (from.split('/').length === 1) continue; // lib/index.ts and lib/internal.ts export everything
    if (!(top in ALLOWED)) {
      bad.push(`${from}: lib/${top}/ is in no layer (add it to ALLOWED)`);
      continue;
    }
    if (toTop === top) {
      // Within lib/platforms/: a product's folder, and shared/ for all of them.
      if (top === 'platforms' && toProduct !== product && toProduct !== 'shared')
        bad.push(`${from} -> ${to}: a platform imports another product's folder (move what both need to platforms/shared/)`);
      continue;
    }
    const ok = ALLOWED[top].some((a) => to === a || toTop === a || to.startsWith(`${a}/`));
    if (ok) continue;
    const why =
      top === 'platforms' && toTop === 'constructs'
        ? 'a renderer imports a construct'
        : top === 'constructs' && toTop === 'platforms'
          ? 'a construct imports a renderer'
          : `${top} may import only ${ALLOWED[top].join(', ') || 'nothing in lib'}`;
    bad.push(`${from} -> ${to}: ${why}`);
  }
  return bad;
}

/** Every `instanceof` of a platform's class outside lib/platforms/: the orchestrator asks the target's interface instead. */
function platformInstanceofs(): string[] {
  const out: string[] = [];
  const classes = new Set<string>();
  const walk = (dir: string, visit: (file: string, src: string) => void): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p, visit);
      else if (e.name.endsWith('.ts')) visit(p, fs.readFileSync(p, 'utf8'));
    }
  };
  walk(path.join(LIB, 'platforms'), (_f, src) => {
    for (const m of src.matchAll(/^export (?:abstract )?class (\w+)/gm)) classes.add(m[1]);
  });
  walk(LIB, (f, src) => {
    if (f.startsWith(path.join(LIB, 'platforms'))) return;
    for (const m of src.matchAll(/instanceof (\w+)/g)) if (classes.has(m[1])) out.push(`${path.relative(LIB, f)}: instanceof ${m[1]}`);
  });
  return out;
}

describe('the layers of lib/, from the imports', () => {
  const all = edges();

  it('THEN the imports were read (a sanity floor: every platform imports the model)', () => {
    assert.ok(all.length > 200, `${all.length} imports`);
    assert.ok(all.some((e) => e.from.startsWith('platforms/mod-jk/') && e.to === 'model/web-tier-model'));
  });

  it(
    "GIVEN today's tree THEN every import follows the layers: no renderer imports a construct or another product, no construct imports a " +
      'renderer, nothing imports upward',
    () => {
      assert.deepEqual(violations(all), []);
    },
  );

  it("GIVEN today's tree THEN only lib/framework/ imports cdktf and its providers (the CDK Terrain build rewrites only that folder)", () => {
    const files = packageImports();
    assert.ok(files.some((f) => f.file === 'framework/cdktf.ts' && f.packages.includes('cdktf')));
    assert.deepEqual(frameworkImportsOutside(files), []);
  });

  it('negative control: GIVEN a construct that imports cdktf or a provider directly THEN it is named, and lib/framework/ is not', () => {
    const v = frameworkImportsOutside([
      { file: 'constructs/ha-web-tier.ts', packages: ['cdktf', 'constructs'] },
      { file: 'platforms/aws-alb/web-target.ts', packages: ['@cdktf/provider-aws/lib/lb'] },
      { file: 'framework/provider-aws.ts', packages: ['@cdktf/provider-aws/lib/lb'] },
      { file: 'core/address.ts', packages: ['ipaddr.js'] },
    ]);
    assert.deepEqual(v, [
      'constructs/ha-web-tier.ts imports cdktf (import it from lib/framework/)',
      'platforms/aws-alb/web-target.ts imports @cdktf/provider-aws/lib/lb (import it from lib/framework/)',
    ]);
  });

  it("GIVEN today's tree THEN nothing outside lib/platforms/ tests instanceof on a platform's class", () => {
    assert.deepEqual(platformInstanceofs(), []);
  });

  it(
    'negative control: GIVEN each kind of bad import (what the tree had before the redesign) THEN each is named, and its allowed neighbour ' +
      'is not',
    () => {
      const v = violations([
        { from: 'platforms/mod-jk/mod-jk-target', to: 'constructs/ha-web-tier' },
        { from: 'constructs/iqservice-ha-pair', to: 'platforms/aws-nlb/aws-nlb-target' },
        { from: 'model/web-tier-model', to: 'platforms/shared/web-checks' },
        { from: 'platforms/aws-alb/aws-alb-target', to: 'platforms/aws-nlb/aws-network-load-balancer' },
        { from: 'topology/topology', to: 'synth/state-backend' },
        { from: 'session-failover/session-failover-plan', to: 'topology/topology' },
        { from: 'platforms/registry', to: 'platforms/aws-nlb/aws-nlb-target' },
        { from: 'cluster/failover-cluster', to: 'core/errors' },
        // allowed neighbours
        { from: 'platforms/mod-jk/mod-jk-target', to: 'model/web-tier-model' },
        { from: 'platforms/aws-alb/aws-alb-target', to: 'platforms/shared/aws' },
        { from: 'synth/synthesize', to: 'topology/topology' },
        { from: 'topology/registry', to: 'platforms/aws-nlb/aws-nlb-target' },
      ]);
      assert.deepEqual(v, [
        'platforms/mod-jk/mod-jk-target -> constructs/ha-web-tier: a renderer imports a construct',
        'constructs/iqservice-ha-pair -> platforms/aws-nlb/aws-nlb-target: a construct imports a renderer',
        'model/web-tier-model -> platforms/shared/web-checks: model may import only framework, core',
        "platforms/aws-alb/aws-alb-target -> platforms/aws-nlb/aws-network-load-balancer: a platform imports another product's folder (move " +
          'what both need to platforms/shared/)',
        'topology/topology -> synth/state-backend: topology may import only framework, core, model, hosts, platforms, constructs, session-failover',
        'session-failover/session-failover-plan -> topology/topology: session-failover may import only framework, core',
        "platforms/registry -> platforms/aws-nlb/aws-nlb-target: a platform imports another product's folder (move what both need to " +
          'platforms/shared/)',
        'cluster/failover-cluster: lib/cluster/ is in no layer (add it to ALLOWED)',
      ]);
    },
  );
});
