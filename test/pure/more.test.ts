import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { hoverAt } from '../../src/core/hover.js';
import { parseDocument } from '../../src/core/openclaw/document.js';
import { v } from '../../src/core/openclaw/version.js';
import { check } from '../../src/core/check.js';
import { runRules } from '../../src/core/rules/registry.js';
import { inspectServer } from '../../src/core/servers/inspect.js';
import { config, lmstudio, observe } from '../support/observe.js';
import { lmStudioRoutes, startServer, type ScriptedServer } from '../support/scriptedServer.js';

const settings = { turnTokens: 2000, recordTokens: 400, compression: 0.6 };

describe('hover', () => {
  it('shows the context math for the row under the cursor', () => {
    const text = config({ window: 101000, tokens: 90000, compaction: '{ "mode": "default", "model": "lmstudio/qwen3-4b-instruct-2507" }', rows: '{ "id": "qwen3-4b-instruct-2507", "name": "C", "contextWindow": 68000 }' });
    const obs = observe(text, { runtimes: { lmstudio: lmstudio([{ id: 'qwen/qwen3-coder-30b', ctx: 101000 }]) } });
    const h = hoverAt(obs, obs.config.doc, text.indexOf('"contextTokens"') + 2, settings)!;
    assert.ok(h);
    // C = 90,000; R = min(20000, 22500) = 20,000; threshold 70,000; flush 70,000 − min(4000, 35000) = 66,000.
    assert.match(h.markdown, /effective context C \| 90,000 \| contextTokens/);
    assert.match(h.markdown, /loaded in LM Studio \| 101,000/);
    assert.match(h.markdown, /reserve R \| 20,000/);
    assert.match(h.markdown, /compaction threshold \| 70,000/);
    // turns: (70,000 − 16,400) / 2,000 = 26; records: 53,600 / (400 × 0.4) = 335
    assert.match(h.markdown, /turns that fit \| 26 \|/);
    assert.equal(hoverAt(obs, obs.config.doc, text.indexOf('"name"'), settings), undefined, 'no hover elsewhere');
    const inCompaction = hoverAt(obs, obs.config.doc, text.indexOf('"mode"'), settings)!;
    assert.match(inCompaction.markdown, /Compaction for lmstudio\/qwen\/qwen3-coder-30b/);
    assert.match(inCompaction.markdown, /memory flush at \| 66,000/);
    assert.match(inCompaction.markdown, /history depth \| 335 records/);
    assert.match(inCompaction.markdown, /one summary request \| ≤ 36,000/);
    const md = inCompaction!.markdown;
    assert.match(md, /\| path \(mode "default"\) \| summarized by \|/);
    assert.match(md, /\| threshold \(C − R\) in the session \| primary `lmstudio\/qwen\/qwen3-coder-30b` \|/);
    assert.match(md, /\| provider overflow recovery \| compactor `lmstudio\/qwen3-4b-instruct-2507` \|/);
    assert.match(md, /\| mid-turn precheck \| off \(compaction\.midTurnPrecheck\.enabled\) \|/);
    assert.match(md, /\| before the next turn \(pre-turn maintenance\) \| compactor `lmstudio\/qwen3-4b-instruct-2507`, after a memory-flush turn on the primary `lmstudio\/qwen\/qwen3-coder-30b` \|/);
    const old = observe(text, { version: '2026.5.28' });
    const oldMd = hoverAt(old, old.config.doc, text.indexOf('"mode"'), settings)!.markdown;
    assert.match(oldMd, /\| provider overflow recovery \| primary `lmstudio\/qwen\/qwen3-coder-30b` \|/);
    assert.match(oldMd, /\| after the turn \(post-turn maintenance\) \| compactor `lmstudio\/qwen3-4b-instruct-2507` \|/);
    const safe = config({ window: 32768, compaction: '{ "model": "lmstudio/qwen3-4b-instruct-2507", "memoryFlush": { "model": "lmstudio/qwen3-4b-instruct-2507" } }', rows: '{ "id": "qwen3-4b-instruct-2507", "name": "C", "contextWindow": 68000 }' });
    const so = observe(safe);
    const sMd = hoverAt(so, so.config.doc, safe.indexOf('"memoryFlush"'), settings)!.markdown;
    assert.match(sMd, /\| path \(mode unset: "safeguard"\) \| summarized by \|/);
    assert.match(sMd, /\| threshold \(C − R\) in the session \| does not run in this mode \|/);
    assert.match(sMd, /after a memory-flush turn on the `memoryFlush\.model`/);
  });

  it('uses what the server loaded when it is less than the registered window, and says so', () => {
    const text = config({ window: 131072, compaction: '{ "mode": "safeguard" }' });
    const obs = observe(text, { runtimes: { lmstudio: lmstudio([{ id: 'qwen/qwen3-coder-30b', ctx: 32768 }]) } });
    const h = hoverAt(obs, obs.config.doc, text.indexOf('"contextWindow"') + 1, settings)!;
    // C = 32,768 (loaded); R = min(20000, 8192) = 8,192; threshold 24,576.
    assert.match(h.markdown, /effective context C \| 32,768 \| loaded in LM Studio; OpenClaw registers 131,072 \(contextWindow\)/);
    assert.match(h.markdown, /reserve R \| 8,192/);
    assert.match(h.markdown, /compaction threshold \| 24,576 \| C − R, checked before each prompt/);
    assert.match(h.markdown, /_Figures use the 32,768 LM Studio loaded: OpenClaw plans for 131,072/);
    assert.doesNotMatch(h.markdown, /\| loaded in LM Studio \|/, 'one row for the context, not two');
    // Short enough to read without scrolling: a title, a table of at most ten rows, one note.
    assert.ok(h.markdown.split('\n').length <= 16, h.markdown);
    assert.ok(h.markdown.split('\n').every((l) => l.length <= 140), 'each figure explained in one short line');
  });

  it('explains the older reserve formula on older releases', () => {
    const text = config({ window: 32768, compaction: '{ "reserveTokensFloor": 20000 }' });
    const obs = observe(text, { version: '2026.6.1' });
    const h = hoverAt(obs, obs.config.doc, text.indexOf('"contextWindow"') + 1, settings)!;
    // max(16384, 20000) capped at C − min(8000, C/2) = 24,768 → 20,000
    assert.match(h.markdown, /reserve R \| 20,000 \| R = max\(reserveTokens/);
    assert.match(h.markdown, /Before 2026\.8/);
  });
});

describe('$include: findings land in the included file; its fixes decline', () => {
  it('reports a mismatch at the included value and declines to edit it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-incl-'));
    fs.writeFileSync(path.join(dir, 'models.json5'), "{ providers: { lmstudio: { baseUrl: 'http://127.0.0.1:1234/v1', models: [{ id: 'qwen/qwen3-coder-30b', name: 'Q', contextWindow: 131072 }] } } }");
    const main = parseDocument(path.join(dir, 'openclaw.json'), "{ models: { $include: './models.json5' }, agents: { defaults: { model: 'lmstudio/qwen/qwen3-coder-30b', compaction: { mode: 'default', model: 'lmstudio/qwen/qwen3-coder-30b' } } } }");
    const obs = check({ doc: main, version: v('2026.9.6'), servers: new Map([['lmstudio', lmstudio([{ id: 'qwen/qwen3-coder-30b', ctx: 32768 }])]]) }).observation;
    const f = runRules(obs).find((x) => x.rule === 'context-window-mismatch')!;
    assert.equal(path.basename(f.file), 'models.json5');
    const set = f.fixes[0]!;
    assert.equal(set.plan, undefined);
    assert.match(set.declined!, /included file .*models\.json5; edit it there/);
  });
});

