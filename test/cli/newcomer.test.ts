// Issue #29 "A newcomer's walk, fixed": the items the CLI shows, as child processes of the built CLI.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { FIX, LMS_ARGS, runCliSync, tmpConfigCopy } from '../support/cli.js';

const run = runCliSync;
const lms = LMS_ARGS;
const tmpCopy = tmpConfigCopy;

describe('fix keeps removed values in the side file (item 8)', () => {
  it('fix --all and fix --rule retired-key write the removed reserveTokensFloor, comment and all, beside the config', () => {
    for (const how of [['--all'], ['--rule', 'retired-key']]) {
      const file = tmpCopy('planted.json5');
      const before = fs.readFileSync(file, 'utf8');
      const r = run(['fix', '--config', file, ...how, ...lms, '--json']);
      const out = JSON.parse(r.stdout) as { applied: string[]; removedTo: string | null };
      assert.ok(out.applied.some((a) => a.startsWith('Remove reserveTokensFloor')), r.stdout);
      assert.doesNotMatch(fs.readFileSync(file, 'utf8'), /reserveTokensFloor/);
      assert.ok(out.removedTo && fs.existsSync(out.removedTo), `a side file (${how.join(' ')}): ${r.stdout}`);
      assert.equal(path.dirname(out.removedTo), path.dirname(file));
      const side = fs.readFileSync(out.removedTo, 'utf8');
      const removedLine = before.split('\n').find((l) => l.includes('reserveTokensFloor'))!.trim();
      assert.ok(side.includes(removedLine), `the side file keeps "${removedLine}" as it was:\n${side}`);
    }
  });

  it('--dry-run writes no side file', () => {
    const file = tmpCopy('planted.json5');
    const r = run(['fix', '--config', file, '--all', ...lms, '--dry-run', '--json']);
    assert.equal(JSON.parse(r.stdout).removedTo, null);
    assert.deepEqual(fs.readdirSync(path.dirname(file)).filter((f) => f.includes('.removed-')), []);
  });
});

