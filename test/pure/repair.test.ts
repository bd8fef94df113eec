import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { doctorBlocked, doctorNotes } from '../../src/core/openclaw/repair.js';
import { hasInclude } from '../../src/core/migrate/run.js';
import { parseDocument } from '../../src/core/openclaw/document.js';

describe("OpenClaw's repair, read from its output", () => {
  it("reads doctor's own sentences and the values that stopped it from its real output", () => {
    const out = [
      '◇  Doctor changes ──────────────────────────────────────────────────────╮',
      '│                                                                       │',
      '│  Moved agents.list to keyed agents.entries.                           │',
      '│  Removed maxActiveTranscriptBytes to preserve truncateAfterCompaction:  │',
      '│  false.                                                               │',
      '├───────────────────────────────────────────────────────────────────────╯',
      '◇  Config ─────────────────────────────────────────────────────────────╮',
      '│  - hooks.token: SecretRef objects are not supported at hooks.token.     │',
      '│  - mcp.servers.vexa.headers.X-API-Key: Invalid input                    │',
      '│  No config changes were written. Fix the value(s) above in              │',
      '├─────────────────────────────────────────────────────────────────────────╯',
    ].join('\n');
    assert.deepEqual(doctorNotes(out), ['Moved agents.list to keyed agents.entries.', 'Removed maxActiveTranscriptBytes to preserve truncateAfterCompaction: false.']);
    assert.deepEqual(doctorBlocked(out), ['hooks.token', 'mcp.servers.vexa.headers.X-API-Key']);
  });
});

describe('#27 Also: which configs have an $include', () => {
  it('judges the decoded key: "\\u0024include" is an $include as OpenClaw reads it', () => {
    for (const text of ['{ agents: { $include: "./a.json5" } }', '{ agents: { "\\u0024include": "./a.json5" } }', "{ list: [{ '$incl\\u0075de': './b.json5' }] }"]) {
      assert.equal(hasInclude(parseDocument('/tmp/openclaw.json', text).root), true, text);
    }
    assert.equal(hasInclude(parseDocument('/tmp/openclaw.json', '{ note: "$include: not a key" }').root), false);
  });
});
