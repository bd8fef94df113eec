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
// `--dir D` runs on another folder of NNN-*.json5 files (the planted moves in test/fixtures/doctor-moves) and keeps
// doctor's whole output there (its sentences explain each change); the default is the real-file corpus.
const dirArg = process.argv.indexOf('--dir');
const CORPUS = dirArg > 0 ? path.resolve(process.argv[dirArg + 1]) : path.join(ROOT, 'test', 'fixtures', 'corpus-real');
const OUT = path.join(CORPUS, 'doctor');
const KEEP_STDOUT = dirArg > 0;
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

/**
 * The product's own code for doctor's "No config changes were written" case (src/core/openclaw/repair.ts,
 * src/core/migrate/unblock.ts), bundled on the fly so this script never keeps a second copy of it.
 */
async function productCode() {
  const esbuild = await import('esbuild');
  const r = await esbuild.build({
    stdin: { contents: "export { doctorBlocked, privateEnv } from './src/core/openclaw/repair.ts'; export { withoutBlocking } from './src/core/migrate/unblock.ts';", resolveDir: ROOT, loader: 'ts' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    write: false,
    logLevel: 'error',
  });
  return import(`data:text/javascript;base64,${Buffer.from(r.outputFiles[0].text).toString('base64')}`);
}

async function doOne(file, tools, again) {
  const { node, entry, JSON5 } = tools;
  const base = file.replace(/\.json5?$/, '');
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'corpus-doctor-'));
  const state = path.join(home, '.openclaw');
  fs.mkdirSync(state, { recursive: true });
  const cfg = path.join(state, 'openclaw.json');
  if (again) fs.writeFileSync(cfg, again);
  else fs.copyFileSync(path.join(CORPUS, file), cfg);
  // The same private environment Make Config Valid gives doctor (src/core/openclaw/repair.ts).
  const code = await productCode();
  const env = code.privateEnv(home, cfg, { PATH: `${path.dirname(node)}:/usr/bin:/bin`, TZ: 'UTC', npm_config_cache: path.join(home, '.npm') });
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
        ...(KEEP_STDOUT ? { stdout: d.stdout } : {}),
        stderrTail: tail(d.stderr, 1000),
      },
      repaired,
      ...(repairedError ? { repairedError } : {}),
      validateAfter: parseJsonOut(v2),
      seconds: Math.round((Date.now() - t0) / 100) / 10,
    };
    if (again) return scrubPaths(result, home);
    // Doctor wrote nothing because of values it cannot repair: what it does without them is what Make Config
    // Valid uses (holding those values as they were), so store that run too.
    const blocked = code.doctorBlocked(d.stdout);
    if (blocked.length) {
      const original = JSON5.parse(fs.readFileSync(path.join(CORPUS, file), 'utf8').replace(/^\uFEFF/, ''));
      const second = await doOne(file, tools, code.withoutBlocking(original, blocked));
      result.unblocked = { blocked, input: code.withoutBlocking(original, blocked), doctor: second.doctor, repaired: second.repaired, validateAfter: second.validateAfter, seconds: second.seconds };
    }
    fs.writeFileSync(path.join(OUT, `${base}.json`), JSON.stringify(scrubPaths(result, home), null, 2) + '\n');
    return result;
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// SUMMARY.md: counts, frequent issues, and the value moves doctor made (found by comparing the trees).

const DYNAMIC_PARENTS = [
  'agents.entries',
  'agents.defaults.models',
  'models.providers',
  'skills.entries',
  'plugins.entries',
  'plugins.installs',
  'auth.profiles',
  'channels',
  'hooks.internal.entries',
  'secrets.providers',
  'mcp.servers',
  'browser.profiles',
  'channels.*.accounts',
  'channels.*.groups',
  'channels.*.guilds',
  'talk.providers',
];

// Paths are kept as arrays of segments joined by SEP (keys may contain dots: model refs like "openai/gpt-5.2").
const SEP = '\u0000';

