import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseDocument } from '../../src/core/openclaw/document.js';

describe('local-ai-lab fix, several rounds', () => {
  it('removes every retired key and migrates agents.list in one run, comments kept, result parses', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-fix-'));
    const file = path.join(dir, 'openclaw.json');
    fs.writeFileSync(file, `{
  // my agents
  agents: {
    defaults: {
      compaction: {
        reserveTokensFloor: 24000, // old
        maxHistoryShare: 0.35,
        customInstructions: 'keep ids',
      },
    },
    list: [{ id: 'main' }, { id: 'qa', systemPromptOverride: 'You are QA' }],
  },
}
`);
    const r = spawnSync(process.execPath, ['dist/cli.js', 'fix', '--config', file, '--rule', 'retired-key', '--no-probe', '--openclaw-version', '2026.9.6'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const after = fs.readFileSync(file, 'utf8');
    assert.equal(parseDocument(file, after).error, undefined);
    assert.match(after, /\/\/ my agents/);
    assert.doesNotMatch(after, /reserveTokensFloor|maxHistoryShare|customInstructions|systemPromptOverride|list:/);
    assert.match(after, /entries: \{/);
    assert.match(after, /ownership: 'explicit'/);
  });
});
