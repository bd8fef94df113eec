// Issue #29 "A newcomer's walk, fixed": the items whose behaviour lives in core, one describe per item.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDocument } from '../../src/core/openclaw/document.js';
import { besideFindings, shownValidation } from '../../src/core/openclaw/issues.js';
import type { ValidationResult } from '../../src/core/openclaw/cli.js';

describe("OpenClaw's findings stay while it checks a saved file again (item 5)", () => {
  const three: ValidationResult = {
    valid: false,
    issues: [
      { path: 'agents.defaults.compaction', message: 'Unrecognized key: "reserveTokensFloor"' },
      { path: 'agents.defaults.contextTokens', message: 'Expected number, received string' },
      { path: 'gateway.port', message: 'Too big' },
    ],
    warnings: [],
  };
  it('keeps the last verdict, marked as checking, between a save and the new verdict; the new one replaces it', () => {
    // The verdict on the bytes before the save: three issues, none being checked.
    assert.deepEqual(shownValidation(three, 'hash-a', 'hash-a'), { validation: three, checking: false });
    // Saved (a fix removed one key): the disk holds new bytes OpenClaw has not judged yet. Before, nothing was shown here.
    const during = shownValidation(three, 'hash-a', 'hash-b');
    assert.equal(during.checking, true);
    assert.equal(during.validation?.issues.length, 3, 'not 3 → 0 (or 1) → 2 while the validator runs');
    // Still placed against the new text, even where the key the issue named has gone.
    const doc = parseDocument('/tmp/openclaw.json', '{ agents: { defaults: { compaction: { mode: "default" }, contextTokens: "x" } }, gateway: { port: 99999999 } }');
    assert.equal(besideFindings([], doc.root, doc, during.validation!).issues.length, 3);
    // The new verdict replaces it.
    const two: ValidationResult = { ...three, issues: three.issues.slice(1) };
    assert.deepEqual(shownValidation(two, 'hash-b', 'hash-b'), { validation: two, checking: false });
    // No verdict (the validator is off, or failed): nothing is shown.
    assert.deepEqual(shownValidation(undefined, 'hash-a', 'hash-b'), { checking: false });
  });
});

describe('removed values ride on the fix, for every path that applies it (item 8)', () => {
  it("retired-key's Remove fix and Fix All's loop carry the removed text with its comment", async () => {
    const { fixAll } = await import('../../src/core/fixAll.js');
    const { v } = await import('../../src/core/openclaw/version.js');
    const text = `{\n  agents: {\n    defaults: {\n      compaction: {\n        mode: 'default',\n        reserveTokensFloor: 24000, // tuned on 2026.5\n      },\n    },\n  },\n}\n`;
    const doc = parseDocument('/tmp/openclaw.json', text);
    const r = fixAll({ doc, version: v('2026.9.6'), machine: { totalMemoryBytes: 0, cpus: 0, platform: '' } }, 'retired-key');
    assert.doesNotMatch(r.after, /reserveTokensFloor/);
    assert.equal(r.removed.length, 1);
    assert.equal(r.removed[0]!.path, 'agents.defaults.compaction.reserveTokensFloor');
    assert.match(r.removed[0]!.text, /reserveTokensFloor: 24000,? \/\/ tuned on 2026\.5/);
  });
});