/** Display form: a.b[].c, a key with a dot in brackets, and the key under a map of user-named entries → `*`. */
function generalize(p) {
  const out = [];
  for (const seg of p.split(SEP)) {
    if (/^\d+$/.test(seg)) {
      out[out.length - 1] += '[]';
      continue;
    }
    const parent = out.join('.');
    out.push(DYNAMIC_PARENTS.includes(parent) ? '*' : seg.includes('.') ? `["${seg}"]` : seg);
  }
  return out.join('.');
}

/** Leaves of a JSON tree: path → JSON text. Empty objects and arrays of scalars count as leaves. */
function leaves(node, prefix = '', out = new Map()) {
  const primitiveArray = Array.isArray(node) && node.every((x) => x === null || typeof x !== 'object');
  if (node && typeof node === 'object' && Object.keys(node).length > 0 && !primitiveArray) {
    for (const [k, v] of Object.entries(node)) leaves(v, prefix ? `${prefix}${SEP}${k}` : k, out);
  } else {
    out.set(prefix, JSON.stringify(node));
  }
  return out;
}

/** Values distinctive enough to follow from one path to another. */
function distinctive(json) {
  const v = JSON.parse(json);
  if (typeof v === 'string') return v.length >= 10 || v.includes('/') || v.startsWith('${');
  if (typeof v === 'number') return !Number.isInteger(v) || Math.abs(v) >= 100;
  if (Array.isArray(v) || (v && typeof v === 'object')) return json.length > 4;
  return false;
}

const lastKey = (p) => p.split(SEP).filter((x) => !/^\d+$/.test(x)).at(-1);
const BOOKKEEPING = /^(meta|wizard)(\u0000|$)|^skills\u0000entries\u0000[^\u0000]+\u0000enabled$|^plugins\u0000(entries|installs)\u0000|^agents\u0000entries\u0000main$/;

/**
 * Compares the original tree with doctor's output. A leaf that disappeared (or changed) and whose value shows up at a
 * path that is new is a MOVE; a leaf that disappeared without trace is DROPPED; a new leaf with no source is ADDED.
 * Array values are also followed as a whole (gateway.nodes.denyCommands → gateway.nodes.commands.deny).
 */
