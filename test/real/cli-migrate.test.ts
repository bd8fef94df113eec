import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { needsOpenclaw } from '../support/needs.js';
import { corpusCopy, runIsolatedCli } from '../support/migrateCli.js';

const { exe, skip } = needsOpenclaw();
const run = runIsolatedCli;
const copy = corpusCopy;

describe('local-ai-lab migrate', () => {
  it('--dry-run --json reports the contract shape and writes nothing', { skip }, () => {
    const file = copy('04-ollama-strings.json');
    const before = fs.readFileSync(file);
    const r = run(['migrate', '--config', file, '--openclaw', exe!, '--dry-run', '--json', '--no-repair']);
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(out).sort(), ['changes', 'config', 'openclawVersion', 'remaining', 'removedTo', 'repair', 'valid']);
    assert.equal(out.valid, true);
    assert.equal(out.removedTo, null);
    assert.deepEqual(out.repair, { ran: false, note: 'skipped (only our own fixes were used)', wouldAlso: [] });
    assert.deepEqual(out.changes.map((c: { path: string; action: string }) => `${c.action} ${c.path}`).sort(), [
      'move models.providers.ollama.contextWindow',
      'set agents.defaults.compaction.enabled',
      'set agents.defaults.compaction.mode',
      'set agents.defaults.compaction.recentTurnsPreserve',
      'set models.providers.ollama.models.0.maxTokens',
      'set models.providers.ollama.models.1.name',
    ].sort());
    assert.deepEqual(fs.readFileSync(file), before);
    assert.deepEqual(fs.readdirSync(path.dirname(file)), ['openclaw.json'], 'no side file, no backup, no temporary copy left');
  });
  it('OpenClaw\'s own LM Studio example without name (docs/providers/lmstudio.md): doctor stops at the missing name, which is not a failure; the name comes from the id and the file is valid', { skip }, () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-mig-'));
    const file = path.join(dir, 'openclaw.json');
    fs.copyFileSync(path.resolve('test/fixtures/identity/openclaw-docs-lmstudio-preload-false.json5'), file);
    const r = run(['migrate', '--config', file, '--openclaw', exe!, '--dry-run', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.valid, true, r.stdout);
    assert.equal(out.repair.ran, true, 'doctor\'s "no config changes were written" is an answer, not a failure');
    assert.deepEqual(out.changes.map((c: { path: string; action: string }) => `${c.action} ${c.path}`), ['set models.providers.lmstudio.models.0.name']);
  });
});
