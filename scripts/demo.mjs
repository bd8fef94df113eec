#!/usr/bin/env node
// npm run demo [-- --keep]: installs what the demo uses if needed (Node 24, OpenClaw 2026.9.6, code-server — not the
// UI tests' browser, nor the older OpenClaw), packages the extension, and runs test/support/demo.ts. Short progress
// lines only; a step's own output is shown when it fails.
import { spawn, spawnSync } from 'node:child_process';
import { demoToolEnv } from './tools.mjs';

const say = (line) => process.stderr.write(`[demo] ${line}\n`);
const args = process.argv.slice(2);
if (args.some((a) => a !== '--keep')) {
  console.error('usage: npm run demo [-- --keep]   (--keep: leave the sandbox folders on disk after Ctrl-C)');
  process.exit(2);
}

let tools;
try {
  tools = demoToolEnv();
} catch (err) {
  console.error(`[demo] ${err.message}`);
  process.exit(1);
}
for (const [what, cmd] of [
  ['packaging the extension', ['npm', 'run', '--silent', 'package']],
  ['building the sandbox', [process.execPath, 'scripts/build.mjs', '--tests']],
]) {
  const t0 = Date.now();
  say(`${what}…`);
  const r = spawnSync(cmd[0], cmd.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) {
    process.stderr.write(`${r.stdout}${r.stderr}`);
    say(`${what} failed (exit ${r.status ?? r.signal})`);
    process.exit(r.status || 1);
  }
  say(`${what}: done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}
say('starting code-server and the scripted LM Studio…');
const child = spawn(process.execPath, ['out/test/support/demo.js', ...args], {
  stdio: 'inherit',
  env: { ...process.env, LAL_NODE24_BIN: tools.node24Bin, LAL_CODE_SERVER_ENTRY: tools.codeServerEntry, LAL_OPENCLAW_ENTRY: tools.openclawEntry },
});
// Ctrl-C reaches the child through the terminal's process group; forward other stops.
process.on('SIGTERM', () => child.kill('SIGTERM'));
process.on('SIGINT', () => {});
child.on('exit', (code) => process.exit(code ?? 0));