describe('invalid user profiles name the field; remote windows say where the setting goes (item 12)', () => {
  it('an unknown field is named, with the field it most likely meant, not "Invalid input"', async () => {
    const { parseUserProfiles } = await import('../../src/core/profiles/types.js');
    const r = parseUserProfiles([{ name: 'mine', budgett: 90000 }, { name: 'two', primary: { contxt: 65536 } }, { name: 'three', compaction: { mode: 'fast' } }]);
    assert.deepEqual(r.errors, [
      'localAiLab.profiles[0] ("mine") profile: unknown field "budgett" (did you mean "budget"?)',
      'localAiLab.profiles[1] ("two") primary: unknown field "contxt" (did you mean "context"?)',
      'localAiLab.profiles[2] ("three") compaction.mode: one of "default", "safeguard"',
    ]);
    assert.ok(!r.errors.some((e) => /Invalid input/.test(e)));
  });

  it('in a remote window a list in the User settings that is not applied is reported, with where it must go', async () => {
    const { profilesPlacement } = await import('../../src/vscode/options.js');
    const user = '{\n  "localAiLab.profiles": [{ "name": "mine" }]\n}';
    assert.deepEqual(profilesPlacement({ effective: [], userSettingsText: user }), { settingsCommand: 'workbench.action.openSettingsJson' });
    const remote = profilesPlacement({ remoteName: '127.0.0.1:8080', effective: [], userSettingsText: user });
    assert.equal(remote.settingsCommand, 'workbench.action.openRemoteSettingsFile');
    assert.match(remote.ignored ?? '', /User settings is ignored here.*Remote settings/);
    assert.match(remote.where ?? '', /read from the Remote settings/);
    // Applied (the Remote settings hold it too), or never written: nothing to report.
    assert.equal(profilesPlacement({ remoteName: 'ssh-remote', effective: [{ name: 'mine' }], userSettingsText: user }).ignored, undefined);
    assert.equal(profilesPlacement({ remoteName: 'ssh-remote', effective: [], userSettingsText: '{}' }).ignored, undefined);
  });
});

describe('a diagnostic about the compaction block sits on its key; hovers are short and on the key too (item 11)', () => {
  it('compaction-model-missing ranges the `compaction` key, not the whole block; the hover answers on that key', async () => {
    const { check } = await import('../../src/core/check.js');
    const { v } = await import('../../src/core/openclaw/version.js');
    const { hoverAt } = await import('../../src/core/hover.js');
    const text = `{
  models: { providers: { lmstudio: { baseUrl: 'http://127.0.0.1:1234/v1', models: [{ id: 'qwen/qwen3-coder-30b', name: 'Q', contextWindow: 65536 }] } } },
  agents: {
    defaults: {
      model: { primary: 'lmstudio/qwen/qwen3-coder-30b' },
      compaction: {
        mode: 'default',
        recentTurnsPreserve: 5,
      },
    },
  },
}
`;
    const obs = check({ doc: parseDocument('/tmp/openclaw.json', text), version: v('2026.9.6'), machine: { totalMemoryBytes: 64 * 1024 ** 3, cpus: 8, platform: 'test' } }).observation;
    const { runRules } = await import('../../src/core/rules/registry.js');
    const f = runRules(obs).find((x) => x.rule === 'compaction-model-missing')!;
    assert.ok(f, 'the rule fires');
    assert.equal(text.slice(f.span[0], f.span[1]), 'compaction', 'the key, so hovers inside the block do not all start with it');
    assert.deepEqual(f.path, ['agents', 'defaults', 'compaction']);
    const settings = { turnTokens: 2000, recordTokens: 400, compression: 0.6 };
    const onKey = hoverAt(obs, obs.config.doc, text.indexOf('compaction:') + 3, settings);
    assert.match(onKey?.markdown ?? '', /Compaction for lmstudio\/qwen\/qwen3-coder-30b/, 'a hover on the key itself');
    assert.equal(text.slice(onKey!.span[0], onKey!.span[1]), 'compaction');
    // Each table short (the context math at most 6 rows; #23's which-model-per-path table beside it), the whole under 24 lines.
    const tables = (md: string) => md.split('\n\n').map((b) => b.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| |') && !/^\| path /.test(l)).length).filter((n) => n > 0);
    const onWindow = hoverAt(obs, obs.config.doc, text.indexOf('contextWindow') + 2, settings)!;
    for (const md of [onWindow.markdown, onKey!.markdown]) {
      assert.ok(tables(md).every((n) => n <= 6), md);
      assert.ok(md.split('\n').length < 24, md);
    }
  });
});

describe('progress in one wording (lower but real)', () => {
  it('running and done read alike, with the last dispatch time', async () => {
    const { dispatchProgress } = await import('../../src/core/format.js');
    assert.equal(dispatchProgress(1, 6, 'running'), 'dispatch 1 of 6 running');
    assert.equal(dispatchProgress(1, 6, 'done', { seconds: 1.234 }), 'dispatch 1 of 6 done (last 1.23 s)');
    assert.equal(dispatchProgress(2, 6, 'running', { seconds: 1.234, problem: 'timeout' }), 'dispatch 2 of 6 running (last 1.23 s, timeout)');
    assert.equal(dispatchProgress(1000, 16384, 'done'), 'dispatch 1,000 of 16,384 done');
  });
});

describe('each backup says why it was taken, for Restore Backup… (item 9)', () => {
  it('the executor records the operation beside the backup; times are ISO; pruning takes the reason with it', async () => {
    const fs = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const { execute } = await import('../../src/core/write/executor.js');
    const { backupReason, backupWhen, listBackups, pruneBackups, reasonFile } = await import('../../src/core/write/backups.js');
    const { sha256 } = await import('../../src/core/fsutil.js');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-why-'));
    const file = path.join(dir, 'openclaw.json');
    fs.writeFileSync(file, '{ a: 1 }\n');
    for (const title of ['profile mid-range', 'fix --all', 'restore after the sweep']) {
      const r = await execute({ title, writes: [{ file, expectedHash: sha256(fs.readFileSync(file)), after: `{ a: 1, t: ${JSON.stringify(title)} }\n` }] });
      assert.equal(r.ok, true, r.error);
    }
    const all = listBackups(file);
    assert.deepEqual(all.map(backupReason), ['profile mid-range', 'fix --all', 'restore after the sweep']);
    assert.match(backupWhen(all[0]!) ?? '', /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}Z$/);
    // A backup older than the recorded reasons still reads as one row among others: "unknown", not blank.
    const { backupRow } = await import('../../src/core/write/backups.js');
    assert.deepEqual(backupRow(all[1]!), { label: backupWhen(all[1]!), description: 'before fix --all' });
    fs.rmSync(reasonFile(all[1]!));
    assert.equal(backupRow(all[1]!).description, 'before unknown');
    pruneBackups(file, 1);
    assert.equal(listBackups(file).length, 1);
    assert.ok(!fs.existsSync(reasonFile(all[0]!)), 'no orphan reason');
  });
});

