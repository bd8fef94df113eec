#!/usr/bin/env node
// npm run test:e2e — the real-VS-Code suites. Installs what it needs into the user cache (Node 24 and 20,
// code-server 4.139.1 and 4.90.3, OpenClaw; Debian chromium via apt), builds and packages the extension, then:
//   1. mocha inside code-server 4.139.1's real extension host (VS Code 1.139.1, stable), against a fresh sandbox;
//   2. the same harness with a deliberately failing test, which must fail the run;
//   3. the same mocha suite inside code-server 4.90.3's (VS Code 1.90.2, the minimum `engines.vscode` admits);
//   4. Playwright UI tests through headless Chromium (test/e2e), on stable only; screenshots in test-results/.
// `node scripts/e2e.mjs integration|min|ui` runs one part (integration: 1–3; min: 3 alone).
import { spawnSync } from 'node:child_process';
import { CODE_SERVER_MIN_VERSION, CODE_SERVER_VERSION, e2eToolEnv, uiToolEnv } from './tools.mjs';

const t0 = Date.now();
const only = process.argv[2];
if (only && !['integration', 'min', 'ui'].includes(only)) {
  console.error('usage: node scripts/e2e.mjs [integration|min|ui]');
  process.exit(2);
}
const tools = only === 'ui' ? uiToolEnv() : e2eToolEnv();
console.log(`[e2e] tools ready in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
const env = {
  ...process.env,
  LAL_NODE24_BIN: tools.node24Bin,
  LAL_CODE_SERVER_ENTRY: tools.codeServerEntry,
  LAL_CODE_SERVER_NODE_BIN: tools.codeServerNodeBin,
  LAL_CHROMIUM: tools.chromium,
  LAL_OPENCLAW_ENTRY: tools.openclawEntry,
};
/** The same harness against the oldest supported VS Code, run by its own Node 20. */
const minEnv = { ...env, LAL_CODE_SERVER_ENTRY: tools.minCodeServerEntry, LAL_CODE_SERVER_NODE_BIN: tools.minCodeServerNodeBin };
const step = (title, args, { expect = 0, stepEnv = env } = {}) => {
  const s = Date.now();
  console.log(`\n[e2e] ${title}`);
  const r = spawnSync(args[0], args.slice(1), { stdio: 'inherit', env: stepEnv });
  console.log(`[e2e] ${title}: exit ${r.status} in ${((Date.now() - s) / 1000).toFixed(1)} s`);
  if (r.status !== expect) process.exit(r.status || 1);
};

step('build', ['npm', 'run', '--silent', 'package']);
step('bundle tests', [process.execPath, 'scripts/build.mjs', '--tests']);
if (!only || only === 'integration') {
  step(`integration tests in the extension host of code-server ${CODE_SERVER_VERSION} (stable)`, [process.execPath, 'out/test/support/runIntegration.js']);
  step('a failing assertion in the extension host fails the run', [process.execPath, 'out/test/support/runIntegration.js', '--expect-failure']);
}
if (!only || only === 'integration' || only === 'min') {
  step(`integration tests in the extension host of code-server ${CODE_SERVER_MIN_VERSION} (VS Code 1.90, the minimum)`, [process.execPath, 'out/test/support/runIntegration.js'], { stepEnv: minEnv });
}
if (!only || only === 'ui') step('UI tests (Playwright)', [process.execPath, '--test', '--test-reporter=spec', '--test-concurrency=1', 'out/test/e2e/']);
console.log(`\n[e2e] all passed in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
