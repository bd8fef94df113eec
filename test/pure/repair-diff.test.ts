// OpenClaw's own repair decides what a migration changes; applyRepair writes it as minimal edits. These tests feed
// it OpenClaw 2026.9.6's real repaired trees (stored by scripts/corpus-doctor.mjs from `openclaw doctor --fix`) for
// the real public configs in test/fixtures/corpus-real and the planted moves in test/fixtures/doctor-moves, and
// compare parsed value trees with doctor's own result. No OpenClaw runs here (see migrate-real.test.ts for that).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseDocument, toValue, type JsonPath } from '../../src/core/openclaw/document.js';
import { doctorNotes } from '../../src/core/openclaw/repair.js';
import { applyRepair, deepEqual, dottedPath, leftOut, treeDiff } from '../../src/core/migrate/repairDiff.js';
import { guardedBy } from '../../src/core/migrate/guards.js';
import { sideFileText } from '../../src/core/migrate/migrate.js';
import { holdBlocking } from '../../src/core/migrate/unblock.js';
import { parseVersion } from '../../src/core/openclaw/version.js';

const V = parseVersion('2026.9.6')!;

interface Stored {
  repaired: unknown;
  doctor: { stdoutTail?: string; stdout?: string };
  validateAfter: { valid?: boolean };
  /** Doctor wrote nothing the first time: its run on a copy without the blocking values. */
  unblocked?: { blocked: string[]; repaired: unknown; doctor: { stdoutTail?: string } };
}

function load(dir: string) {
  const out: { name: string; text: string; stored: Stored }[] = [];
  for (const f of fs.readdirSync(dir).filter((x) => /^\d{3}-.*\.json5?$/.test(x)).sort()) {
    const storedFile = path.join(dir, 'doctor', f.replace(/\.json5?$/, '.json'));
    if (!fs.existsSync(storedFile)) continue;
    const stored = JSON.parse(fs.readFileSync(storedFile, 'utf8')) as Stored;
    if (!stored.repaired) continue;
    const text = fs.readFileSync(path.join(dir, f), 'utf8').replace(/^\uFEFF/, '');
    // As planMigration does: doctor's run without the blocking values, those values held as written.
    const u = stored.unblocked;
    const effective: Stored = u ? { ...stored, repaired: holdBlocking(u.repaired, toValue(parseDocument('/x', text).root), u.blocked), doctor: { stdoutTail: `${stored.doctor.stdoutTail ?? ''}\n${u.doctor.stdoutTail ?? ''}` } } : stored;
    out.push({ name: f, text, stored: effective });
  }
  return out;
}

const commentsOf = (text: string) => {
  const d = parseDocument('/c', text);
  return d.comments.map(([a, b]) => text.slice(a, b));
};

function migrate(name: string, text: string, stored: Stored) {
  const r = applyRepair(`/x/${name}`, text, stored.repaired, { version: V, notes: doctorNotes(stored.doctor.stdout ?? stored.doctor.stdoutTail ?? '') });
  const doc = parseDocument('/x', r.after);
  assert.equal(doc.error, undefined, `${name}: the result parses`);
  return { r, ours: toValue(doc.root) };
}

/** Where ours and doctor's trees still differ, apart from doctor's bookkeeping and the guards we keep. */
function differences(ours: unknown, repaired: unknown, kept: readonly string[]): string[] {
  const d = treeDiff(ours, repaired);
  const isKept = (p: JsonPath) => kept.some((k) => dottedPath(p) === k || dottedPath(p).startsWith(`${k}.`));
  return [
    ...d.removed.filter((x) => !isKept(x.path)).map((x) => `extra ${dottedPath(x.path)}`),
    ...d.added.filter((x) => !leftOut(x.path, x.value)).map((x) => `missing ${dottedPath(x.path)}`),
    ...d.rewritten.map((x) => `differs ${dottedPath(x.path)}`),
  ];
}