describe("the editor's Run Lab picker (lower but real)", () => {
  it('does not offer the codeword workload, whose result only its probe gives, nor send editor users to the CLI', async () => {
    const { BUILTIN_WORKLOADS, LAB_PICKER_WORKLOADS } = await import('../../src/core/lab/workload.js');
    assert.ok(BUILTIN_WORKLOADS.some((w) => w.name === 'codeword-survival'), 'the CLI still knows it');
    assert.deepEqual(LAB_PICKER_WORKLOADS.map((w) => w.name), ['quick-check', 'agent-turn', 'grow-context', 'prompt-sections']);
    assert.ok(LAB_PICKER_WORKLOADS.every((w) => !/local-ai-lab /.test(w.description ?? '')));
  });
});

describe('the profile list tells the truth of this machine in the part that is not cut off (item 6, in part)', () => {
  it('caveats lead the detail line; a promise of a compactor the plan dropped says so', async () => {
    const { profileDetail } = await import('../../src/core/profiles/caveats.js');
    const base = { name: 'mid-range', builtin: true, description: 'Moderate context with a small dedicated compactor.', whenItWins: 'Tasks of a few dozen turns: a 4B compactor summarizes in ~10 s instead of ~30 s on the primary.', notes: [] };
    const t = base as unknown as Parameters<typeof profileDetail>[0];
    assert.equal(
      profileDetail(t, ['on 24 GB: no room for a compactor', 'same as long-agentic here']),
      'on 24 GB: no room for a compactor — same as long-agentic here — Tasks of a few dozen turns: a 4B compactor summarizes in ~10 s instead of ~30 s on the primary (here without a compactor)',
    );
    const withCompactor = { ...base, compactor: { ref: 'lmstudio/qwen3-4b-instruct-2507' } } as unknown as Parameters<typeof profileDetail>[0];
    assert.equal(profileDetail(withCompactor, []), base.whenItWins);
  });
});

