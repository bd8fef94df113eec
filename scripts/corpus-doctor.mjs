#!/usr/bin/env node
// Runs OpenClaw's own validator and repair on every real public config in test/fixtures/corpus-real
// and stores what they said, so "Make Config Valid" (issue #10) can be measured against OpenClaw's own repair.
//
//   node scripts/corpus-doctor.mjs                 # all corpus files, sequentially
//   node scripts/corpus-doctor.mjs 001 017         # only files whose name starts with one of these prefixes
//   node scripts/corpus-doctor.mjs --summary       # only rewrite SUMMARY.md from the stored doctor/*.json
//
// For each test/fixtures/corpus-real/NNN-<name>.json5 it makes a private temp HOME and state dir, copies the file
// to <state>/openclaw.json (OPENCLAW_CONFIG_PATH), then runs with Node 24 and OpenClaw from scripts/tools.mjs:
//   1. openclaw config validate --json          (on the untouched copy)
//   2. openclaw doctor --fix --non-interactive   (repairs the copy in place)
//   3. openclaw config validate --json          (on the repaired copy)
// and writes test/fixtures/corpus-real/doctor/NNN-<name>.json =
//   { validateBefore, doctor: {exitCode, signal, timedOut, stdoutTail, stderrTail}, repaired, validateAfter, seconds }.
// Every run is capped (VALIDATE_TIMEOUT_MS 90 s, DOCTOR_TIMEOUT_MS 180 s) and killed with everything it started; the real
// ~/.openclaw is never read or written. No network is needed; offline switches are set so nothing waits on it.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { ensureNode24, ensureOpenClaw, NODE24_VERSION, OPENCLAW_VERSION } from './tools.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CORPUS = path.join(ROOT, 'test', 'fixtures', 'corpus-real');
const OUT = path.join(CORPUS, 'doctor');
// Caps per command. 60 s was too short for doctor on a loaded 2-core machine (it was still refreshing the plugin
// registry); validate takes 2-6 s when idle.
const VALIDATE_TIMEOUT_MS = Number(process.env.VALIDATE_TIMEOUT_MS || 90_000);
const DOCTOR_TIMEOUT_MS = Number(process.env.DOCTOR_TIMEOUT_MS || 180_000);
const TAIL = 2000;

function tail(s, n = TAIL) {
  s = String(s ?? '');
  return s.length > n ? `…${s.slice(-n)}` : s;
}

/** Pids of live processes whose environment carries this run's private HOME (so: started by this script). */
function pidsWithHome(home) {
  const mine = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    try {
      const env = fs.readFileSync(`/proc/${d}/environ`, 'latin1');
      if (env.split('\0').includes(`HOME=${home}`)) mine.push(Number(d));
    } catch {
      /* gone, or not ours to read */
    }
  }
  return mine;
}

/** Kills every process started under this run's private HOME (OpenClaw re-spawns itself in a new process group). */
function killLeftovers(home) {
  const pids = pidsWithHome(home);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  return pids.length;
}

/**
 * Runs a command in its own process group. Ends when the command exits (not when its pipes close: a
 * re-spawned child may hold them), after its timeout, or `graceMs` after `doneMarker` appears on stdout
 * (doctor prints "Doctor complete." and then may linger on background work). Leftovers are killed.
 */
function run(cmd, args, { env, cwd, home, doneMarker, graceMs = 5000, timeoutMs = VALIDATE_TIMEOUT_MS }) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn(cmd, args, { env, cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let lingered = false;
    let graceTimer = null;
    let finished = false;
    const finish = (exitCode, signal) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      clearTimeout(graceTimer);
      // Let buffered output arrive, then reap whatever is left of this run.
      setTimeout(() => {
        const leftovers = killLeftovers(home);
        child.stdout.destroy();
        child.stderr.destroy();
        resolve({ exitCode, signal, timedOut, lingered, leftovers, stdout, stderr, ms: Date.now() - t0 });
      }, 300);
    };
    const kill = () => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
      killLeftovers(home);
    };
    child.stdout.on('data', (d) => {
      stdout += d;
      if (doneMarker && !graceTimer && stdout.includes(doneMarker)) {
        graceTimer = setTimeout(() => {
          lingered = true;
          kill();
        }, graceMs);
      }
    });
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, timeoutMs);
    child.on('exit', (code, signal) => finish(code, signal));
    child.on('error', (e) => {
      stderr += String(e);
      finish(null, null);
    });
  });
}

function parseJsonOut(r) {
  const text = r.stdout.trim();
  try {
    return JSON.parse(text);
  } catch {
    // Should not happen (stdout is pure JSON); keep what came out so the failure is visible.
    return { unparsedStdout: tail(text), stderrTail: tail(r.stderr, 800), exitCode: r.exitCode, timedOut: r.timedOut };
  }
}