describe("applyRepair on OpenClaw 2026.9.6's own repaired trees", () => {
  it('real public configs: the same values at the same places as doctor, every comment kept, nothing dropped', () => {
    const files = load(path.resolve('test/fixtures/corpus-real'));
    assert.ok(files.length >= 40, `at least 40 real files with doctor's output (found ${files.length})`);
    let same = 0;
    let comments = 0;
    let commentsKept = 0;
    const report: string[] = [];
    for (const { name, text, stored } of files) {
      if (parseDocument('/x', text).error) continue;
      const { r, ours } = migrate(name, text, stored);
      const diff = differences(ours, stored.repaired, r.kept.map((k) => k.path));
      if (diff.length === 0) same++;
      else report.push(`${name}: ${diff.join('; ')}`);
      // Comments: each one is in the result or, with its removed value, in the side file.
      const removedText = r.removed.map((x) => x.text).join('\n');
      for (const c of commentsOf(text)) {
        comments++;
        if (r.after.includes(c) || removedText.includes(c)) commentsKept++;
        else report.push(`${name}: comment lost: ${c.slice(0, 60)}`);
      }
      // Every value doctor deletes without a move is in the side file (or kept in place, for a guard).
      for (const rm of r.changes.filter((c) => c.action === 'remove')) {
        assert.ok(r.removed.some((x) => x.path === rm.path) || /\{\s*\}/.test(rm.reason), `${name}: ${rm.path} removed without its text in the side file`);
      }
      // A guard is never deleted, unless doctor wrote its meaning into a new guard beside it (exec security → mode).
      const original = toValue(parseDocument('/x', text).root);
      for (const c of r.changes.filter((x) => x.action === 'remove' && guardedBy(x.path.split('.')))) {
        const parent = c.path.split('.').slice(0, -1);
        const at = (t: unknown) => (parent.reduce<unknown>((n, k) => (n as Record<string, unknown> | undefined)?.[k], t) ?? {}) as Record<string, unknown>;
        const fresh = Object.keys(at(ours)).filter((k) => !(k in at(original)) && guardedBy([...parent, k]));
        assert.ok(fresh.length > 0, `${name}: removed the guard ${c.path} without a replacement beside it`);
      }
    }
    console.log(`[repair-diff] ${same}/${files.length} files equal to doctor's repair (bookkeeping and kept guards aside); comments kept ${commentsKept}/${comments}`);
    if (report.length) console.log(report.map((l) => `  ${l}`).join('\n'));
    assert.equal(commentsKept, comments, 'every comment kept');
    assert.ok(same >= files.length - 3, `equal to doctor's tree for all but a few (${same}/${files.length})`);
  });

  it('the side file of every real config parses as JSON5 and holds each removed text, comments included', () => {
    let n = 0;
    for (const { name, text, stored } of load(path.resolve('test/fixtures/corpus-real'))) {
      if (parseDocument('/x', text).error) continue;
      const { r } = migrate(name, text, stored);
      if (!r.removed.length) continue;
      n++;
      const side = sideFileText(`/x/${name}`, r.removed, V);
      const doc = parseDocument('/x/side.json5', side);
      assert.equal(doc.error, undefined, `${name}: the side file parses (${doc.error?.message})`);
      const was = (toValue(doc.root) as { removed: { path: string; was: Record<string, unknown> }[] }).removed;
      assert.deepEqual(was.map((w) => w.path), r.removed.map((x) => x.path), name);
      for (const w of was) assert.equal(Object.keys(w.was).length, 1, `${name}: ${w.path} is one member`);
    }
    assert.ok(n >= 20, `side files from many real configs (${n})`);
  });

  it('keeps untouched bytes: a file doctor leaves alone comes back byte for byte', () => {
    const files = load(path.resolve('test/fixtures/corpus-real'));
    let n = 0;
    for (const { name, text, stored } of files) {
      const doc = parseDocument('/x', text);
      if (doc.error || !deepEqual(toValue(doc.root), stored.repaired)) continue;
      n++;
      assert.equal(migrate(name, text, stored).r.after, text, name);
    }
    assert.ok(n >= 1, 'the corpus holds files doctor leaves unchanged');
  });
});

