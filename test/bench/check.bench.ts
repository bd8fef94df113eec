import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseDocument } from '../../src/core/openclaw/document.js';
import { v } from '../../src/core/openclaw/version.js';
import { check } from '../../src/core/check.js';
import { runRules } from '../../src/core/rules/registry.js';
import { lmstudio } from '../support/observe.js';
import { bigConfig } from '../support/bigConfig.js';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

const text = bigConfig(50 * 1024);
const runtime = lmstudio(Array.from({ length: 20 }, (_, i) => ({ id: `vendor/model-${i}`, ctx: 32768, max: 262144, size: 4e9 })));
const times: number[] = [];
let findings = 0;
for (let r = 0; r < 30; r++) {
  const t0 = performance.now();
  const doc = parseDocument('/bench/openclaw.json', text);
  const obs = check({ doc, version: v('2026.9.6'), machine: { totalMemoryBytes: 64 * 1024 ** 3, cpus: 8, platform: 'bench' }, servers: new Map([['lmstudio', runtime]]) }).observation;
  findings = runRules(obs).length;
  times.push(performance.now() - t0);
}
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-bench-'));
const file = path.join(dir, 'openclaw.json');
fs.writeFileSync(file, text);
const cliTimes: number[] = [];
for (let r = 0; r < 7; r++) {
  const t0 = performance.now();
  spawnSync(process.execPath, ['dist/cli.js', 'check', '--config', file, '--no-probe', '--openclaw-version', '2026.9.6', '--json'], { encoding: 'utf8' });
  cliTimes.push(performance.now() - t0);
}
const size = (f: string) => (fs.existsSync(f) ? `${(fs.statSync(f).size / 1024).toFixed(0)} KB` : 'missing');
console.log(`check on a ${(text.length / 1024).toFixed(1)} KB config (${findings} findings):`);
console.log(`  in-process parse + rules, median of 30: ${median(times).toFixed(1)} ms`);
console.log(`  whole CLI process (check --no-probe --json), median of 7: ${median(cliTimes).toFixed(0)} ms`);
// The CLI is dist/cli.js and its chunks (scripts/build.mjs): all of them, and what `--version` loads.
const cliFiles = ['dist/cli.js', ...(fs.existsSync('dist/cli') ? fs.readdirSync('dist/cli').filter((f) => f.endsWith('.mjs')).map((f) => `dist/cli/${f}`) : [])];
const kb = (files: string[]) => `${(files.reduce((n, f) => n + fs.statSync(f).size, 0) / 1024).toFixed(0)} KB`;
const atStart = fs.existsSync('dist/cli/main.mjs') ? ['dist/cli.js', 'dist/cli/main.mjs', ...[...fs.readFileSync('dist/cli/main.mjs', 'utf8').matchAll(/from\s*"\.\/([^"]+\.mjs)"/g)].map((m) => `dist/cli/${m[1]}`)] : [];
console.log(`bundles (production build): extension ${size('dist/extension.js')}, cli ${kb(cliFiles)} in ${cliFiles.length} files (${kb([...new Set(atStart)])} of it loaded by --version and help)`);
