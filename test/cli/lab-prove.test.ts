import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { readEvidence } from '../../src/core/evidence.js';
import { applyEdits } from '../../src/core/text.js';
import { listBackups, writeBackup } from '../../src/core/write/backups.js';
import { runCli } from '../support/cli.js';
import { lmStudioRoutes, startServer, type ScriptedServer } from '../support/scriptedServer.js';

const servers: ScriptedServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

const FIX = path.resolve('test/fixtures');
const lms = ['--loaded', `${FIX}/lms/ps.json`, '--downloaded', `${FIX}/lms/ls.json`];

/** A private copy of the planted config (safeguard, no compactor, a retired key). */
function planted(): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lal-prove-')), 'openclaw.json5');
  fs.copyFileSync(path.join(FIX, 'configs', 'planted.json5'), file);
  return file;
}

describe('local-ai-lab lab prove (the CLI contract)', () => {
  it('--dry-run --json prints {rule, path, fix, workload, arms: [{name: "as-is"}, {name: "fix", edits}], n}; the edits are the preferred fix; nothing is written', async () => {
    const file = planted();
    const before = fs.readFileSync(file);
    const r = await runCli(['lab', 'prove', 'compaction-model-missing', '--config', file, ...lms, '-n', '3', '--workload', 'quick-check', '--dry-run', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(out), ['rule', 'path', 'fix', 'workload', 'arms', 'n', 'interleaved']);
    assert.equal(out.interleaved, true, 'a fix that only edits the config alternates with as-is dispatch by dispatch');
    assert.deepEqual([out.rule, out.path, out.workload, out.n], ['compaction-model-missing', 'agents.defaults.compaction', 'quick-check', 3]);
    assert.equal(out.fix, 'Use lmstudio/qwen3-4b-instruct-2507 as the compaction model and the memory-flush model (and register it)');
    assert.deepEqual(out.arms.map((a: { name: string }) => a.name), ['as-is', 'fix']);
    assert.deepEqual(Object.keys(out.arms[0]), ['name']);
    assert.ok(out.arms[1].edits.every((e: { file: string }) => e.file === file));
    assert.deepEqual(fs.readFileSync(file), before, 'a dry run writes nothing');
    // The fix arm's edits, applied, are what `fix --rule` writes: the finding is gone.
    const fixed = applyEdits(before.toString('utf8'), out.arms[1].edits.map((e: { span: [number, number]; newText: string }) => ({ span: e.span, newText: e.newText })));
    const fixedFile = planted();
    fs.writeFileSync(fixedFile, fixed);
    const c = JSON.parse((await runCli(['check', '--config', fixedFile, ...lms, '--json'])).stdout);
    assert.ok(!c.findings.some((f: { rule: string }) => f.rule === 'compaction-model-missing'), fixed);
    // Defaults: the first finding, the workload that compacts (a compaction rule), 6 per arm.
    const d = JSON.parse((await runCli(['lab', 'prove', 'compaction-mode', '--config', file, ...lms, '--dry-run', '--json'])).stdout);
    assert.deepEqual([d.path, d.workload, d.n, d.fix], ['agents.defaults.compaction.mode', 'grow-context', 6, 'Enable the mid-turn precheck (compaction.midTurnPrecheck.enabled: true)']);
  });

  it('exit 2 for a rule with no claim to measure, an unknown --path or no RULE; exit 1 when the config has no such finding', async () => {
    const file = planted();
    const nope = await runCli(['lab', 'prove', 'retired-key', '--config', file, ...lms, '--dry-run', '--json']);
    assert.equal(nope.status, 2);
    assert.match(nope.stderr, /retired-key is not a rule whose claim a lab can measure/);
    const where = await runCli(['lab', 'prove', 'compaction-mode', '--path', 'models', '--config', file, ...lms, '--dry-run', '--json']);
    assert.equal(where.status, 2);
    assert.match(where.stderr, /no compaction-mode finding at models \(its findings are at: agents\.defaults\.compaction\.mode\)/);
    assert.equal((await runCli(['lab', 'prove', '--config', file, '--dry-run'])).status, 2);
    const wl = await runCli(['lab', 'prove', 'compaction-mode', '--workload', 'no-such', '--config', file, ...lms, '--dry-run', '--json']);
    assert.equal(wl.status, 2);
    assert.match(wl.stderr, /no workload "no-such"/);
    const none = await runCli(['lab', 'prove', 'compaction-threshold-on-primary', '--config', file, ...lms, '--dry-run', '--json']);
    assert.equal(none.status, 1);
    assert.match(none.stderr, /nothing to prove: check reports no compaction-threshold-on-primary finding/);
    assert.equal(none.stdout, '');
  });

  it('without --dry-run: as-is and the fix through the borrow, interleaved dispatch by dispatch, n each, the comparison, and the config\'s bytes as before', async () => {
    // A scripted LM Studio holding the primary at 32,768 while the config registers 131,072: context-window-mismatch.
    let chats = 0;
    const seen: string[] = [];
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-prove-run-'));
    const config = path.join(dir, 'openclaw.json');
    const s = await startServer({
      ...lmStudioRoutes(),
      'POST /v1/chat/completions': () => {
        chats++;
        seen.push(/contextWindow: (\d+)/.exec(fs.readFileSync(config, 'utf8'))![1]!);
        return { chat: { reply: 'A context window limits how much text the model sees at once. DONE', latencyMs: () => 20 } };
      },
    });
    servers.push(s);
    const text = `// prove test\n{ models: { providers: { lmstudio: { baseUrl: 'http://127.0.0.1:${s.port}/v1', api: 'openai-completions', models: [{ id: 'qwen/qwen3-coder-30b', name: 'Q', contextWindow: 131072 }] } } }, agents: { defaults: { model: { primary: 'lmstudio/qwen/qwen3-coder-30b' } } } }\n`;
    fs.writeFileSync(config, text);
    // 18 backups the user already has (20 are kept): the proof's own churn must not push any of them out.
    const theirs = Array.from({ length: 18 }, (_, i) => writeBackup(config, Buffer.from(`{ n: ${i} }`), new Date(Date.UTC(2026, 0, 1, 0, i)), `fix number ${i}`));
    const r = await runCli(['lab', 'prove', 'context-window-mismatch', '--workload', 'quick-check', '-n', '2', '--config', config, '--json'], { cwd: dir });
    assert.equal(r.status, 0, r.stderr + r.stdout);
    const out = JSON.parse(r.stdout);
    assert.deepEqual([out.rule, out.fix, out.n, out.status], ['context-window-mismatch', 'Set contextWindow to 32,768 (what LM Studio loaded)', 2, 'complete']);
    assert.ok(out.sessions.asIs && out.sessions.fix && out.sessions.asIs !== out.sessions.fix);
    assert.ok(out.comparison.medianSeconds, 'Δ median with its interval');
    assert.equal(out.restore.ok, true);
    // The verdict is stored as evidence keyed by the rule, the config's bytes and what the server held.
    const lines = fs.readFileSync(path.join(dir, '.local-ai-lab', 'evidence.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines.length, 1);
    assert.deepEqual(lines[0], out.evidence);
    assert.equal(lines[0].configSha256, createHash('sha256').update(text).digest('hex'));
    assert.deepEqual([lines[0].rule, lines[0].n, lines[0].sessions], ['context-window-mismatch', 2, out.sessions]);
    assert.ok(lines[0].loadedModels.some((m: { id: string; context: number }) => m.id === 'qwen/qwen3-coder-30b' && m.context === 32768), JSON.stringify(lines[0].loadedModels));
    assert.deepEqual(lines[0].completion, { asIs: 1, fix: 1 });
    // Each arm ran with its own config in force, alternating: as-is at 131,072, the fix at 32,768; then the bytes from before.
    assert.equal(chats, 4);
    assert.deepEqual(seen, ['131072', '32768', '131072', '32768']);
    // Each arm's dispatches are one complete session, continued round after round.
    for (const id of [out.sessions.asIs, out.sessions.fix]) {
      const session = JSON.parse(fs.readFileSync(path.join(dir, '.local-ai-lab', 'runs', id, 'session.json'), 'utf8'));
      assert.deepEqual([session.status, session.repeats], ['complete', 2], id);
      const indices = fs.readFileSync(path.join(dir, '.local-ai-lab', 'runs', id, 'dispatches.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).index);
      assert.deepEqual(indices, [0, 1], id);
    }
    assert.equal(fs.readFileSync(config, 'utf8'), text);
    assert.equal(fs.existsSync(path.join(dir, 'local-ai-lab', 'profile.json')), false, 'no profile recorded in force afterwards');
    // Three writes of the config by the proof, one by the restore: the backups of the lab's own in-between states are
    // gone; the one of the config from before and the restore's stay, and every backup of the user's is still there.
    const now = listBackups(config);
    assert.ok(theirs.every((b) => now.includes(b)), 'none of the user\'s backups was pruned');
    assert.equal(now.length - theirs.length, 2, now.slice(theirs.length).map((b) => path.basename(b)).join(', '));
    assert.equal(fs.readFileSync(now[theirs.length]!, 'utf8'), text, 'the first new backup holds the config from before');
    // check on the same config now carries the measured figure in the finding's message (the editor's hover shows it).
    const c = JSON.parse((await runCli(['check', '--config', config, '--json'], { cwd: dir })).stdout);
    const m = c.findings.find((f: { rule: string }) => f.rule === 'context-window-mismatch');
    assert.match(m.message, new RegExp(`Measured here on \\d{4}-\\d\\d-\\d\\d: "Set contextWindow to 32,768 \\(what LM Studio loaded\\)" — median wall time [+−]\\d+\\.\\d s \\(95 % interval .*\\), completion 100 % → 100 % over 2 dispatches each \\(lab session ${out.sessions.fix}\\)\\.$`), m.message);
    // Another config's findings do not borrow it.
    const other = path.join(dir, 'other.json');
    fs.writeFileSync(other, text.replace('// prove test', '// another'));
    const o2 = JSON.parse((await runCli(['check', '--config', other, '--json'], { cwd: dir })).stdout);
    assert.doesNotMatch(o2.findings.find((f: { rule: string }) => f.rule === 'context-window-mismatch').message, /Measured here/);
    const show = await runCli(['lab', 'show', out.sessions.fix, '--json'], { cwd: dir });
    assert.equal(JSON.parse(show.stdout).session.environment.profile, 'context-window-mismatch fix');
    // A real proof talks to the real servers.
    const stand = await runCli(['lab', 'prove', 'context-window-mismatch', '--loaded', path.join(FIX, 'lms', 'ps.json'), '--config', config], { cwd: dir });
    assert.equal(stand.status, 2);
  });

  it('evidence.jsonl, read by every CLI check: a FIFO, a folder or a torn line in its place gives no proofs instead of blocking or failing', async () => {
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-evid-'));
    const root = path.join(cwd, '.local-ai-lab');
    fs.mkdirSync(root);
    execFileSync('mkfifo', [path.join(root, 'evidence.jsonl')]);
    assert.deepEqual(readEvidence(root), []);
    const file = planted();
    const r = await runCli(['check', '--config', file, ...lms, '--json'], { cwd });
    assert.ok(JSON.parse(r.stdout).findings.length > 0, 'check ran past the FIFO');
    const dirRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-evid-'));
    fs.mkdirSync(path.join(dirRoot, 'evidence.jsonl'));
    assert.deepEqual(readEvidence(dirRoot), []);
    const torn = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-evid-'));
    fs.writeFileSync(path.join(torn, 'evidence.jsonl'), '{"rule": "compaction-mode", "pa');
    assert.deepEqual(readEvidence(torn), []);
  });
});
