import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { parseAgentResult } from '../../src/core/lab/dispatch/openclaw.js';
import { summarizeTrajectory } from '../../src/core/lab/dispatch/trajectory.js';

describe('compaction events from a trajectory export', () => {
  it('finds none in a real export of a turn without compaction, and reads the documented compaction entry', () => {
    // A real events.jsonl from OpenClaw 2026.9.6 (one embedded turn, paths anonymized).
    const real = fs.readFileSync('test/fixtures/openclaw/trajectory-events.jsonl', 'utf8');
    assert.deepEqual(summarizeTrajectory(real).compactions, []);
    // The compaction entry as reference/openclaw.md §9 documents it; no compaction could be triggered here.
    const entry = { traceSchema: 'openclaw-trajectory', schemaVersion: 1, source: 'transcript', type: 'session.compaction', seq: 14, data: { type: 'compaction', summary: '## Decisions', tokensBefore: 25090, tokensAfter: 3242 } };
    assert.deepEqual(summarizeTrajectory(real + JSON.stringify(entry) + '\n{not json\n').compactions.map(({ tokensBefore, tokensAfter, summary }) => ({ tokensBefore, tokensAfter, summary })), [{ tokensBefore: 25090, tokensAfter: 3242, summary: '## Decisions' }]);
  });
});

describe('parseAgentResult', () => {
  it('reads a completed --local result, an error result and the failure envelope', () => {
    const done = parseAgentResult(JSON.stringify({ payloads: [{ text: 'Checked. DONE' }], meta: { durationMs: 4210, stopReason: 'stop', agentMeta: { usage: { input: 16400, output: 12 }, compactionCount: 1 } } }), 0);
    assert.deepEqual([done.output, done.runtimeMs, done.stopReason, done.tokensIn, done.tokensOut, done.compactions?.length, done.errorKind], ['Checked. DONE', 4210, 'stop', 16400, 12, 1, undefined]);
    const overflow = parseAgentResult(JSON.stringify({ payloads: [], meta: { durationMs: 900, error: { kind: 'context_overflow', message: 'too large' } } }), 1);
    assert.deepEqual([overflow.errorKind, overflow.stopReason], ['context_overflow', undefined]);
    const envelope = parseAgentResult(JSON.stringify({ ok: false, error: { type: 'cli_error', message: 'gateway agent requires credentials' } }), 1);
    assert.deepEqual([envelope.errorKind, envelope.errorMessage], ['cli_error', 'gateway agent requires credentials']);
    assert.equal(parseAgentResult('not json', 1).errorKind, 'exit_1');
  });
});