describe('answered questions go stale (item 2, in part)', () => {
  it("a notification left from an earlier question cannot answer a later one; a newer question answers the older 'no'", async () => {
    const { PendingQuestion } = await import('../../src/core/pending.js');
    const q = new PendingQuestion();
    const first = q.open();
    assert.equal(q.answer(true, first.id), true);
    assert.equal(await first.answer, true);
    const second = q.open();
    // The first question's Apply, clicked again from the notification centre: nothing happens to the second.
    assert.equal(q.answer(true, first.id), false);
    assert.equal(q.waiting, true);
    const third = q.open();
    assert.equal(await second.answer, false, 'replaced: no');
    assert.equal(q.answer(false), true, "the diff's title-bar Discard answers the open question");
    assert.equal(await third.answer, false);
    assert.equal(q.waiting, false);
  });

  it('a late Apply from an old notification does nothing and says so; a late Discard or a dismissal says nothing', async () => {
    const { PendingQuestion, STALE_APPLY } = await import('../../src/core/pending.js');
    const q = new PendingQuestion();
    const first = q.open();
    assert.equal(q.fromNotification('Apply', first.id), undefined, 'answered in time: nothing to say');
    assert.equal(await first.answer, true);
    const second = q.open();
    assert.equal(q.fromNotification('Apply', first.id), STALE_APPLY);
    assert.match(STALE_APPLY, /already answered, so nothing was applied/);
    assert.equal(q.waiting, true, 'the open question is untouched');
    assert.equal(q.fromNotification('Discard', first.id), undefined);
    assert.equal(q.fromNotification(undefined, first.id), undefined);
    assert.equal(q.fromNotification(undefined, second.id), undefined, 'dismissed: a no');
    assert.equal(await second.answer, false);
    assert.equal(q.fromNotification('Apply', second.id), STALE_APPLY, 'an Apply after the dismissal is late too');
  });
});

describe("Make Config Valid's stages in our words, and doctor's would-also list in the result (item 7)", () => {
  it("maps run.ts's stages to our words and drops doctor's raw TUI lines; the would-also list is capped for a notification", async () => {
    const { migrateStep, validationStep, withElapsed, wouldAlsoLines } = await import('../../src/core/migrate/steps.js');
    assert.match(migrateStep('running openclaw doctor --fix on a private copy') ?? '', /^OpenClaw's doctor is working out what moves, on a private copy/);
    assert.equal(migrateStep('openclaw doctor stopped at gateway.mode; running it again without them'), "OpenClaw's doctor stopped at gateway.mode; asking it again without it");
    assert.equal(migrateStep('asking openclaw doctor where tools.exec.security, tools.exec.ask belong'), "asking OpenClaw's doctor where tools.exec.security, tools.exec.ask belong");
    for (const raw of ['Doctor changes ─────╮', 'Disabled xurl (missing binary)', 'OpenClaw doctor', 'Run "openclaw doctor --fix" to apply changes.']) assert.equal(migrateStep(raw), undefined, raw);
    assert.equal(validationStep(2), "checking the result with OpenClaw's validator (round 2)");
    assert.equal(withElapsed('x', 0.4), 'x');
    assert.equal(withElapsed('x', 12.7), 'x · 12 s');
    const five = ['set gateway.mode to "local"', 'add a', 'add b', 'add c', 'add d'];
    assert.deepEqual(wouldAlsoLines(five.slice(0, 1)), [`OpenClaw's doctor would also set gateway.mode to "local" (left out: not your values).`]);
    const capped = wouldAlsoLines(five, 3);
    assert.equal(capped.length, 4);
    assert.equal(capped[3], '…and 2 more of the same kind (in the log).');
  });
});
