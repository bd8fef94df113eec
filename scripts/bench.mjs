#!/usr/bin/env node
// Prints the figures the issues ask for. Production bundles first, so sizes are what ships; then the
// in-process benchmarks; then activation in the real extension host and the real window (code-server),
// unless --no-vscode. `--only NAME` runs test/bench/NAME.bench.ts alone (no package, no extension host):
// `node scripts/bench.mjs --only startup` is the start-up figures of issue #26 in about a minute.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { toolEnv } from './tools.mjs';

const tools = toolEnv();
const env = { ...process.env, LAL_NODE24_BIN: tools.node24Bin, LAL_OPENCLAW_ENTRY: tools.openclawEntry, LAL_OPENCLAW_OLD_ENTRY: tools.openclawOldEntry };

const run = (args, opts = {}) => {
  const r = spawnSync(args[0], args.slice(1), { stdio: 'inherit', env, ...opts });
  if (r.status !== 0) process.exit(r.status ?? 1);
  return r;
};
const onlyAt = process.argv.indexOf('--only');
const only = onlyAt >= 0 ? process.argv[onlyAt + 1] : undefined;
if (only) {
  if (!fs.existsSync(`out/test/bench/${only}.bench.js`)) run([process.execPath, 'scripts/build.mjs', '--tests']);
  run([process.execPath, 'scripts/build.mjs', '--production']);
  run([process.execPath, `out/test/bench/${only}.bench.js`]);
  process.exit(0);
}

// The package as a user gets it, made right after a development build (whose source maps must not ship).
run([process.execPath, 'scripts/build.mjs']);
run(['npm', 'run', '--silent', 'package'], { stdio: ['ignore', 'ignore', 'inherit'] });
console.log(`package: dist/local-ai-lab.vsix ${(fs.statSync('dist/local-ai-lab.vsix').size / 1024).toFixed(1)} KB, made after a development build (goal ≤ 400 KB)`);
run([process.execPath, 'scripts/build.mjs', '--production']);
for (const f of fs.readdirSync('out/test/bench').filter((f) => f.endsWith('.bench.js')).sort()) run([process.execPath, `out/test/bench/${f}`]);

if (!process.argv.includes('--no-vscode')) {
  // The e2e suites print BENCH lines measured inside the extension host and in the browser.
  const r = spawnSync(process.execPath, ['scripts/e2e.mjs'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) {
    process.stdout.write(r.stdout);
    process.exit(r.status ?? 1);
  }
  // The extension-host suite runs on stable first, then on the minimum (VS Code 1.90): the first figure is stable's.
  const all = [...r.stdout.matchAll(/BENCH (\w+)=([\d.]+)/g)].map((m) => [m[1], Number(m[2])]);
  const figures = Object.fromEntries([...all].reverse());
  const minActivate = all.filter(([k]) => k === 'activateMs')[1]?.[1];
  console.log('activation in a real VS Code (code-server 4.139.1, VS Code 1.139.1):');
  console.log(`  activate() entry to return: ${figures.activateMs?.toFixed(1) ?? '?'} ms (${minActivate?.toFixed(1) ?? '?'} ms in VS Code 1.90.2)`);
  console.log(`  activate() start to the first diagnostics, a scripted LM Studio answering: ${figures.activateToFirstDiagnosticsMs ?? '?'} ms (goal ≤ 2,000 ms)`);
  console.log(`  window start to the first diagnostics in the Problems panel: ${figures.windowToFirstDiagnosticsMs ?? '?'} ms`);
  console.log(`lab panel (real Chromium): render 1,000 dispatches across 10 sessions: ${figures.panelRender1000Ms?.toFixed(1) ?? '?'} ms (goal < 200 ms)`);
}
