#!/usr/bin/env node
// Regenerates test/fixtures/key-history/verdicts.json: what real OpenClaw releases' own validators say about
// the small files in test/fixtures/key-history/files/. The unit test key-history.test.ts checks that the
// knowledge base's KEY_HISTORY agrees with every stored verdict, so a wrong boundary fails a test.
//
//   node scripts/key-history-verdicts.mjs            # every release in RELEASES (installs what is missing)
//
// Each release is installed once (npm registry only, --ignore-scripts) under
// <cache>/key-history/openclaw-<version>; the releases scripts/tools.mjs already keeps are reused.
// Validations run one at a time, under Node 24, with HOME and OPENCLAW_STATE_DIR in a private temp folder.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheRoot, ensureNode24, node24Env } from './tools.mjs';

/** Consecutive npm releases on each side of every boundary the table encodes. */
export const RELEASES = ['2026.4.25', '2026.4.26', '2026.4.29', '2026.4.30-beta.1', '2026.5.2', '2026.5.28', '2026.7.35', '2026.8.1-beta.1', '2026.8.1', '2026.9.6'];

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const filesDir = path.join(root, 'test/fixtures/key-history/files');
const outFile = path.join(root, 'test/fixtures/key-history/verdicts.json');

function openclawEntry(version) {
  const entry = (dir) => path.join(dir, 'node_modules', 'openclaw', 'openclaw.mjs');
  const shared = path.join(cacheRoot(), `openclaw-${version}`);
  if (fs.existsSync(path.join(shared, '.complete'))) return entry(shared);
  const dir = path.join(cacheRoot(), 'key-history', `openclaw-${version}`);
  if (fs.existsSync(path.join(dir, '.complete'))) return entry(dir);
  process.stderr.write(`[key-history] installing openclaw@${version} into ${dir}\n`);
  const tmp = `${dir}.partial-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  fs.writeFileSync(path.join(tmp, 'package.json'), JSON.stringify({ name: 'lal-openclaw', private: true }));
  const r = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error', `openclaw@${version}`], { cwd: tmp, env: node24Env(), stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw new Error(`npm install openclaw@${version} failed`);
  }
  fs.writeFileSync(path.join(tmp, '.complete'), new Date().toISOString());
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(tmp, dir);
  return entry(dir);
}

/** `openclaw config validate --json` of one release on one file, in a throwaway home. */
function validate(node, entry, file) {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-keyhist-'));
  try {
    const config = path.join(home, 'openclaw.json');
    fs.copyFileSync(file, config);
    const env = { ...node24Env(), HOME: home, OPENCLAW_STATE_DIR: path.join(home, '.openclaw'), OPENCLAW_CONFIG_PATH: config, OPENCLAW_NO_AUTO_UPDATE: '1', OPENCLAW_OFFLINE: '1', OPENCLAW_DISABLE_BONJOUR: '1' };
    const r = spawnSync(node, [entry, 'config', 'validate', '--json'], { env, encoding: 'utf8', timeout: 120_000 });
    let out;
    try {
      out = JSON.parse(r.stdout);
    } catch {
      throw new Error(`no JSON from ${entry} on ${file} (exit ${r.status}): ${r.stdout}\n${r.stderr}`);
    }
    if (typeof out.valid !== 'boolean') throw new Error(`no verdict from ${entry} on ${file}: ${r.stdout}`);
    return { valid: out.valid, issues: (out.issues ?? []).map((i) => ({ path: i.path, message: i.message })) };
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}

function main() {
  const node = path.join(ensureNode24(), 'node');
  const files = fs.readdirSync(filesDir).filter((f) => /\.json5?$/.test(f)).sort();
  const verdicts = [];
  for (const release of RELEASES) {
    const entry = openclawEntry(release);
    for (const file of files) {
      const v = validate(node, entry, path.join(filesDir, file));
      process.stderr.write(`[key-history] ${release} ${file}: ${v.valid ? 'valid' : 'invalid ' + JSON.stringify(v.issues)}\n`);
      verdicts.push({ release, file, ...v });
    }
  }
  fs.writeFileSync(outFile, JSON.stringify(verdicts, null, 2) + '\n');
  process.stderr.write(`[key-history] wrote ${verdicts.length} verdicts to ${path.relative(root, outFile)}\n`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