describe("the lab and the probes keep OpenClaw's state out of the user's OpenClaw home (item 13)", () => {
  it('run against a config elsewhere, OpenClaw gets a private state folder; against the home config, the home', async () => {
    const { lmStudioRoutes, startServer } = await import('../support/scriptedServer.js');
    const { runCli } = await import('../support/cli.js');
    const s = await startServer({ ...lmStudioRoutes() });
    try {
      const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'lal-state-')));
      const home = path.join(root, 'home');
      const stateHome = path.join(root, 'xdg-state');
      fs.mkdirSync(home);
      const text = `{ models: { providers: { lmstudio: { baseUrl: 'http://127.0.0.1:${s.port}/v1', models: [{ id: 'qwen/qwen3-coder-30b', name: 'Q' }] } } }, agents: { defaults: { model: { primary: 'lmstudio/qwen/qwen3-coder-30b' } } } }`;
      // A stand-in `openclaw` that writes its state where the real one does: OPENCLAW_STATE_DIR, else ~/.openclaw.
      const fake = path.join(root, 'openclaw');
      fs.writeFileSync(
        fake,
        `#!${process.execPath}
const fs = require('fs'), path = require('path');
const a = process.argv.slice(2);
if (a[0] === '--version') { console.log('OpenClaw 2026.9.6'); process.exit(0); }
const state = process.env.OPENCLAW_STATE_DIR || path.join(process.env.HOME, '.openclaw');
fs.mkdirSync(path.join(state, 'agents', 'main', 'sessions'), { recursive: true });
fs.writeFileSync(path.join(state, 'agents', 'main', 'sessions', 'sessions.json'), '{}');
console.log(JSON.stringify({ payloads: [{ text: 'DONE' }], meta: { durationMs: 5, stopReason: 'stop' } }));
`,
        { mode: 0o755 },
      );
      const env = { HOME: home, XDG_STATE_HOME: stateHome, OPENCLAW_STATE_DIR: undefined, OPENCLAW_HOME: undefined, OPENCLAW_CONFIG_PATH: undefined };
      const project = path.join(root, 'copy');
      fs.mkdirSync(path.join(project, '.local-ai-lab', 'workloads'), { recursive: true });
      fs.writeFileSync(path.join(project, 'openclaw.json'), text);
      fs.writeFileSync(path.join(project, '.local-ai-lab', 'workloads', 'w.json'), JSON.stringify({ name: 'w', dispatcher: 'openclaw', transport: 'local', prompt: 'hi', repeats: 1, timeoutSeconds: 30 }));
      const lab = await runCli(['lab', 'run', 'w', '--config', path.join(project, 'openclaw.json'), '--openclaw', fake, '--json'], { cwd: project, env });
      assert.equal(lab.status, 0, lab.stderr + lab.stdout.slice(0, 400));
      const probe = await runCli(['probe', 'prompt-sections', '--config', path.join(project, 'openclaw.json'), '--openclaw', fake, '--json'], { cwd: project, env });
      assert.ok(probe.status !== null, probe.stderr);
      assert.equal(fs.existsSync(path.join(home, '.openclaw')), false, "nothing in the user's OpenClaw home");
      const states = fs.readdirSync(path.join(stateHome, 'local-ai-lab', 'openclaw-state'));
      assert.equal(states.length, 1, 'one private state folder for that config');
      assert.ok(fs.existsSync(path.join(stateHome, 'local-ai-lab', 'openclaw-state', states[0]!, 'agents', 'main', 'sessions', 'sessions.json')));
      // The home's own config: its state is the home, as OpenClaw's own commands keep it.
      fs.mkdirSync(path.join(home, '.openclaw', '.local-ai-lab', 'workloads'), { recursive: true });
      fs.writeFileSync(path.join(home, '.openclaw', 'openclaw.json'), text);
      fs.copyFileSync(path.join(project, '.local-ai-lab', 'workloads', 'w.json'), path.join(home, '.openclaw', '.local-ai-lab', 'workloads', 'w.json'));
      const own = await runCli(['lab', 'run', 'w', '--config', path.join(home, '.openclaw', 'openclaw.json'), '--openclaw', fake, '--json'], { cwd: path.join(home, '.openclaw'), env });
      assert.equal(own.status, 0, own.stderr);
      assert.ok(fs.existsSync(path.join(home, '.openclaw', 'agents', 'main', 'sessions', 'sessions.json')));
    } finally {
      await s.close();
    }
  });
});

