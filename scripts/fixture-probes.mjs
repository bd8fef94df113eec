#!/usr/bin/env node
// Regenerates test/fixtures/probes/*.json: the records the wire probes wrote in their slow real-OpenClaw tests
// (OpenClaw 2026.9.6 against the scripted servers in test/support) and probe tool-fidelity's command-line test, kept only by cases whose assertions passed
// (test/support/probeFixtures.ts). The Lab panel's probe views are tested on these. Usage: node scripts/fixture-probes.mjs
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const out = path.resolve('test/fixtures/probes');
const run = (args, env = {}) => {
  const r = spawnSync(process.execPath, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
run(['scripts/build.mjs', '--tests']);
run(['scripts/test.mjs', ...['prefix', 'tools', 'fill'].map((p) => `out/test/slow/probe-${p}-openclaw.test.js`)], { LAL_WRITE_PROBE_FIXTURES: out });
// probe tool-fidelity needs no OpenClaw: its command-line test (the scripted model behind the scripted proxy) keeps one.
run(['scripts/test.mjs', 'out/test/cli/probe-tool-fidelity.test.js'], { LAL_WRITE_PROBE_FIXTURES: out });
console.log(`probe records kept in ${out}`);
