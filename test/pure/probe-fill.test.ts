import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { parseDocument } from '../../src/core/openclaw/document.js';
import { openProbeWire } from '../../src/core/lab/probes/probeWire.js';
import { analyzeFill, fillGrowthMessage, fillRequests, fillSettled, fillStepTokens, MAX_STEP_TOKENS, serverContext, type FillRequest, type FillTurn, type Registered, type ServerContext } from '../../src/core/lab/probes/fillAnalysis.js';
import { fillLines, fillProbe, fillSummary, fillView, type FillRecord, type FillResult } from '../../src/core/lab/probes/fill.js';
import { ProbeViewSchema } from '../../src/core/lab/view/probeView.js';
import type { ServerState } from '../../src/core/servers/types.js';
import { startServer, type ScriptedServer } from '../support/scriptedServer.js';

const servers: ScriptedServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

const CW = 'LAL-MARK-AMBER-123';
const registered: Registered = { model: 'p/m', contextTokens: 32768, reserveTokens: 8192, compactAt: 24576, formula: 'C − R, R = min(20000, ⌊C/4⌋)' };
const vllm: ServerContext = { kind: 'vllm', context: 40960, source: 'what vLLM reports loaded' };
const ollama: ServerContext = { kind: 'ollama', context: 4096, source: 'Ollama /api/ps; the request sets no num_ctx' };
const unknown: ServerContext = { kind: 'openai-compatible', context: null, source: 'the server does not say what context it loaded' };

let seq = 0;
/** A prompt request of turn `turn`: `sent` tokens sent, `reported` counted by the server. */
const req = (turn: number, sent: number, reported: number | null, more: Partial<FillRequest> = {}): FillRequest => ({ seq: seq++, turn, api: 'chat', status: 200, summary: false, memoryFlush: false, sentTokens: sent, reported, refused: false, requestedContext: null, usageAsked: true, ...more });
const turns = (n: number, errors: Record<number, string> = {}): FillTurn[] =>
  Array.from({ length: n }, (_, i) => ({ index: i, what: i === 0 ? 'plant' : i === n - 1 ? 'recall' : `grow ${i}`, messageChars: 100, ...(errors[i] ? { error: errors[i] } : {}) }));

