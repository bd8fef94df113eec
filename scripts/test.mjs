#!/usr/bin/env node
// Runs the unit suite with node's test runner. The real OpenClaw releases (and Node 24 to run them) are
// installed into the user cache on first use by scripts/tools.mjs; their paths reach the tests through
// environment variables.
import { spawnSync } from 'node:child_process';
import { toolEnv } from './tools.mjs';

// `--unit`: the inner loop — pure core tests, no OpenClaw, no child processes, no servers (npm run test:unit).
const UNIT = ['edit', 'repair-diff', 'fuzz', 'manifest', 'panel', 'lab-evidence', 'rules', 'bytes', 'reachability', 'labTree', 'messages', 'sweep', 'prompt-sections', 'codewords', 'settings', 'singleFlight'].map((n) => `out/test/unit/${n}.test.js`);
const args = process.argv.slice(2);
const unit = args.includes('--unit');
const tools = unit ? {} : toolEnv();
const files = unit ? UNIT : args;
// Two files at a time: the heavy ones mostly wait on OpenClaw child processes.
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=2', '--test-reporter=spec', ...(files.length ? files : ['out/test/unit/'])], {
  stdio: 'inherit',
  env: {
    ...process.env,
    LAL_NODE24_BIN: tools.node24Bin,
    LAL_OPENCLAW_ENTRY: tools.openclawEntry,
    LAL_OPENCLAW_OLD_ENTRY: tools.openclawOldEntry,
  },
});
process.exit(r.status ?? 1);
