#!/usr/bin/env node
// Prints the figures the issues ask for. Builds production bundles first so sizes are what ships.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

const run = (args) => {
  const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
run(['scripts/build.mjs', '--production']);
for (const f of fs.readdirSync('out/test/bench').filter((f) => f.endsWith('.bench.js')).sort()) run([`out/test/bench/${f}`]);