function diffTrees(orig, repaired) {
  const a = leaves(orig);
  const b = leaves(repaired);
  // Also index whole sub-trees, so a moved array/object is seen as one move, not N.
  const subtrees = (node, prefix = '', out = new Map()) => {
    if (node && typeof node === 'object') {
      if (prefix) out.set(prefix, JSON.stringify(node));
      for (const [k, v] of Object.entries(node)) subtrees(v, prefix ? `${prefix}${SEP}${k}` : k, out);
    }
    return out;
  };
  const sa = subtrees(orig);
  const sb = subtrees(repaired);
  const moves = [];
  const dropped = [];
  const added = [];
  const consumedNew = new Set();
  const coveredOld = new Set();
  // 1) whole sub-trees that left their path and appear, identical, at a path that did not exist before
  for (const [p, json] of sa) {
    if (sb.has(p) || json.length <= 4) continue;
    if ([...coveredOld].some((c) => p.startsWith(`${c}${SEP}`))) continue;
    const targets = [...sb].filter(([q, j]) => j === json && !sa.has(q) && !consumedNew.has(q)).map(([q]) => q);
    if (targets.length) {
      const q = targets.sort((x, y) => (lastKey(y) === lastKey(p)) - (lastKey(x) === lastKey(p)))[0];
      moves.push({ from: p, to: q });
      coveredOld.add(p);
      consumedNew.add(q);
    }
  }
  const underCovered = (p) => [...coveredOld].some((c) => p === c || p.startsWith(`${c}${SEP}`));
  const underConsumed = (q) => [...consumedNew].some((c) => q === c || q.startsWith(`${c}${SEP}`));
  // 2) single leaves
  const newLeaves = [...b].filter(([q, j]) => a.get(q) !== j && !underConsumed(q));
  for (const [p, json] of a) {
    if (b.get(p) === json || underCovered(p)) continue;
    const cands = newLeaves.filter(
      ([q, j]) => j === json && !a.has(q) && !consumedNew.has(q) && (distinctive(json) || lastKey(q) === lastKey(p)),
    );
    if (cands.length) {
      const q = cands.sort((x, y) => (lastKey(y[0]) === lastKey(p)) - (lastKey(x[0]) === lastKey(p)))[0][0];
      moves.push({ from: p, to: q });
      consumedNew.add(q);
    } else if (!b.has(p)) {
      dropped.push({ path: p, value: json.length > 80 ? `${json.slice(0, 77)}...` : json });
    } else {
      const cut = (t) => (t.length > 60 ? `${t.slice(0, 57)}...` : t);
      dropped.push({ path: p, value: `${cut(json)} → ${cut(b.get(p))}`, changed: true });
    }
  }
  // 3) a short value that vanished and reappears with the same value under the same parent (streamMode → streaming.mode)
  for (const x of [...dropped]) {
    if (x.changed) continue;
    const parent = x.path.split(SEP).slice(0, -1).join(SEP);
    const json = a.get(x.path);
    const hit = newLeaves.find(([q, j]) => j === json && !a.has(q) && !consumedNew.has(q) && parent && q.startsWith(`${parent}${SEP}`));
    if (hit) {
      moves.push({ from: x.path, to: hit[0] });
      consumedNew.add(hit[0]);
      dropped.splice(dropped.indexOf(x), 1);
    }
  }
  for (const [q, json] of newLeaves) {
    if (!a.has(q) && !consumedNew.has(q)) added.push({ path: q, value: json });
  }
  return { moves, dropped, added };
}

function parseOriginal(file, JSON5) {
  const text = fs.readFileSync(path.join(CORPUS, file), 'utf8').replace(/^\uFEFF/, '');
  try {
    return { ok: true, tree: JSON5 ? JSON5.parse(text) : JSON.parse(text) };
  } catch (e) {
    return { ok: false, error: String(e.message || e) };
  }
}

function tally(map, key, file) {
  if (!map.has(key)) map.set(key, new Set());
  map.get(key).add(file);
}

const issueKey = (i) => `\`${generalize(String(i.path).split('.').join(SEP))}\` — ${i.message}`;