describe('the planted moves, each against doctor’s own result', () => {
  const dir = path.resolve('test/fixtures/doctor-moves');
  const files = Object.fromEntries(load(dir).map((f) => [f.name.slice(0, 3), f]));
  const get = (id: string) => {
    const f = files[id];
    assert.ok(f, `test/fixtures/doctor-moves/${id}-*.json5 has doctor's stored output (node scripts/corpus-doctor.mjs --dir test/fixtures/doctor-moves)`);
    const { r, ours } = migrate(f.name, f.text, f.stored);
    assert.deepEqual(differences(ours, f.stored.repaired, r.kept.map((k) => k.path)), [], `${f.name}: same tree as doctor's`);
    for (const c of commentsOf(f.text)) assert.ok(r.after.includes(c) || r.removed.some((x) => x.text.includes(c)), `${f.name}: comment kept: ${c}`);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- assertions walk doctor's trees by known paths
    return { r, ours: ours as Record<string, any>, text: f.text };
  };

  it('gateway.nodes.denyCommands → gateway.nodes.commands.deny, with its comment: system.run is still denied', () => {
    const { r, ours } = get('001');
    assert.deepEqual(ours.gateway.nodes.commands.deny, ['system.run']);
    assert.equal(ours.gateway.nodes.denyCommands, undefined);
    assert.match(r.after, /\/\/ never let a paired node run shell commands\n\s*commands: \{\n\s*deny: \["system.run"\]/);
    assert.deepEqual(r.changes.map((c) => `${c.action} ${c.path} → ${c.to}`), ['move gateway.nodes.denyCommands → gateway.nodes.commands.deny']);
    assert.equal(r.removed.length, 0, 'a move removes nothing');
  });

  it('agents.defaults.memorySearch → memory.search keeps its block comment and its inner comment', () => {
    const { r, ours } = get('002');
    assert.deepEqual(ours.memory.search, { enabled: true, provider: 'local' });
    assert.match(r.after, /\/\* local embeddings: nothing leaves the machine \*\/\n\s*search: \{\n\s*enabled: true,\n\s*provider: "local", \/\/ llama.cpp embeddings/);
  });

  it('tools.media.audio.models → tools.media.models with capabilities ["audio"]', () => {
    const { ours } = get('003');
    assert.deepEqual(ours.tools.media.models, [{ provider: 'openai', model: 'whisper-1', capabilities: ['audio'] }]);
    assert.equal(ours.tools.media.audio, undefined);
  });

  it('provider api "openai" → "openai-completions", the comment after it kept, the key untouched', () => {
    const { r, text } = get('004');
    assert.equal(r.after, text.replace('api: "openai",', 'api: "openai-completions",'));
  });

  it('truncateAfterCompaction false with maxActiveTranscriptBytes: both go, as doctor does, both in the side file', () => {
    const { r, ours } = get('005');
    assert.equal(ours.agents.defaults.compaction.maxActiveTranscriptBytes, undefined, 'the byte limit alone would turn byte-triggered compaction on');
    assert.deepEqual(r.removed.map((x) => x.path).sort(), ['agents.defaults.compaction.maxActiveTranscriptBytes', 'agents.defaults.compaction.truncateAfterCompaction']);
  });

  it('a markerless agents.list with comments → agents.entries, each entry with its comment, workspaces as doctor pins them', () => {
    const { r, ours } = get('006');
    assert.equal(ours.agents.list, undefined);
    assert.deepEqual(Object.keys(ours.agents.entries), ['ops', 'writer']);
    assert.equal(ours.agents.entries.ops.workspace, '/srv/legacy-shared', "the first agent's workspace pinned, as doctor does");
    assert.equal(ours.agents.ownership, 'explicit');
    assert.match(r.after, /\/\/ the operator: answers on the ops channel\n\s*ops: \{/);
    assert.match(r.after, /\/\/ the writer keeps its own workspace\n\s*writer: \{/);
  });

  it('contextTokens: the global one goes to the side file, the per-agent one stays (as doctor leaves them)', () => {
    const { r, ours } = get('007');
    assert.equal(ours.agents.defaults.contextTokens, undefined);
    assert.equal(ours.agents.entries.main.contextTokens, 16384);
    assert.match(r.removed.map((x) => x.text).join('\n'), /contextTokens: 24576, \/\/ the runtime budget/);
  });

  it("doctor's onboarding and bookkeeping are listed, not written", () => {
    const { r, ours } = get('005');
    assert.equal(ours.agents.entries, undefined, 'no empty default agent written');
    assert.ok(r.alsoDoctor.some((x) => /default agent "main"/.test(x)), r.alsoDoctor.join('; '));
    assert.ok(r.alsoDoctor.some((x) => /bookkeeping in meta/.test(x)));
  });
});
