import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeText, parseDocument } from '../../src/core/openclaw/document.js';
import { isolatedEnv, openclawExecutable } from '../support/openclaw.js';

/** Whole-command time per corpus file: `local-ai-lab migrate` against `openclaw doctor --repair`, and comments kept. */
const exe = openclawExecutable();
if (!exe) {
  console.log('migrate bench: skipped (no OpenClaw in the tool cache; npm test installs it)');
  process.exit(0);
}
const CORPUS = path.resolve('test/fixtures/corpus');
const env = { ...process.env, ...isolatedEnv() };

function run(cmd: string, args: string[], e = env): Promise<{ ms: number; status: number | null }> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { env: e, stdio: 'ignore' });
    p.on('close', (status) => resolve({ ms: Date.now() - t0, status }));
  });
}
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const comments = (file: string) => parseDocument(file, decodeText(fs.readFileSync(file)).text).comments.length;
const copy = (name: string) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-mb-'));
  const file = path.join(dir, 'openclaw.json');
  fs.copyFileSync(path.join(CORPUS, name), file);
  return file;
};

(async () => {
  const files = fs.readdirSync(CORPUS).sort();
  const ours: number[] = [];
  let keptOurs = 0;
  let commentsTotal = 0;
  for (const name of files) {
    const file = copy(name);
    const before = comments(file);
    const r = await run(process.execPath, ['dist/cli.js', 'migrate', '--config', file, '--openclaw', exe]);
    ours.push(r.ms);
    commentsTotal += before;
    // Comments moved to the side file count as kept.
    const side = fs.readdirSync(path.dirname(file)).filter((f) => f.includes('.removed-')).map((f) => comments(path.join(path.dirname(file), f)) - 0).reduce((a, b) => a + b, 0);
    keptOurs += Math.min(before, comments(file) + side);
  }
  // doctor --repair takes about a minute a file: a few commented files, in their own homes.
  const doctorFiles = files.filter((f) => f.endsWith('.json5')).slice(0, Number(process.env.LAL_BENCH_DOCTOR_FILES ?? 3));
  const doctor: number[] = [];
  let keptDoctor = 0;
  let doctorComments = 0;
  for (const name of doctorFiles) {
    const file = copy(name);
    const home = path.dirname(file);
    const before = comments(file);
    const r = await run(exe, ['doctor', '--repair', '--non-interactive', '--yes'], { ...env, HOME: home, OPENCLAW_STATE_DIR: path.join(home, 'state'), OPENCLAW_CONFIG_PATH: file });
    doctor.push(r.ms);
    doctorComments += before;
    keptDoctor += Math.min(before, comments(file));
  }
  console.log(`migrate (whole command, ${files.length} corpus files): median ${(median(ours) / 1000).toFixed(1)} s per file; comments kept ${keptOurs}/${commentsTotal}`);
  console.log(`openclaw doctor --repair (${doctorFiles.length} commented files): median ${(median(doctor) / 1000).toFixed(1)} s per file; comments kept ${keptDoctor}/${doctorComments}`);
})();