/** Replaces the temp paths with stable placeholders so the stored outputs do not churn run to run. */
function scrubPaths(value, home) {
  const s = JSON.stringify(value);
  if (s === undefined) return value;
  return JSON.parse(s.split(home).join('$TMPHOME'));
}

function loadJson5(openclawEntry) {
  // OpenClaw's own json5 (already installed with it) reads what doctor wrote, should it ever not be plain JSON.
  try {
    return createRequire(openclawEntry)('json5');
  } catch {
    return null;
  }
}

async function doOne(file, tools) {
  const { node, entry, JSON5 } = tools;
  const base = file.replace(/\.json5?$/, '');
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'corpus-doctor-'));
  const state = path.join(home, '.openclaw');
  fs.mkdirSync(state, { recursive: true });
  const cfg = path.join(state, 'openclaw.json');
  fs.copyFileSync(path.join(CORPUS, file), cfg);
  const env = {
    PATH: `${path.dirname(node)}:/usr/bin:/bin`,
    HOME: home,
    OPENCLAW_HOME: home,
    OPENCLAW_STATE_DIR: state,
    OPENCLAW_CONFIG_PATH: cfg,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    XDG_CACHE_HOME: path.join(home, '.cache'),
    XDG_DATA_HOME: path.join(home, '.local', 'share'),
    TMPDIR: os.tmpdir(),
    LANG: 'C.UTF-8',
    TZ: 'UTC',
    NO_COLOR: '1',
    CI: '1',
    OPENCLAW_OFFLINE: '1',
    OPENCLAW_NO_AUTO_UPDATE: '1',
    OPENCLAW_DISABLE_BONJOUR: '1',
    // Doctor may try to install plugins a config names; make npm fail at once instead of reaching a registry.
    npm_config_offline: 'true',
    npm_config_cache: path.join(home, '.npm'),
    npm_config_update_notifier: 'false',
  };
  const oc = (args, opts = {}) => run(node, [entry, ...args], { env, cwd: home, home, ...opts });
  const t0 = Date.now();
  try {
    const v1 = await oc(['config', 'validate', '--json']);
    const d = await oc(['doctor', '--fix', '--non-interactive'], { doneMarker: 'Doctor complete.', timeoutMs: DOCTOR_TIMEOUT_MS });
    let repaired = null;
    let repairedError;
    try {
      const text = fs.readFileSync(cfg, 'utf8');
      try {
        repaired = JSON.parse(text);
      } catch (e) {
        if (JSON5) repaired = JSON5.parse(text);
        else throw e;
      }
    } catch (e) {
      repairedError = String(e.message || e);
    }
    const v2 = await oc(['config', 'validate', '--json']);
    const result = {
      file,
      tool: { openclaw: OPENCLAW_VERSION, node: NODE24_VERSION, doctorArgs: ['doctor', '--fix', '--non-interactive'] },
      validateBefore: parseJsonOut(v1),
      doctor: {
        exitCode: d.exitCode,
        signal: d.signal,
        timedOut: d.timedOut,
        killedAfterComplete: d.lingered,
        leftoverProcesses: d.leftovers,
        stdoutTail: tail(d.stdout),
        stderrTail: tail(d.stderr, 1000),
      },
      repaired,
      ...(repairedError ? { repairedError } : {}),
      validateAfter: parseJsonOut(v2),
      seconds: Math.round((Date.now() - t0) / 100) / 10,
    };
    fs.writeFileSync(path.join(OUT, `${base}.json`), JSON.stringify(scrubPaths(result, home), null, 2) + '\n');
    return result;
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}

async function main() {
  const argv = process.argv.slice(2);
  if (argv.includes('--summary')) {
    const { writeSummary } = await import('./corpus-summary.mjs');
    writeSummary(CORPUS);
    return;
  }
  const node = path.join(ensureNode24(), 'node');
  const entry = ensureOpenClaw();
  const JSON5 = loadJson5(entry);
  fs.mkdirSync(OUT, { recursive: true });
  const files = fs
    .readdirSync(CORPUS)
    .filter((f) => /^\d{3}-.*\.json5?$/.test(f))
    .filter((f) => argv.length === 0 || argv.some((p) => f.startsWith(p)))
    .sort();
  for (const file of files) {
    process.stderr.write(`[corpus-doctor] ${file} … `);
    const r = await doOne(file, { node, entry, JSON5 });
    process.stderr.write(
      `before=${r.validateBefore.valid} doctor=${r.doctor.exitCode}${r.doctor.timedOut ? '(timeout)' : ''}${r.doctor.killedAfterComplete ? '(lingered)' : ''} after=${r.validateAfter.valid} ${r.seconds}s\n`,
    );
  }
}

main().catch((e) => {
  process.stderr.write(`${e.stack || e}\n`);
  process.exit(1);
});
