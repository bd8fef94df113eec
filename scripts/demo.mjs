#!/usr/bin/env node
// npm run demo: installs the tools if needed, packages the extension, and runs test/support/demo.ts.
import { spawn, spawnSync } from 'node:child_process';
import { uiToolEnv } from './tools.mjs';

const tools = uiToolEnv();
for (const args of [['npm', 'run', '--silent', 'package'], [process.execPath, 'scripts/build.mjs', '--tests']]) {
  const r = spawnSync(args[0], args.slice(1), { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
const child = spawn(process.execPath, ['out/test/support/demo.js'], {
  stdio: 'inherit',
  env: { ...process.env, LAL_NODE24_BIN: tools.node24Bin, LAL_CODE_SERVER_ENTRY: tools.codeServerEntry, LAL_CHROMIUM: tools.chromium, LAL_OPENCLAW_ENTRY: tools.openclawEntry },
});
// Ctrl-C reaches the child through the terminal's process group; forward other stops.
process.on('SIGTERM', () => child.kill('SIGTERM'));
process.on('SIGINT', () => {});
child.on('exit', (code) => process.exit(code ?? 0));