describe('experiments ask OpenClaw about the config first and say what to fix (item 4)', () => {
  it('lab run and probe prompt-sections against a config OpenClaw rejects run nothing and name the issue and the fix', async () => {
    const { lmStudioRoutes, startServer } = await import('../support/scriptedServer.js');
    const { runCli } = await import('../support/cli.js');
    const s = await startServer({ ...lmStudioRoutes() });
    try {
      const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'lal-rejected-')));
      const config = path.join(dir, 'openclaw.json');
      fs.writeFileSync(config, `{ models: { providers: { lmstudio: { baseUrl: 'http://127.0.0.1:${s.port}/v1', models: [{ id: 'qwen/qwen3-coder-30b', name: 'Q' }] } } }, agents: { defaults: { model: { primary: 'lmstudio/qwen/qwen3-coder-30b' }, compaction: { reserveTokensFloor: 24000 } } } }`);
      fs.mkdirSync(path.join(dir, '.local-ai-lab', 'workloads'), { recursive: true });
      fs.writeFileSync(path.join(dir, '.local-ai-lab', 'workloads', 'w.json'), JSON.stringify({ name: 'w', dispatcher: 'openclaw', transport: 'local', prompt: 'hi', repeats: 2, timeoutSeconds: 30 }));
      // A stand-in `openclaw` whose validator rejects the file (the real verdict on this key is tested in test/real); it counts turns.
      const turns = path.join(dir, 'turns');
      const fake = path.join(dir, 'openclaw');
      fs.writeFileSync(
        fake,
        `#!${process.execPath}
const fs = require('fs');
const a = process.argv.slice(2);
if (a[0] === '--version') { console.log('OpenClaw 2026.9.6'); process.exit(0); }
if (a[0] === 'config') { console.log(JSON.stringify({ valid: false, issues: [{ path: 'agents.defaults.compaction', message: 'Unrecognized key: "reserveTokensFloor"' }], warnings: [] })); process.exit(1); }
fs.appendFileSync(${JSON.stringify(turns)}, 'turn\\n');
console.log(JSON.stringify({ payloads: [{ text: 'DONE' }], meta: { durationMs: 5, stopReason: 'stop' } }));
`,
        { mode: 0o755 },
      );
      for (const args of [['lab', 'run', 'w'], ['probe', 'prompt-sections']]) {
        const r = await runCli([...args, '--config', config, '--openclaw', fake], { cwd: dir });
        assert.equal(r.status, 1, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
        assert.match(r.stderr, /OpenClaw 2026\.9\.6 rejects .*openclaw\.json, so nothing was run: agents\.defaults\.compaction: Unrecognized key: "reserveTokensFloor"\. Fix it first: Make Config Valid in the editor, or local-ai-lab migrate --config/, args.join(' '));
        assert.equal((r.stderr.match(/rejects/g) ?? []).length, 1, 'said once');
      }
      assert.equal(fs.existsSync(turns), false, 'no OpenClaw turn ran');
      // Under a profile: the config is judged before the profile is put in force, so nothing is loaded or written.
      const before = fs.readFileSync(config);
      for (const args of [['lab', 'run', 'w', '--profile', 'single-turn'], ['probe', 'codewords', '--profile', 'single-turn']]) {
        const r = await runCli([...args, '--config', config, '--openclaw', fake], { cwd: dir });
        assert.equal(r.status, 1, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
        assert.equal((r.stderr.match(/rejects .*, so nothing was run: .*Fix it first: .*local-ai-lab migrate --config/g) ?? []).length, 1, `${args.join(' ')}: ${r.stderr}`);
        assert.ok(!s.requests.some((q) => q.path.endsWith('/models/load') || q.path.endsWith('/models/unload')), `${args.join(' ')}: no model was loaded or unloaded`);
        assert.deepEqual(fs.readFileSync(config), before, `${args.join(' ')}: openclaw.json untouched`);
        assert.deepEqual(fs.readdirSync(dir).filter((f) => f.endsWith('.bak') || f === 'local-ai-lab'), [], 'no backup taken');
      }
    } finally {
      await s.close();
    }
  });
});

describe('the lower but real ones', () => {
  it('lab run and the probes without a config found point to --config, as check does', () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-nohome-'));
    for (const args of [['lab', 'run', 'quick-check'], ['probe', 'prompt-sections'], ['check']]) {
      const r = run(args, { HOME: home, OPENCLAW_CONFIG_PATH: '', OPENCLAW_STATE_DIR: '', OPENCLAW_HOME: '' });
      assert.equal(r.status, 2, args.join(' '));
      assert.match(r.stderr, /no openclaw\.json found \(looked at .*\); pass --config PATH \(see "local-ai-lab .*--help"\)/, args.join(' '));
    }
  });

  it('check --help and help check print check\'s own help, not the global text', () => {
    for (const args of [['check', '--help'], ['help', 'check']]) {
      const r = run(args);
      assert.equal(r.status, 0);
      assert.match(r.stdout, /^usage: local-ai-lab check /);
      assert.doesNotMatch(r.stdout, /lab sweep/, 'not every command');
    }
  });

  it('the README opens with the two commands: run the demo, run the tests', () => {
    const readme = fs.readFileSync('README.md', 'utf8');
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)!;
    assert.ok(firstBlock.index < readme.indexOf('\n## '), 'before the first section');
    assert.match(firstBlock[1]!, /^npm ci && npm run demo\b.*\nnpm ci && npm test\b/m);
  });
});

