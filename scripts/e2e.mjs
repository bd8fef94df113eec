#!/usr/bin/env node
// npm run test:e2e — the real-VS-Code suites. Installs what it needs into the user cache (Node 24,
// code-server 4.139.1, OpenClaw; Debian chromium via apt), builds and packages the extension, then:
//   1. mocha inside code-server's real extension host (test/integration), against a fresh sandbox;
//   2. the same harness with a deliberately failing test, which must fail the run;
//   3. Playwright UI tests through headless Chromium (test/e2e), screenshots in test-results/.
import { spawnSync } from 'node:child_process';
import { uiToolEnv } from './tools.mjs';

const t0 = Date.now();
const tools = uiToolEnv();
const env = {
  ...process.env,
  LAL_NODE24_BIN: tools.node24Bin,
  LAL_CODE_SERVER_ENTRY: tools.codeServerEntry,
  LAL_CHROMIUM: tools.chromium,
  LAL_OPENCLAW_ENTRY: tools.openclawEntry,
};
const step = (title, args, { expect = 0 } = {}) => {
  const s = Date.now();
  console.log(`\n[e2e] ${title}`);
  const r = spawnSync(args[0], args.slice(1), { stdio: 'inherit', env });
  console.log(`[e2e] ${title}: exit ${r.status} in ${((Date.now() - s) / 1000).toFixed(1)} s`);
  if (r.status !== expect) process.exit(r.status || 1);
};
const only = process.argv[2]; // 'integration' | 'ui' to run one part

step('build', ['npm', 'run', '--silent', 'package']);
step('bundle tests', [process.execPath, 'scripts/build.mjs', '--tests']);
if (!only || only === 'integration') {
  step('integration tests in the extension host', [process.execPath, 'out/test/support/runIntegration.js']);
  step('a failing assertion in the extension host fails the run', [process.execPath, 'out/test/support/runIntegration.js', '--expect-failure']);
}
if (!only || only === 'ui') step('UI tests (Playwright)', [process.execPath, '--test', '--test-reporter=spec', '--test-concurrency=1', 'out/test/e2e/']);
console.log(`\n[e2e] all passed in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
