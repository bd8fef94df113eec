import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bigConfig } from '../support/bigConfig.js';
import { isolatedEnv, openclawExecutable } from '../support/openclaw.js';

/**
 * Start-up, whole processes, in one run (issue #26): bare `node -e 0` against `--version` and `help`, and
 * `check --no-validate` on a 50 KB config against `openclaw config validate` on the same file. The runs are
 * interleaved, so a change in the machine's load falls on all of them alike; each figure is a median. Under the
 * Node that runs this bench, and under the tool cache's Node 24 (the installed OpenClaw needs Node ≥ 24.16 by its
 * `engines`, so its users have a Node with the module compile cache). `node scripts/bench.mjs --only startup` runs only this file.
 */
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const cli = path.resolve('dist/cli.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-startup-'));
const config = path.join(dir, 'openclaw.json');
fs.writeFileSync(config, bigConfig(50 * 1024));
// The compile cache of this run only: the first run of each Node fills it, as a user's first run does.
const env = { ...process.env, ...isolatedEnv(), LOCAL_AI_LAB_CACHE: path.join(dir, 'cache') };

function time(cmd: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}): number {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { stdio: 'ignore', env: { ...env, ...extraEnv } });
  const ms = performance.now() - t0;
  if (r.error) throw r.error;
  return ms;
}

const node24 = process.env.LAL_NODE24_BIN ? path.join(process.env.LAL_NODE24_BIN, 'node') : undefined;
const nodes = [{ label: `Node ${process.versions.node}`, exe: process.execPath }, ...(node24 && fs.existsSync(node24) ? [{ label: 'Node 24 (tool cache)', exe: node24 }] : [])];
const checkArgs = [cli, 'check', '--config', config, '--no-validate', '--no-probe', '--openclaw-version', '2026.9.6'];
const kinds = { bare: ['-e', '0'], version: [cli, '--version'], help: [cli, 'help'], check: checkArgs } as const;

const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');
const cpu = os.cpus();
console.log(`start-up (issue #26): ${cpu.length} × ${cpu[0]?.model.trim() ?? 'cpu'}, load average ${load()} at the start`);

const figures = new Map<string, number[]>();
const add = (k: string, ms: number) => figures.set(k, [...(figures.get(k) ?? []), ms]);
for (const n of nodes) for (const args of Object.values(kinds)) time(n.exe, [...args]); // warm the file cache and the compile cache
const exe = openclawExecutable();
const validate: number[] = [];
if (exe) time(exe, ['config', 'validate', '--json'], { OPENCLAW_CONFIG_PATH: config });
const ROUNDS = 15;
for (let i = 0; i < ROUNDS; i++) {
  for (const n of nodes) for (const [k, args] of Object.entries(kinds)) if (k !== 'check' || i % 2 === 0) add(`${n.label}:${k}`, time(n.exe, [...args]));
  if (exe && i % 3 === 0) validate.push(time(exe, ['config', 'validate', '--json'], { OPENCLAW_CONFIG_PATH: config }));
}
const v = validate.length ? median(validate) : undefined;

/**
 * Whether OpenClaw itself runs on a Node version, by the installed OpenClaw's own `engines.node` (its package.json; e.g.
 * ">=24.16.0 <25 || >=26.1.0"): the check-against-validate goal compares two programs run on one machine, so it is
 * judged on a Node that runs OpenClaw; on another (Node 20 here) the figure is printed for reference. A small reader of
 * the comparator-and-version ranges OpenClaw writes, not semver: `^`, `~`, spaces inside a comparator or pre-releases
 * are not read (such a part counts as met).
 */
const openclawEngines = (() => {
  const entry = process.env.LAL_OPENCLAW_ENTRY;
  if (!entry) return undefined;
  try {
    return String(JSON.parse(fs.readFileSync(path.join(path.dirname(entry), 'package.json'), 'utf8')).engines?.node ?? '') || undefined;
  } catch {
    return undefined;
  }
})();
const nodeVersion = (exe: string) => spawnSync(exe, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim();
function runsOpenClaw(version: string): boolean {
  if (!openclawEngines) return true;
  const num = (x: string) => x.split('.').map(Number);
  const cmp = (a: number[], b: number[]) => (a[0]! - b[0]! || (a[1] ?? 0) - (b[1] ?? 0) || (a[2] ?? 0) - (b[2] ?? 0));
  const have = num(version);
  return openclawEngines.split('||').some((range) =>
    range.trim().split(/\s+/).every((c) => {
      const m = /^(>=|<=|>|<|=)?(\d+(?:\.\d+){0,2})$/.exec(c);
      if (!m) return true;
      const d = cmp(have, num(m[2]!));
      return m[1] === '>=' ? d >= 0 : m[1] === '>' ? d > 0 : m[1] === '<' ? d < 0 : m[1] === '<=' ? d <= 0 : d === 0;
    }),
  );
}

for (const n of nodes) {
  const m = (k: string) => median(figures.get(`${n.label}:${k}`)!);
  const bare = m('bare');
  console.log(`  ${n.label}: bare \`node -e 0\` ${bare.toFixed(0)} ms`);
  console.log(`    --version ${m('version').toFixed(0)} ms = ${(m('version') / bare).toFixed(2)}× bare (goal ≤ 1.5×); help ${m('help').toFixed(0)} ms = ${(m('help') / bare).toFixed(2)}× bare (goal ≤ 1.5×)`);
  const c = m('check');
  const version = nodeVersion(n.exe);
  const goal = runsOpenClaw(version) ? 'goal ≥ 10×' : `for reference: OpenClaw needs Node ${openclawEngines}, so the goal is judged on a Node that runs it`;
  console.log(`    check --no-validate --no-probe on ${(fs.statSync(config).size / 1024).toFixed(0)} KB: ${c.toFixed(0)} ms${v ? `; \`openclaw config validate\` on the same file ${v.toFixed(0)} ms = ${(v / c).toFixed(1)}× slower (${goal})` : ''}`);
}
if (!v) console.log('  openclaw config validate: skipped (no OpenClaw in the tool cache; npm test installs it)');
if (exe) {
  // The validator's verdict kept by bytes, includes and release: the first check runs it, the next ones read it back.
  const verdicts = { LOCAL_AI_LAB_CACHE: path.join(dir, 'verdicts') };
  const args = [cli, 'check', '--config', config, '--no-probe', '--openclaw', exe];
  const first = time(process.execPath, args, verdicts);
  const again = median(Array.from({ length: 5 }, () => time(process.execPath, args, verdicts)));
  console.log(`  check with OpenClaw's validator (Node ${process.versions.node}): first ${first.toFixed(0)} ms, the same bytes again ${again.toFixed(0)} ms (kept verdict, no validator run; median of 5)`);
}
console.log(`  medians of ${ROUNDS} runs (check ${Math.ceil(ROUNDS / 2)}, validate ${validate.length}), interleaved; load average ${load()} at the end`);
fs.rmSync(dir, { recursive: true, force: true });
