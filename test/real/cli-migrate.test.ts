import assert from 'node:assert/strict';
import fs from 'node:fs';
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
});