function writeSummary(JSON5) {
  const manifest = JSON.parse(fs.readFileSync(path.join(CORPUS, 'MANIFEST.json'), 'utf8'));
  const era = new Map(manifest.map((m) => [m.file, m.era]));
  const files = fs
    .readdirSync(OUT)
    .filter((f) => f.endsWith('.json'))
    .sort();
  const rows = [];
  const before = new Map();
  const after = new Map();
  const moves = new Map();
  const dropped = new Map();
  const added = new Map();
  const changed = [];
  let parses = 0;
  let validBefore = 0;
  let validAfter = 0;
  let fixedByDoctor = 0;
  let brokenByDoctor = 0;
  const untouched = [];
  const odd = [];
  for (const f of files) {
    const r = JSON.parse(fs.readFileSync(path.join(OUT, f), 'utf8'));
    const orig = parseOriginal(r.file, JSON5);
    if (orig.ok) parses++;
    const vb = r.validateBefore?.valid === true;
    const va = r.validateAfter?.valid === true;
    if (vb) validBefore++;
    if (va) validAfter++;
    if (!vb && va) fixedByDoctor++;
    if (vb && !va) brokenByDoctor++;
    for (const i of r.validateBefore?.issues ?? []) tally(before, issueKey(i), r.file);
    for (const i of r.validateAfter?.issues ?? []) tally(after, issueKey(i), r.file);
    if (r.doctor.timedOut) odd.push(`${r.file}: doctor hit the ${DOCTOR_TIMEOUT_MS / 1000} s cap and was killed`);
    if (r.doctor.killedAfterComplete) odd.push(`${r.file}: doctor printed "Doctor complete." but did not exit; killed 5 s later`);
    if (r.doctor.leftoverProcesses) odd.push(`${r.file}: ${r.doctor.leftoverProcesses} leftover process(es) killed after doctor`);
    if (/ENOTCACHED|Failed to install missing configured plugin/.test(`${r.doctor.stdoutTail}${r.doctor.stderrTail}`)) {
      odd.push(`${r.file}: doctor tried to install a configured plugin from npm (offline here, so it failed)${va ? '' : '; the file is still invalid'}`);
    }
    if (r.repaired === null) odd.push(`${r.file}: no readable config after doctor (${r.repairedError ?? 'missing'})`);
    let nMoves = 0;
    const same = orig.ok && r.repaired && JSON.stringify(orig.tree) === JSON.stringify(r.repaired);
    if (same) untouched.push(r.file.slice(0, 3));
    if (orig.ok && r.repaired) {
      const d = diffTrees(orig.tree, r.repaired);
      nMoves = d.moves.length;
      for (const m of d.moves) {
        const from = generalize(m.from);
        const to = generalize(m.to);
        tally(moves, from === to ? `${from} (map key renamed)` : `${from} → ${to}`, r.file);
      }
      for (const x of d.dropped) {
        if (x.changed && /^(meta|wizard)\u0000/.test(x.path)) continue; // bookkeeping doctor rewrites
        if (x.changed) changed.push(`| ${r.file.slice(0, 3)} | \`${generalize(x.path).replace(/\|/g, '\\|')}\` | \`${x.value.replace(/\|/g, '\\|')}\` |`);
        else tally(dropped, generalize(x.path), r.file);
      }
      for (const x of d.added) tally(added, BOOKKEEPING.test(x.path) ? generalize(x.path) : `${generalize(x.path)} = ${x.value.length > 40 ? `${x.value.slice(0, 37)}...` : x.value}`, r.file);
    }
    rows.push(
      `| ${r.file} | ${era.get(r.file) ?? ''} | ${orig.ok ? 'yes' : '**no**'} | ${vb ? 'valid' : `${(r.validateBefore?.issues ?? []).length} issues`} | ${r.doctor.exitCode ?? r.doctor.signal}${r.doctor.timedOut ? ' (timeout)' : ''} | ${va ? 'valid' : `${(r.validateAfter?.issues ?? []).length} issues`} | ${same ? 'file not rewritten' : nMoves} | ${r.seconds} |`,
    );
  }
  const top = (map, n) =>
    [...map]
      .sort((x, y) => y[1].size - x[1].size || x[0].localeCompare(y[0]))
      .slice(0, n)
      .map(([k, set]) => `| ${set.size} | ${k.replace(/\|/g, '\\|')} | ${[...set].map((f) => f.slice(0, 3)).join(' ')} |`);
  const n = files.length;
  const md = `# Real public OpenClaw configs vs. OpenClaw ${OPENCLAW_VERSION}'s own validator and repair

Generated by \`scripts/corpus-doctor.mjs\` from \`doctor/*.json\`; do not edit by hand.

Reproduce (runs every file sequentially, ~1 min each on a loaded 2-core machine, no network needed):

\`\`\`sh
node scripts/corpus-doctor.mjs            # all files: validate, doctor --fix --non-interactive, validate; then this summary
node scripts/corpus-doctor.mjs 017 036    # only some files (then: node scripts/corpus-doctor.mjs --summary)
node scripts/corpus-doctor.mjs --summary  # only rewrite this file from doctor/*.json
\`\`\`

Each file is copied into a private temp HOME (\`HOME\`, \`OPENCLAW_HOME\`, \`OPENCLAW_STATE_DIR\`, \`OPENCLAW_CONFIG_PATH\`), then
\`openclaw config validate --json\`, \`openclaw doctor --fix --non-interactive\`, \`openclaw config validate --json\` run under
Node ${NODE24_VERSION} (npm offline, so doctor cannot install the plugins some configs name). The corpus and its sources are in
\`MANIFEST.json\`; every file is a real public file (none were written by us), secrets scrubbed as listed there.

## Figures (${n} files)

| | files |
|---|---|
| parse as JSON5 | ${parses} of ${n} |
| accepted as-is by the ${OPENCLAW_VERSION} validator | ${validBefore} of ${n} |
| valid after \`doctor --fix\` | ${validAfter} of ${n} (fixed by doctor: ${fixedByDoctor}; valid before but not after: ${brokenByDoctor}) |
| still invalid after \`doctor --fix\` | ${n - validAfter} of ${n} |
| doctor left the file's content unchanged | ${untouched.length} of ${n}${untouched.length ? ` (${untouched.join(' ')})` : ''} |

## Issues still reported after \`doctor --fix\`

| files | path — message | files (by number) |
|---|---|---|
${top(after, 40).join('\n') || '| 0 | (none) | |'}

## Most frequent issues before repair (top 30)

| files | path — message | files (by number) |
|---|---|---|
${top(before, 30).join('\n')}

## Value moves doctor made (original path → path in the repaired file, same value)

Found by comparing the trees: a value that left its path and appears, unchanged, at a path that did not exist before.
Array indices are shown as \`[]\`, user-named map keys (agent ids, provider/plugin/skill names, channels) as \`*\`.
Heuristic: whole objects/arrays, long strings and large numbers are followed anywhere; booleans and short values only
to a path with the same last key or under the same parent, so a few short-value pairings may be coincidences.

| files | move | files (by number) |
|---|---|---|
${top(moves, 80).join('\n') || '| 0 | (none) | |'}

## Values doctor removed (no unchanged copy anywhere in the repaired file)

| files | original path | files (by number) |
|---|---|---|
${top(dropped, 60).join('\n') || '| 0 | (none) | |'}

## Values doctor changed in place (same path, different value; \`meta.*\`/\`wizard.*\` left out)

| file | path | old → new |
|---|---|---|
${changed.join('\n') || '| | (none) | |'}

## What doctor added (top 40; bookkeeping such as \`meta.*\`, \`wizard.*\`, \`skills.entries.*.enabled\`, \`plugins.*\` shown by path only)

| files | added path (= value) | files (by number) |
|---|---|---|
${top(added, 40).join('\n')}

## Per file

| file | era (guess) | parses | before | doctor exit | after | moves | seconds |
|---|---|---|---|---|---|---|---|
${rows.join('\n')}

## Odd runs

Doctor wants the npm registry for plugins a config names (slack, imessage, openclaw-weixin, qwen-portal-auth, …); runs
here are offline, so those installs fail, and where that blocks the repair doctor writes nothing ("Doctor finished, but
config fixes were not applied."). A machine with network may get further on those files.

${odd.length ? odd.map((o) => `- ${o}`).join('\n') : '- none'}
`;
  fs.writeFileSync(path.join(CORPUS, 'SUMMARY.md'), md);
  process.stderr.write(`[corpus-doctor] wrote ${path.join(CORPUS, 'SUMMARY.md')}\n`);
}

async function main() {
  const argv = process.argv.slice(2).filter((a, i, all) => a !== '--dir' && all[i - 1] !== '--dir');
  const node = path.join(ensureNode24(), 'node');
  const entry = ensureOpenClaw();
  const JSON5 = loadJson5(entry);
  if (argv.includes('--summary')) {
    writeSummary(JSON5);
    return;
  }
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
  if (argv.length === 0 && !KEEP_STDOUT) writeSummary(JSON5);
}

main().catch((e) => {
  process.stderr.write(`${e.stack || e}\n`);
  process.exit(1);
});