describe('lms fallback', () => {
  let s: ScriptedServer;
  after(() => s?.close());
  it('is used only when LM Studio refuses REST and `lms server status` says it runs', async () => {
    s = await startServer(lmStudioRoutes({ requireToken: 'x' }));
    const calls: string[][] = [];
    const ps = fs.readFileSync('test/fixtures/lms/ps.json', 'utf8');
    const ls = fs.readFileSync('test/fixtures/lms/ls.json', 'utf8');
    const lms = async (args: readonly string[]) => {
      calls.push([...args]);
      if (args[0] === 'server') return { stdout: JSON.stringify({ running: true, port: 1234 }), exitCode: 0 };
      return { stdout: args[0] === 'ps' ? ps : ls, exitCode: 0 };
    };
    const st = await inspectServer(`${s.url}/v1`, { timeoutMs: 1000, lms });
    assert.equal(st.status, 'ok');
    assert.equal(st.via, 'lms');
    assert.equal(st.loaded[0]!.loadedContextLength, 32768);
    assert.deepEqual(calls[0], ['server', 'status', '--json'], 'the status check that never starts anything comes first');
    const notRunning = async (args: readonly string[]) => {
      calls.push([...args]);
      return { stdout: JSON.stringify({ running: false }), exitCode: 0 };
    };
    calls.length = 0;
    const st2 = await inspectServer(`${s.url}/v1`, { timeoutMs: 1000, lms: notRunning });
    assert.equal(st2.status, 'unreadable');
    assert.deepEqual(calls, [['server', 'status', '--json']], 'lms ps is never called when LM Studio is not running');
  });
});
