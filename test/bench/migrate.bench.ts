import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeText, parseDocument } from '../../src/core/openclaw/document.js';
import { isolatedEnv, openclawExecutable } from '../support/openclaw.js';

/**
 * Seconds per file, side by side on the same real public configs: `local-ai-lab migrate` (which runs OpenClaw's
 * own repair on a private copy, then validates) and `openclaw doctor --repair` alone; and comments kept by each.
 * LAL_BENCH_MIGRATE_FILES (default 4) real files, commented ones first: each run takes tens of seconds.
 */
const exe = openclawExecutable();
if (!exe) {
  console.log('migrate bench: skipped (no OpenClaw in the tool cache; npm test installs it)');
  process.exit(0);
}
const CORPUS = path.resolve('test/fixtures/corpus-real');

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ ms: number; status: number | null }> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { env, stdio: 'ignore' });
    p.on('close', (status) => resolve({ ms: Date.now() - t0, status }));
  });
}
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const commentCount = (file: string) => parseDocument(file, decodeText(fs.readFileSync(file)).text).comments.length;
const copy = (name: string) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-mb-'));
  const file = path.join(dir, '.openclaw', 'openclaw.json');
  fs.mkdirSync(path.dirname(file));
  fs.copyFileSync(path.join(CORPUS, name), file);
  return { dir, file };
};

(async () => {
  const all = fs.readdirSync(CORPUS).filter((f) => /^\d{3}-.*\.json5?$/.test(f)).sort();
  const commented = all.filter((f) => commentCount(path.join(CORPUS, f)) > 0);
  const files = [...commented, ...all.filter((f) => !commented.includes(f))].slice(0, Number(process.env.LAL_BENCH_MIGRATE_FILES ?? 4));
  const ours: number[] = [];
  const doctor: number[] = [];
  let total = 0;
  let keptOurs = 0;
  let keptDoctor = 0;
  for (const name of files) {
    const before = commentCount(path.join(CORPUS, name));
    total += before;
    const a = copy(name);
    ours.push((await run(process.execPath, ['dist/cli.js', 'migrate', '--config', a.file, '--openclaw', exe], { ...process.env, ...isolatedEnv() })).ms);
    const side = fs.readdirSync(path.dirname(a.file)).filter((f) => f.includes('.removed-')).map((f) => commentCount(path.join(path.dirname(a.file), f))).reduce((x, y) => x + y, 0);
    keptOurs += Math.min(before, commentCount(a.file) + side);
    const b = copy(name);
    const env = { ...process.env, HOME: b.dir, OPENCLAW_HOME: b.dir, OPENCLAW_STATE_DIR: path.dirname(b.file), OPENCLAW_CONFIG_PATH: b.file, OPENCLAW_OFFLINE: '1', OPENCLAW_NO_AUTO_UPDATE: '1', npm_config_offline: 'true' };
    doctor.push((await run(exe, ['doctor', '--repair', '--non-interactive'], env)).ms);
    keptDoctor += Math.min(before, commentCount(b.file));
  }
  console.log(`migrate vs doctor on ${files.length} real public configs (${files.join(', ')}):`);
  console.log(`  local-ai-lab migrate:          median ${(median(ours) / 1000).toFixed(1)} s per file (OpenClaw's repair + validation); comments kept ${keptOurs}/${total}`);
  console.log(`  openclaw doctor --repair:      median ${(median(doctor) / 1000).toFixed(1)} s per file; comments kept ${keptDoctor}/${total}`);
})();