describe('check names the command that can help (lower but real)', () => {
  it('only OpenClaw rejects the file (no safe fix of ours): check points to migrate, not fix --all', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-which-'));
    const fake = path.join(dir, 'openclaw');
    fs.writeFileSync(fake, `#!${process.execPath}\nconst a = process.argv.slice(2);\nif (a[0] === '--version') { console.log('OpenClaw 2026.9.6'); process.exit(0); }\nconsole.log(JSON.stringify({ valid: false, issues: [{ path: 'gateway.port', message: 'Too big' }], warnings: [] }));\nprocess.exit(1);\n`, { mode: 0o755 });
    // A config none of our rules offers a fix for (safeguard with the mid-turn precheck, compactor and memory flush on it), so only OpenClaw's issue remains.
    const config = path.join(dir, 'openclaw.json');
    fs.writeFileSync(config, fs.readFileSync(`${FIX}/configs/valid-minimal.json`, 'utf8').replace('"mode": "default", "model": "lmstudio/qwen3-4b-instruct-2507"', '"mode": "safeguard", "model": "lmstudio/qwen3-4b-instruct-2507", "memoryFlush": { "model": "lmstudio/qwen3-4b-instruct-2507" }, "midTurnPrecheck": { "enabled": true }'));
    const r = run(['check', '--config', config, '--loaded', `${FIX}/lms/ps.json`, '--openclaw', fake]);
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /openclaw {2}Too big/);
    assert.match(r.stdout, /Make OpenClaw 2026\.9\.6 accept the file: local-ai-lab migrate --config /);
    assert.doesNotMatch(r.stdout, /fix --all/);
  });
});

describe('Make Config Valid / migrate on a file OpenClaw already accepts (item 7, in part)', () => {
  it("does not use or wait for OpenClaw's doctor and says why; an invalid file still gets it", async () => {
    const { planMigration } = await import('../../src/core/migrate/run.js');
    const { v } = await import('../../src/core/openclaw/version.js');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-valid-'));
    const file = path.join(dir, 'openclaw.json');
    const verdict = path.join(dir, 'verdict.json');
    // A stand-in `openclaw` whose validator answers what verdict.json holds (the real doctor is tested in test/slow).
    const fake = path.join(dir, 'openclaw');
    fs.writeFileSync(fake, `#!${process.execPath}\nconst a = process.argv.slice(2);\nif (a[0] === '--version') { console.log('OpenClaw 2026.9.6'); process.exit(0); }\nprocess.stdout.write(require('fs').readFileSync(${JSON.stringify(verdict)}, 'utf8'));\n`, { mode: 0o755 });
    const text = '{ gateway: { port: 18789 } }\n';
    fs.writeFileSync(file, text);
    // Doctor starts beside the validator (#26), so a rejected file does not wait for the verdict first; for a file
    // OpenClaw accepts, its run is stopped (test/cli/repair.test.ts shows the real process go) and its answer —
    // here one that would move the port — is never used or waited for.
    const { parseDocument, toValue } = await import('../../src/core/openclaw/document.js');
    const doctorAnswer = (t: string) => ({ repaired: { ...(toValue(parseDocument('copy.json', t).root) as object), gateway: { port: 1 } }, seconds: 1, notes: [], blocked: [] });
    const never = () => new Promise<never>(() => undefined);
    fs.writeFileSync(verdict, JSON.stringify({ valid: true, issues: [], warnings: [] }));
    const ok = await planMigration(file, fs.readFileSync(file), { executable: fake, version: v('2026.9.6'), installed: v('2026.9.6'), repair: never });
    assert.equal(ok.valid, true);
    assert.equal(ok.after, text, "doctor's answer is not used");
    assert.equal(ok.repair.ran, false);
    assert.match(ok.repair.note ?? '', /already accepts the file/);
    fs.writeFileSync(verdict, JSON.stringify({ valid: false, issues: [{ path: 'gateway.port', message: 'Too big' }], warnings: [] }));
    const bad = await planMigration(file, fs.readFileSync(file), { executable: fake, version: v('2026.9.6'), installed: v('2026.9.6'), repair: async (t) => doctorAnswer(t) });
    assert.equal(bad.repair.ran, true, 'an invalid file still gets the repair');
    assert.match(bad.after, /port: 1/);
  });
});

