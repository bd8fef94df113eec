import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { check } from '../../src/core/check.js';
import { parseDocument } from '../../src/core/openclaw/document.js';
import { v } from '../../src/core/openclaw/version.js';
import { withLastKnown } from '../../src/core/sources.js';
import type { ServerState } from '../../src/core/servers/types.js';

const CONFIG = `{
  models: { providers: { lmstudio: { baseUrl: "http://127.0.0.1:1234/v1", api: "openai-completions",
    models: [{ id: "qwen/qwen3-coder-30b", name: "Q", contextWindow: 131072 }] } } },
  agents: { defaults: { model: { primary: "lmstudio/qwen/qwen3-coder-30b" }, compaction: { mode: "default", model: "lmstudio/qwen/qwen3-coder-30b" } } },
}`;
const up: ServerState = { baseUrl: 'http://127.0.0.1:1234/v1', status: 'ok', kind: 'lmstudio', via: 'probe', loaded: [{ identifier: 'qwen/qwen3-coder-30b', modelKey: 'qwen/qwen3-coder-30b', loadedContextLength: 32768 }] };
const down: ServerState = { baseUrl: 'http://127.0.0.1:1234/v1', status: 'unreachable', detail: 'nothing answers at 127.0.0.1:1234', via: 'probe', loaded: [] };
const T0 = Date.parse('2026-12-01T15:02:00Z');
const run = (servers: Map<string, ServerState>, configChangedAt?: number) =>
  check({ doc: parseDocument('/tmp/openclaw.json', CONFIG), version: v('2026.9.6'), servers, configChangedAt }).findings;
const rules = (fs: { rule: string }[]) => fs.map((f) => f.rule);

describe('runtime-unreachable and findings kept from the last answer', () => {
  it('a server that answers: no runtime-unreachable, the mismatch is current', () => {
    const s = withLastKnown(new Map(), new Map([['lmstudio', up]]), T0);
    const f = run(s);
    assert.ok(!rules(f).includes('runtime-unreachable'));
    const m = f.find((x) => x.rule === 'context-window-mismatch')!;
    assert.doesNotMatch(m.message, /as of/);
  });

  it('it stops answering: runtime-unreachable says what to start, and the mismatch stays, marked with its time', () => {
    const before = withLastKnown(new Map(), new Map([['lmstudio', up]]), T0);
    const after = withLastKnown(before, new Map([['lmstudio', down]]), T0 + 60_000);
    const f = run(after, T0 - 1000);
    const u = f.find((x) => x.rule === 'runtime-unreachable')!;
    assert.equal(u.severity, 'info');
    assert.deepEqual(u.path, ['models', 'providers', 'lmstudio', 'baseUrl']);
    assert.match(u.message, /did not answer \(nothing answers at 127\.0\.0\.1:1234\)\. Start LM Studio's server/);
    assert.match(u.message, /kept from its last answer at 15:02 UTC/);
    const m = f.find((x) => x.rule === 'context-window-mismatch')!;
    assert.match(m.message, /\(as of 15:02 UTC: the server is not answering now\)$/);
  });

  it('a warning when the config changed after the server last answered', () => {
    const before = withLastKnown(new Map(), new Map([['lmstudio', up]]), T0);
    const after = withLastKnown(before, new Map([['lmstudio', down]]), T0 + 60_000);
    assert.equal(run(after, T0 + 30_000).find((x) => x.rule === 'runtime-unreachable')!.severity, 'warning');
  });

  it('never answered: info, nothing kept; it comes back: everything current again', () => {
    const never = withLastKnown(new Map(), new Map([['lmstudio', down]]), T0);
    const f = run(never, T0 + 1);
    assert.equal(f.find((x) => x.rule === 'runtime-unreachable')!.severity, 'info');
    assert.ok(!rules(f).includes('context-window-mismatch'), 'no mismatch invented without an answer');
    const back = withLastKnown(withLastKnown(withLastKnown(new Map(), new Map([['lmstudio', up]]), T0), new Map([['lmstudio', down]]), T0 + 1), new Map([['lmstudio', up]]), T0 + 2);
    const g = run(back);
    assert.ok(!rules(g).includes('runtime-unreachable'));
    assert.doesNotMatch(g.find((x) => x.rule === 'context-window-mismatch')!.message, /as of/);
  });
});
