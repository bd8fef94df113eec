import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { validateConfig } from '../../src/core/openclaw/cli.js';
import { decodeText, nodeAt, parseDocument, toValue, type JsonNode } from '../../src/core/openclaw/document.js';
import { needsOpenclaw } from '../support/needs.js';
import { isolatedEnv } from '../support/openclaw.js';
import { runCli } from '../support/cli.js';
import { millis } from '../../src/core/units.js';

const { exe, skip } = needsOpenclaw();
const CORPUS = path.resolve('test/fixtures/corpus');
const env = { ...process.env, ...isolatedEnv() };

/** What each corpus file must end as: made valid, or honestly left (with why). */
const EXPECT: Record<string, 'valid' | 'unparseable' | 'refused' | 'no safe fix'> = {
  '01-early-2026-telegram.json': 'valid',
  '02-lmstudio-tuned.json5': 'valid',
  '03-roster-list.json5': 'valid',
  '04-ollama-strings.json': 'valid',
  '05-darkmux-era.json': 'valid',
  // gateway.nodes.denyCommands is a guard: our own loop never deletes it (OpenClaw's repair moves it; see migrate-real).
  '06-underscore-comments.json': 'no safe fix',
  '07-env-refs.json5': 'valid',
  '08-already-valid.json5': 'valid',
  '09-utf16.json': 'valid',
  '10-big-roster.json': 'valid',
  '11-helm-template.json': 'unparseable',
  '12-mostly-foreign.json5': 'refused',
  '13-model-row-no-name.json5': 'valid',
  '14-invalid-value.json5': 'no safe fix',
};

const run = (args: string[]) => runCli(args, { env });

const commentsOf = (text: string) => parseDocument('/c', text).comments.map(([a, b]) => text.slice(a, b));

// Our own validate → fix loop alone (--no-repair): what Make Config Valid does on top of OpenClaw's repair, and all
// it does when that repair cannot run. OpenClaw's repair on real public files: repair-diff and migrate-real tests.
describe('our own fixes on configs written after public shapes (--no-repair), judged by the real OpenClaw 2026.9.6', { skip }, () => {
  it('makes the fixable ones valid, keeps every comment, and keeps every removed value in the side file', async () => {
    const files = fs.readdirSync(CORPUS).sort();
    assert.deepEqual(files, Object.keys(EXPECT).sort(), 'every corpus file has an expectation');
    const results: { file: string; outcome: string; ms: number; changes: number }[] = [];
    // Two at a time: each validator run is a ~320 MB Node 24 process.
    for (let i = 0; i < files.length; i += 2) {
      await Promise.all(
        files.slice(i, i + 2).map(async (name) => {
          const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-corpus-'));
          const file = path.join(dir, 'openclaw.json');
          fs.copyFileSync(path.join(CORPUS, name), file);
          const originalBytes = fs.readFileSync(file);
          const original = decodeText(originalBytes).text;
          const r = await run(['migrate', '--config', file, '--openclaw', exe!, '--json', '--no-repair']);
          assert.notEqual(r.status, 2, `${name}: ${r.stderr}`);
          const out = JSON.parse(r.stdout);
          const after = fs.readFileSync(file);
          const afterText = decodeText(after).text;
          // The real validator judges the file as written, independently of the migrate run.
          const verdict = await validateConfig(exe!, file, { timeoutMs: millis(120_000), env });
          assert.equal(out.valid, verdict.valid, `${name}: migrate's verdict agrees with OpenClaw's`);
          assert.equal(r.status, verdict.valid ? 0 : 1);
          const outcome = verdict.valid ? 'valid' : out.refused ? 'refused' : parseDocument('/x', afterText).error ? 'unparseable' : 'no safe fix';
          assert.equal(outcome, EXPECT[name], `${name}: ${JSON.stringify(out.remaining)}`);
          if (outcome !== 'valid' && out.changes.length === 0) assert.deepEqual(after, originalBytes, `${name}: a file that cannot be fixed is not touched`);
          if (name.startsWith('06-')) {
            assert.deepEqual(out.remaining.map((r: { path: string; message: string }) => ({ path: r.path, message: r.message })), [{ path: 'gateway.nodes', message: 'Unrecognized key: "denyCommands"' }], 'only the guard is left');
            // #28: with where OpenClaw reads it now, as a choice the user makes.
            assert.equal(out.remaining[0].decision?.kind, 'guard-not-read');
            assert.ok(out.remaining[0].decision.choices.includes('move it to gateway.nodes.commands.deny, where OpenClaw 2026.9.6 reads it'));
            assert.match(afterText, /denyCommands/, 'the guard is still in the file');
          }
          if (outcome === 'valid' && out.changes.length === 0) assert.deepEqual(after, originalBytes, `${name}: nothing to do, nothing written`);
          // Comments: each is in the migrated file or in the side file, none lost.
          const side = out.removedTo ? fs.readFileSync(out.removedTo, 'utf8') : '';
          for (const c of commentsOf(original)) assert.ok(afterText.includes(c) || side.includes(c), `${name}: comment lost: ${c}`);
          // Removed values: each is in the side file, under its path, with the same value.
          const removals = out.changes.filter((c: { action: string }) => c.action === 'remove');
          if (removals.length) {
            const sideDoc = parseDocument(out.removedTo, side);
            assert.equal(sideDoc.error, undefined, `${name}: the side file is valid JSON5`);
            const entries = toValue(nodeAt(sideDoc.root, ['removed'])) as { path: string; reason: string; was: Record<string, unknown> }[];
            const origRoot = parseDocument('/o', original).root;
            for (const rm of removals) {
              const entry = entries.find((e) => e.path === rm.path);
              assert.ok(entry, `${name}: ${rm.path} is in the side file`);
              const key = rm.path.split('.').pop()!;
              const originalValue = toValue(nodeAt(origRoot, rm.path.split('.').map((s: string) => (/^\d+$/.test(s) ? Number(s) : s))) as JsonNode | undefined);
              assert.notEqual(originalValue, undefined, `${name}: ${rm.path} names a value of the original file`);
              assert.deepEqual(entry.was[key], originalValue, `${name}: ${rm.path} kept with its value`);
              assert.ok(entry.reason.length > 10);
            }
          }
          // Moved keys leave their original text (and comments) in the side file as well; agents.list is the
          // exception: it is rewritten in place as agents.entries, every value still in the file.
          const moves = out.changes.filter((c: { action: string; path: string }) => c.action === 'move' && c.path !== 'agents.list');
          if (moves.length) {
            const entries = toValue(nodeAt(parseDocument(out.removedTo, side).root, ['removed'])) as { path: string }[];
            for (const mv of moves) assert.ok(entries.some((e) => e.path === mv.path), `${name}: moved ${mv.path} is recorded in the side file`);
          }
          if (!removals.length && !moves.length) assert.equal(out.removedTo, null);
          results.push({ file: name, outcome, ms: r.ms, changes: out.changes.length });
        }),
      );
    }
    const valid = results.filter((r) => r.outcome === 'valid').length;
    console.log(`corpus: ${valid} of ${results.length} made valid for OpenClaw 2026.9.6; every comment and removed value kept`);
    for (const r of results.sort((a, b) => a.file.localeCompare(b.file))) console.log(`  ${r.file.padEnd(30)} ${r.outcome.padEnd(12)} ${String(r.changes).padStart(3)} change(s) ${(r.ms / 1000).toFixed(1)} s`);
  });
});