describe('probe fill: the analysis of what crossed the wire', () => {
  it('a summary request before any refusal or truncation: compaction before the limit; the codeword recalled', () => {
    const requests = [req(0, 8000, 8000), req(1, 17000, 17000), req(2, 12000, 12000, { summary: true }), req(2, 11000, 11000), req(3, 11100, 11100)];
    const a = analyzeFill({ requests, turns: turns(4), registered, server: vllm, codeword: CW, recallReply: `It is ${CW}.` });
    assert.equal(a.verdict, 'compaction before the limit');
    assert.equal(a.tone, 'good');
    assert.deepEqual(a.compaction && [a.compaction.turn, a.truncation, a.refusal], [2, null, null]);
    assert.match(a.why, /turn 2 at ~17,000 prompt tokens, before the server's 40,960/);
    assert.equal(a.codewordSurvived, true);
    // The curve's point per turn is the turn's largest prompt request, summaries left out.
    assert.deepEqual(a.points.map((p) => [p.sent, p.reported]), [[8000, 8000], [17000, 17000], [11000, 11000], [11100, 11100]]);
  });

  it('a server that answers a prompt larger than its loaded context and counts no more than it: silent truncation, at the first such turn', () => {
    const requests = [req(0, 8100, 4096, { api: 'ollama-chat', usageAsked: null }), req(1, 10200, 4096, { api: 'ollama-chat', usageAsked: null }), req(2, 10300, 4096, { api: 'ollama-chat', usageAsked: null })];
    const a = analyzeFill({ requests, turns: turns(3), registered: { ...registered, contextTokens: 131072, compactAt: 111072, reserveTokens: 20000 }, server: ollama, codeword: CW, recallReply: 'I do not know.' });
    assert.equal(a.verdict, 'silent truncation');
    assert.equal(a.truncation?.turn, 0);
    assert.match(a.why, /counted 4,096 of ~8,100 tokens sent \(it holds 4,096; Ollama \/api\/ps.*while OpenClaw budgets 131,072/);
    assert.equal(a.codewordSurvived, false);
    assert.ok(a.notes.some((n) => /server holds 4,096 tokens, less than OpenClaw's trigger at 111,072/.test(n)));
    assert.ok(a.notes.some((n) => /did not survive/.test(n)));
    // Every cut turn says so; the fix names the rule.
    assert.deepEqual(a.points.map((p) => p.events[0]?.split(':')[0]), ['the server counted 4,096 of ~8,100 tokens sent', 'cut again', 'cut again']);
    assert.match(a.notes[0]!, /^Fix: send Ollama the budget .*ollama-num-ctx-unset/);
  });

  it('without a known server context, a count that stands still while the request grows is a truncation; a request under the context is not', () => {
    const flat = [req(0, 6000, 5000), req(1, 12000, 5050), req(2, 18000, 5050)];
    const a = analyzeFill({ requests: flat, turns: turns(3), registered, server: unknown, codeword: CW });
    assert.equal(a.verdict, 'silent truncation');
    assert.equal(a.truncation?.turn, 1);
    assert.ok(a.notes.some((n) => /loaded context is unknown/.test(n)));
    // A prompt cache that makes the count smaller (Ollama counts only what it evaluated) is not a truncation while the prompt fits.
    const cached = [req(0, 3000, 3000), req(1, 3500, 400), req(2, 3900, 400)];
    assert.equal(analyzeFill({ requests: cached, turns: turns(3), registered, server: ollama, codeword: CW }).truncation, null);
    const dropping = [req(0, 6000, 6000), req(1, 12000, 700), req(2, 18000, 900)];
    assert.equal(analyzeFill({ requests: dropping, turns: turns(3), registered, server: unknown, codeword: CW }).truncation, null);
  });

  it('a refusal for the context length before any summary: never compacts: overflows first, even when overflow recovery compacts after it', () => {
    const requests = [req(0, 8000, 8000), req(1, 41000, null, { status: 400, refused: true }), req(1, 30000, 30000, { summary: true }), req(1, 9000, 9000)];
    const a = analyzeFill({ requests, turns: turns(3), registered: { ...registered, contextTokens: 131072, compactAt: 111072 }, server: vllm, codeword: CW, recallReply: CW });
    assert.equal(a.verdict, 'never compacts: overflows first');
    assert.match(a.notes[0]!, /^Fix: set contextTokens to at most 40,960 \(rule context-window-mismatch\)/);
    assert.match(a.why, /turn 1 the server refused ~41,000 tokens.*OpenClaw compacted only after \(turn 1\)/);
    assert.equal(a.tone, 'bad');
  });

  it("OpenClaw's own overflow error ends a turn: an overflow at that turn", () => {
    const a = analyzeFill({ requests: [req(0, 8000, 8000), req(1, 20000, 20000)], turns: turns(3, { 2: 'Context overflow: prompt too large for the model (precheck).' }), registered, server: vllm, codeword: CW });
    assert.equal(a.verdict, 'never compacts: overflows first');
    assert.equal(a.refusal?.turn, 2);
  });

  it('usage 0 or none on every answered request: meter reads 0, before anything else; the rule is named when usage was not asked for', () => {
    const zero = analyzeFill({ requests: [req(0, 8000, 0), req(1, 10000, 0)], turns: turns(3), registered, server: vllm, codeword: CW, recallReply: CW });
    assert.equal(zero.verdict, 'meter reads 0');
    assert.match(zero.why, /reported 0 prompt tokens/);
    assert.match(zero.notes[0]!, /the fix is on the server/);
    const none = analyzeFill({ requests: [req(0, 8000, null, { usageAsked: false }), req(1, 10000, null, { usageAsked: false })], turns: turns(3), registered, server: vllm, codeword: CW });
    assert.equal(none.verdict, 'meter reads 0');
    assert.match(none.why, /no usage/);
    assert.match(none.notes[0]!, /^Fix: compat\.supportsUsageInStreaming: true on the row \(rule stream-usage-missing\)/);
  });

  it('nothing happened within the turns: turn cap reached (a warning, not a pass); no request answered: no verdict', () => {
    const a = analyzeFill({ requests: [req(0, 8000, 8000), req(1, 9000, 9000)], turns: turns(3), registered, server: vllm, codeword: CW });
    assert.equal(a.verdict, 'turn cap reached');
    assert.equal(a.tone, 'warn');
    assert.equal(analyzeFill({ requests: [], turns: turns(1, { 0: 'nothing answers' }), registered, server: vllm, codeword: CW }).verdict, 'no verdict');
  });

  it('growth stops at the first compaction, refusal, truncation or zero meter, and not before', () => {
    const at = (requests: FillRequest[], n: number, server = vllm) => fillSettled(analyzeFill({ requests, turns: turns(n), registered, server, codeword: CW }));
    assert.equal(at([req(0, 8000, 8000), req(1, 20000, 20000)], 2), false);
    assert.equal(at([req(0, 8000, 8000), req(1, 9000, 9000, { summary: true })], 2), true);
    assert.equal(at([req(0, 8000, 8000), req(1, 41000, null, { status: 400, refused: true })], 2), true);
    assert.equal(at([req(0, 3000, 3000)], 1, ollama), false);
    assert.equal(at([req(0, 8000, 4096)], 1, ollama), true);
    assert.equal(at([req(0, 8000, 0)], 1), true);
  });
});

describe("probe fill: the server's loaded context and the growth", () => {
  const state = (kind: ServerState['kind'], loaded: ServerState['loaded']): ServerState => ({ baseUrl: 'http://127.0.0.1:1', status: 'ok', kind, loaded, via: 'probe' });
  it("Ollama: the request's num_ctx, else the Modelfile's, else /api/ps, else its default 4096", () => {
    const ps = state('ollama', [{ identifier: 'qwen3:8b', modelKey: 'qwen3:8b', loadedContextLength: 8192 }]);
    assert.deepEqual(serverContext(ps, 'qwen3:8b', 32768).context, 32768);
    assert.deepEqual(serverContext(state('ollama', [{ identifier: 'qwen3:8b', modelKey: 'qwen3:8b', loadedContextLength: 8192, modelfileNumCtx: 16384 }]), 'qwen3:8b').context, 16384);
    assert.match(serverContext(ps, 'qwen3:8b').source, /api\/ps/);
    const dflt = serverContext(state('ollama', []), 'qwen3:8b');
    assert.deepEqual([dflt.context, /default/.test(dflt.source)], [4096, true]);
  });
  it('other servers: what they report loaded, else unknown; no server: unknown', () => {
    assert.equal(serverContext(state('vllm', [{ identifier: 'm', modelKey: 'm', loadedContextLength: 32768 }]), 'm').context, 32768);
    assert.equal(serverContext(state('mlx', []), 'm').context, null);
    assert.equal(serverContext(undefined, 'm').context, null);
  });
  it('a growth message adds about the tokens asked for; the default step reaches the lower limit in about six turns, within bounds', () => {
    const m = fillGrowthMessage(3, 2000);
    assert.ok(m.length >= 8000 && m.length < 8200, String(m.length));
    assert.match(m, /Do not use tools/);
    assert.equal(fillStepTokens({ compactAt: 24576, serverContext: 40960, growthTurns: 10 }), Math.ceil((24576 * 1.15 - 16400) / 6));
    assert.equal(fillStepTokens({ compactAt: 111072, serverContext: 4096, growthTurns: 10 }), 500);
    assert.equal(fillStepTokens({ compactAt: 1_000_000, growthTurns: 2 }), MAX_STEP_TOKENS);
  });
});

describe('probe fill: read off the probe wire', () => {
  it("an Ollama /api/chat exchange: prompt_eval_count as reported, bytes / 4 as sent, no num_ctx; an OpenAI chat's include_usage", async () => {
    const s = await startServer({
      'POST /api/chat': () => ({ text: JSON.stringify({ model: 'q', message: { role: 'assistant', content: 'ok' }, done: true, prompt_eval_count: 4096, eval_count: 1 }) + '\n' }),
      'POST /v1/chat/completions': { chat: { reply: 'ok', usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 } } },
    });
    servers.push(s);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lal-fill-')), 'openclaw.json');
    const text = `{ models: { providers: { ollama: { baseUrl: 'http://127.0.0.1:${s.port}', api: 'ollama', models: [] }, mocklab: { baseUrl: 'http://127.0.0.1:${s.port}/v1', api: 'openai-completions', models: [] } } } }`;
    fs.writeFileSync(file, text);
    const w = await openProbeWire(file, parseDocument(file, text));
    try {
      const copy = fs.readFileSync(w.config.file, 'utf8');
      const base = /baseUrl: ['"]([^'"]+)['"]/.exec(copy)![1]!.replace(/\/v1$/, '');
      const big = 'x'.repeat(40_000);
      w.setTurn(0);
      await (await fetch(`${base}/api/chat`, { method: 'POST', body: JSON.stringify({ model: 'q', messages: [{ role: 'user', content: big }] }) })).text();
      w.setTurn(1);
      await (await fetch(`${base}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm', stream: true, stream_options: { include_usage: true }, options: { num_ctx: 32768 }, messages: [{ role: 'user', content: 'hi' }] }) })).text();
      w.setTurn(null);
      await new Promise((r) => setTimeout(r, 50));
      const [o, c] = fillRequests(w.exchanges());
      assert.deepEqual([o!.turn, o!.api, o!.reported, o!.requestedContext, o!.usageAsked, o!.sentTokens > 10_000], [0, 'ollama-chat', 4096, null, null, true]);
      // Ollama's OpenAI-compatible route: the num_ctx OpenClaw injects there counts as the request's.
      assert.deepEqual([c!.turn, c!.api, c!.reported, c!.usageAsked, c!.requestedContext], [1, 'chat', 0, true, 32768]);
    } finally {
      await w.close();
    }
  });
});

describe('probe fill: the record and its view', () => {
  const result = (over: Partial<FillResult> = {}): FillResult => ({
    codeword: CW,
    sessionKey: 'agent:main:lal-fill-x',
    registered,
    server: vllm,
    stepTokens: 9000,
    maxTurns: 6,
    turns: turns(4),
    requests: [req(0, 8000, 8000), req(1, 17000, 17000), req(2, 12000, 12000, { summary: true }), req(2, 11000, 11000), req(3, 11100, 11100)],
    recallReply: CW,
    verdict: 'compaction before the limit',
    codewordSurvived: true,
    ...over,
  });
  const record = (r?: FillResult, error?: string): FillRecord => ({ schemaVersion: 1, kind: 'fill', id: `20261206T020000Z-fill-main-${Math.random().toString(16).slice(2, 6)}`, startedAt: '2026-12-06T02:00:00.000Z', agent: 'main', profile: null, config: '/c/openclaw.json', notes: [], ...(r ? { result: r } : {}), ...(error ? { error } : {}) });

  it('the curve: reported and sent as two tones, C, the trigger and the server context as levels, the compaction as a mark; a valid ProbeView', () => {
    const v = fillView(record(result()));
    ProbeViewSchema.parse(v);
    assert.equal(v.tone, 'good');
    assert.match(v.verdict, /^compaction before the limit: /);
    assert.deepEqual(v.curve!.levels.map((l) => l.y), [32768, 24576, 40960]);
    assert.deepEqual(v.curve!.marks, [{ x: 2, label: 'compaction', tone: 'good' }]);
    assert.deepEqual(v.curve!.points.filter((p) => p.tone === 'good').map((p) => p.y), [8000, 17000, 11000, 11100]);
    assert.equal(v.curve!.points.filter((p) => p.tone === 'none').length, 4);
    assert.deepEqual(v.table.rows.map((r) => r.cells[0]), ['0', '1', '2', '3']);
    assert.match(v.table.rows[3]!.cells[4]!, /codeword LAL-MARK-AMBER-123 recalled/);
    assert.match(fillSummary(record(result())), /^compaction before the limit · C 32,768 · trigger 24,576 · server 40,960 · codeword kept · 4 turns$/);
    assert.ok(fillLines(record(result())).some((l) => /^2\s+grow 2\s+11,000\s+11,000\s+OpenClaw sent a compaction summary request$/.test(l)));
    assert.equal(fillProbe.good(record(result())), true);
  });

  it('a truncation and a failed probe read as bad and warn; the record folder keeps fill records apart from the codeword probe', () => {
    const trunc = result({ server: ollama, requests: [req(0, 8000, 4096), req(1, 10000, 4096)], turns: turns(3), recallReply: 'no', verdict: 'silent truncation', codewordSurvived: false });
    const v = fillView(record(trunc));
    assert.equal(v.tone, 'bad');
    assert.deepEqual(v.curve!.marks.map((m) => m.label), ['truncation']);
    assert.deepEqual(v.table.rows.map((r) => r.tone), ['bad', 'bad', 'none'], 'the recall turn sent nothing here');
    assert.equal(fillProbe.good(record(trunc)), false);
    const failed = fillView(record(undefined, 'nothing answers at http://127.0.0.1:1'));
    ProbeViewSchema.parse(failed);
    assert.deepEqual([failed.tone, failed.curve], ['warn', undefined]);

    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-fill-rec-'));
    fs.mkdirSync(path.join(root, 'probes'));
    const rec = record(result());
    fs.writeFileSync(path.join(root, 'probes', `${rec.id}.json`), JSON.stringify(rec));
    fs.writeFileSync(path.join(root, 'probes', '20261206T010000Z-codewords-main-abcd.json'), JSON.stringify({ schemaVersion: 1, kind: 'codewords', id: '20261206T010000Z-codewords-main-abcd', sessions: [] }));
    assert.deepEqual(fillProbe.list(root).map((r) => r.id), [rec.id]);
    assert.equal(fillProbe.read(root, rec.id).result?.codeword, CW);
  });
});
