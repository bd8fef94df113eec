#!/usr/bin/env node
// Runs the node:test tiers with node's test runner. A tier is a folder under test/ (bundled into out/test/<tier>/
// by `node scripts/build.mjs --tests`), named for what its tests run:
//   pure  in this process only: no child process, no socket but in-process loopback servers    npm run test:unit
//   cli   our own programs as child processes: the built CLI, stand-in `openclaw` scripts, a test's own child
//   real  the real OpenClaw releases (and ESLint), seconds per test
//   slow  the long real-OpenClaw runs: sweeps, compactions, probes, doctor and migrate over corpora  npm run test:slow
// `node scripts/test.mjs` runs pure, cli and real (npm test); `node scripts/test.mjs slow` (or any tiers) runs those;
// out/… file paths run just those files. Node 24 and OpenClaw are installed into the user cache on first use
// (scripts/tools.mjs); their paths reach the tests as LAL_NODE24_BIN, LAL_OPENCLAW_ENTRY, LAL_OPENCLAW_OLD_ENTRY.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { toolEnv } from './tools.mjs';

const TIERS = ['pure', 'cli', 'real', 'slow'];
const DEFAULT = ['pure', 'cli', 'real'];
/**
 * Files run at once, measured on the shared 2-core machine: the pure tier 14.9 s at 1, 11.7 s at 3, 11.4 s at 4;
 * pure, cli and real together 167 s at 3 (without the ~24 s Gateway test) against 226 s at 2 (with it; the load
 * of others was 5–10 in both). The cli files mostly wait on scripted servers, so a
 * third file fills the gaps; no test failed at either. The slow tier is CPU-bound (its processes use ~625
 * CPU-seconds), so more than 2 files only adds contention. LAL_TEST_CONCURRENCY overrides.
 */
const CONCURRENCY = { pure: 3, cli: 3, real: 3, slow: 2 };
/**
 * A file that runs longer than this fails instead of stalling the run (node 20 applies --test-timeout to each file):
 * a safety net for a hang, far above any file's time here.
 */
const FILE_TIMEOUT_S = { pure: 120, cli: 300, real: 600, slow: 1800 };

// A test file left in test/unit (the old single folder, e.g. from a branch made before the tiers) would never run.
const stray = fs.existsSync('test/unit') ? fs.readdirSync('test/unit', { recursive: true }).filter((f) => String(f).endsWith('.test.ts')) : [];
if (stray.length) {
  console.error(`test/unit is gone: move ${stray.map((f) => `test/unit/${f}`).join(', ')} into the tier folder that fits (test/${TIERS.join('|')}; see CONTRIBUTING.md)`);
  process.exit(2);
}

const args = process.argv.slice(2);
const unknown = args.filter((a) => !TIERS.includes(a) && !a.endsWith('.js'));
if (unknown.length) {
  console.error(`usage: node scripts/test.mjs [${TIERS.join('|')}]… | out/test/<tier>/<file>.test.js…  (unknown: ${unknown.join(' ')})`);
  process.exit(2);
}
const files = args.filter((a) => a.endsWith('.js'));
const tierOf = (f) => TIERS.find((t) => path.resolve(f).startsWith(path.resolve('out/test', t) + path.sep)) ?? 'slow';
const tiers = files.length ? [...new Set(files.map(tierOf))] : args.length ? args : DEFAULT;
for (const t of tiers) {
  if (!files.length && !fs.existsSync(`out/test/${t}`)) {
    console.error(`out/test/${t} does not exist: run node scripts/build.mjs --tests first`);
    process.exit(2);
  }
}

// The pure tier needs no tool: the inner loop never installs anything.
const tools = tiers.every((t) => t === 'pure') ? {} : toolEnv();
const concurrency = Number(process.env.LAL_TEST_CONCURRENCY) || Math.min(...tiers.map((t) => CONCURRENCY[t]));
const timeout = Math.max(...tiers.map((t) => FILE_TIMEOUT_S[t])) * 1000;
// Files, not folders (node 22 reads its arguments as globs); the longest tiers first, so their files start early and
// the short ones fill in beside them.
const inTier = (t) => fs.readdirSync(`out/test/${t}`, { recursive: true }).filter((f) => String(f).endsWith('.test.js')).sort().map((f) => `out/test/${t}/${f}`);
const targets = files.length ? files : [...tiers].sort((a, b) => TIERS.indexOf(b) - TIERS.indexOf(a)).flatMap(inTier);
const r = spawnSync(process.execPath, ['--test', `--test-concurrency=${concurrency}`, `--test-timeout=${timeout}`, '--test-reporter=spec', ...targets], {
  stdio: 'inherit',
  env: {
    ...process.env,
    LAL_NODE24_BIN: tools.node24Bin,
    LAL_OPENCLAW_ENTRY: tools.openclawEntry,
    LAL_OPENCLAW_OLD_ENTRY: tools.openclawOldEntry,
  },
});
process.exit(r.status ?? 1);