describe('Make Config Valid says its stages in our words while doctor works (item 7)', () => {
  it('migrate prints each stage on stderr (not a terminal: one line each), none of doctor\'s raw output, and says what doctor would also do in the result', async () => {
    const { runCli } = await import('../support/cli.js');
    const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'lal-steps-')));
    const config = path.join(dir, 'openclaw.json');
    fs.writeFileSync(config, `{\n  agents: { defaults: { compaction: { reserveTokensFloor: 24000 } } },\n}\n`);
    // A stand-in `openclaw`: its validator rejects the retired key; its doctor prints a TUI about the private copy.
    const fake = path.join(dir, 'openclaw');
    fs.writeFileSync(
      fake,
      `#!${process.execPath}
const fs = require('fs');
const a = process.argv.slice(2);
if (a[0] === '--version') { console.log('OpenClaw 2026.9.6'); process.exit(0); }
if (a[0] === 'config') {
  const bad = fs.readFileSync(process.env.OPENCLAW_CONFIG_PATH, 'utf8').includes('reserveTokensFloor');
  console.log(JSON.stringify(bad ? { valid: false, issues: [{ path: 'agents.defaults.compaction', message: 'Unrecognized key: "reserveTokensFloor"' }], warnings: [] } : { valid: true, issues: [], warnings: [] }));
  process.exit(bad ? 1 : 0);
}
if (a[0] === 'doctor') { console.log('┌  OpenClaw doctor'); console.log('◇  Doctor changes ─────────╮'); console.log('│  Disabled xurl (missing binary)'); console.log('├───────────────────────────╯'); process.exit(0); }
process.exit(2);
`,
      { mode: 0o755 },
    );
    const r = await runCli(['migrate', '--config', config, '--openclaw', fake], { cwd: dir });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const steps = r.stderr.split('\n').filter((l) => l.startsWith('migrate: '));
    assert.deepEqual(steps.slice(0, 2), ['migrate: asking OpenClaw whether it accepts the file as it is', "migrate: OpenClaw's doctor is working out what moves, on a private copy (your file is not changed until you apply)"], r.stderr);
    assert.ok(steps.includes("migrate: checking the result with OpenClaw's validator (round 1)"), r.stderr);
    assert.doesNotMatch(r.stdout + r.stderr, /xurl|[╮╯│◇┌]/, "doctor's own output is about its private copy");
    assert.doesNotMatch(fs.readFileSync(config, 'utf8'), /reserveTokensFloor/);
    // --json stays quiet on stderr: a script reads stdout.
    fs.writeFileSync(config, `{ agents: { defaults: { compaction: { reserveTokensFloor: 1 } } } }\n`);
    const j = await runCli(['migrate', '--config', config, '--openclaw', fake, '--dry-run', '--json'], { cwd: dir });
    assert.equal(j.stderr, '');
    // A file OpenClaw already accepts: no doctor stage.
    fs.writeFileSync(config, `{ agents: {} }\n`);
    const ok = await runCli(['migrate', '--config', config, '--openclaw', fake], { cwd: dir });
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(ok.stderr.split('\n')[0], 'migrate: asking OpenClaw whether it accepts the file as it is');
    assert.doesNotMatch(ok.stderr, /doctor/);
    assert.match(ok.stdout, /OpenClaw already accepts the file, so its repair did not run/);
  });
});
