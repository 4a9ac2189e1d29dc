#!/usr/bin/env node
// Benchmark of `idha lint` (issue 26's target: 1,000 files, or a 10 MB plan, in under 2 s and 300 MiB).
// Each run is a process of its own (wall time and peak RSS through bench/report-rss.js), beside a
// baseline in the same invocation that does only the unavoidable part: a Node process that reads the
// same files (and JSON.parses the plan). Reported as absolute figures and as ratios to that baseline.
//   node bench/lint.js [--runs N]
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');

const ROOT = path.resolve(__dirname, '..');
const args = process.argv.slice(2);
const RUNS = Number(args[args.indexOf('--runs') + 1] || 5);
const IDHA = path.join(ROOT, 'bin', 'idha.js');
const REPORT = path.join(__dirname, 'report-rss.js');

function files(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

/** 1,000 files: the rule fixtures and the examples' rendered output, repeated, each under its own name. */
function thousandFiles(dir) {
  const pool = [...files(path.join(ROOT, 'test', 'fixtures', 'lint')), ...files(path.join(ROOT, 'test', 'expected')).filter((f) => /\.(cfg|conf|json|xml|txt|properties|sh)$/.test(f) && !/stdout|stderr|manifest|hosts\//.test(f))];
  for (let i = 0; i < 1000; i++) {
    const src = pool[i % pool.length];
    const sub = path.join(dir, String(Math.floor(i / 100)), String(i % 100));
    fs.mkdirSync(sub, { recursive: true });
    fs.copyFileSync(src, path.join(sub, path.basename(src)));
  }
}

/** A `terraform show -json` plan of about 10 MB: 7,600 Azure LB probes and rules and 3,800 NLB target groups. */
function bigPlan(file) {
  const resources = [];
  for (let i = 0; i < 3800; i++) {
    resources.push({ address: `azurerm_lb_probe.p${i}`, mode: 'managed', type: 'azurerm_lb_probe', name: `p${i}`, provider_name: 'registry.terraform.io/hashicorp/azurerm', values: { name: `probe-${i}`, port: i % 100 === 0 ? 5050 : 15054, protocol: 'Tcp', interval_in_seconds: 5, number_of_probes: 2, probe_threshold: 2, request_path: null, loadbalancer_id: `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-${i}/providers/Microsoft.Network/loadBalancers/lb-${i}` } });
    resources.push({ address: `azurerm_lb_rule.r${i}`, mode: 'managed', type: 'azurerm_lb_rule', name: `r${i}`, provider_name: 'registry.terraform.io/hashicorp/azurerm', values: { name: `rule-${i}`, protocol: 'Tcp', frontend_port: 5050, backend_port: 5050, idle_timeout_in_minutes: 30, load_distribution: 'Default', floating_ip_enabled: false, disable_outbound_snat: true, tcp_reset_enabled: false, frontend_ip_configuration_name: 'frontend', backend_address_pool_ids: [`/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-${i}/providers/Microsoft.Network/loadBalancers/lb-${i}/backendAddressPools/pool`] } });
    resources.push({ address: `aws_lb_target_group.t${i}`, mode: 'managed', type: 'aws_lb_target_group', name: `t${i}`, provider_name: 'registry.terraform.io/hashicorp/aws', values: { name: `tg-${i}`, port: 5050, protocol: 'TCP', target_type: 'ip', vpc_id: 'vpc-0123456789abcdef0', proxy_protocol_v2: false, health_check: [{ enabled: true, port: '15054', protocol: 'TCP', interval: 5, timeout: 3, healthy_threshold: 2, unhealthy_threshold: 2, matcher: '', path: '' }], target_group_health: [{ unhealthy_state_routing: [{ minimum_healthy_targets_count: 1 }] }], tags: { team: 'identity', env: 'prod', service: `iq-${i}` } } });
  }
  const plan = { format_version: '1.2', terraform_version: '1.9.8', planned_values: { root_module: { resources } } };
  fs.writeFileSync(file, JSON.stringify(plan, null, 2));
}

function run(argv, label) {
  const times = [];
  let rss = 0;
  let status;
  const reportFile = path.join(os.tmpdir(), `idha-bench-lint-${process.pid}.json`);
  for (let i = 0; i < RUNS; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, ['--require', REPORT, ...argv], { encoding: 'utf8', env: { ...process.env, IDHA_BENCH_REPORT: reportFile }, maxBuffer: 1 << 28 });
    times.push(Number(process.hrtime.bigint() - t0) / 1e9);
    status = r.status;
    if (r.status !== 0 && r.status !== 1) throw new Error(`${label}: exit ${r.status}: ${r.stderr}`);
    rss = Math.max(rss, JSON.parse(fs.readFileSync(reportFile, 'utf8')).maxRssKiB / 1024);
  }
  times.sort((a, b) => a - b);
  return { label, s: times[Math.floor(times.length / 2)], rss, status };
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'idha-bench-lint-'));
try {
  const many = path.join(dir, 'many');
  thousandFiles(many);
  const plan = path.join(dir, 'plan.json');
  bigPlan(plan);
  const planMiB = fs.statSync(plan).size / 1048576;
  console.log(`idha lint benchmark: node ${process.version}, ${os.cpus().length} cores, ${new Date().toISOString().slice(0, 10)}; median of ${RUNS} runs, one process each`);
  const readAll = `const fs=require('fs'),p=require('path');const w=d=>fs.readdirSync(d,{withFileTypes:true}).forEach(e=>e.isDirectory()?w(p.join(d,e.name)):fs.readFileSync(p.join(d,e.name),'utf8'));w(${JSON.stringify(many)})`;
  const rows = [
    [run(['-e', readAll], 'baseline: read the 1,000 files'), run([IDHA, 'lint', '--format', 'json', many], 'idha lint, 1,000 files')],
    [run(['-e', `JSON.parse(require('fs').readFileSync(${JSON.stringify(plan)},'utf8'))`], `baseline: JSON.parse the ${planMiB.toFixed(1)} MiB plan`), run([IDHA, 'lint', '--format', 'json', plan], `idha lint, ${planMiB.toFixed(1)} MiB plan (11,400 resources, 38 findings)`)],
  ];
  for (const [base, lint] of rows) {
    console.log(`  ${base.label.padEnd(52)} ${base.s.toFixed(3)} s  ${base.rss.toFixed(0).padStart(4)} MiB`);
    console.log(`  ${lint.label.padEnd(52)} ${lint.s.toFixed(3)} s  ${lint.rss.toFixed(0).padStart(4)} MiB  (${(lint.s / base.s).toFixed(2)}x time, ${(lint.rss / base.rss).toFixed(2)}x memory; target under 2 s and 300 MiB: ${lint.s < 2 && lint.rss < 300 ? 'met' : 'NOT met'})`);
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
