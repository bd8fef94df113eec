import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { analyzePrefix, differsOnlyInDateTime, renderRequest, sectionName, systemSections } from '../../src/core/lab/probes/prefixAnalysis.js';
import { prefixResult, prefixStabilityLines, prefixStabilityPlan, prefixStabilityProbe, PrefixStabilityRecordSchema, type PrefixStabilityRecord } from '../../src/core/lab/probes/prefixStability.js';
import type { ProbeExchange } from '../../src/core/lab/probes/probeWire.js';
import { ProbeViewSchema } from '../../src/core/lab/probes/common.js';
import { listWireProbes, readWireProbe, wireProbe } from '../../src/core/lab/probes/registry.js';
import { experimentRows } from '../../src/core/lab/view/tree.js';
import { parseDocument } from '../../src/core/openclaw/document.js';
import type { WireRecord } from '../../src/core/lab/wire/schema.js';

/** An OpenClaw 2026.9.6-shaped system prompt (its headers and markers, shortened), with a long stable part. */
function systemPrompt(o: { agents?: string; date?: string; memory?: string; swap?: boolean } = {}): string {
  const tooling = ['## Tooling', 'Tools policy-filtered. '.repeat(300)];
  const safety = ['## Safety', 'Do no harm. '.repeat(100)];
  return [
    '<!-- openclaw:attempt:STABLE -->',
    'You are a personal assistant running inside OpenClaw.',
    ...(o.swap ? [...safety, ...tooling] : [...tooling, ...safety]),
    ...(o.memory ? ['## Recalled Memory', o.memory] : []),
    '## Workspace Files (injected)',
    'User-editable; OpenClaw loads below as Project Context.',
    '# Project Context',
    'Loaded project context:',
    '## /home/me/.openclaw/workspace/AGENTS.md',
    '# House rules',
    o.agents ?? 'Run the tests before you say done.',
    '## /home/me/.openclaw/workspace/SOUL.md',
    '[MISSING] Expected at: /home/me/.openclaw/workspace/SOUL.md',
    '<!-- /openclaw:attempt:STABLE -->',
    '<!-- openclaw:attempt:DYNAMIC -->',
    '## Temporal Context',
    `Current date: ${o.date ?? '2026-12-06'}`,
    'Time zone: UTC',
    '## Messaging',
    'Current-session final text normally routes to source. '.repeat(50),
    '## Runtime',
    'Current model identity: mocklab/mock-1.',
    '<!-- /openclaw:attempt:DYNAMIC -->',
  ].join('\n');
}

const TOOLS = ['read', 'write', 'exec', 'process', 'session_status'].map((name) => ({ type: 'function', function: { name, description: `The ${name} tool. `.repeat(12), parameters: { type: 'object', properties: { path: { type: 'string' } } } } }));
type Msg = { role: string; content: string };
const answer = (i: number) => `Answer ${i}. ${'A detail of the answer. '.repeat(20)}`;
const carrier = (t: number): Msg => ({ role: 'user', content: `<<<BEGIN_OPENCLAW_INTERNAL_CONTEXT>>>\nturn ${t}\n<<<END_OPENCLAW_INTERNAL_CONTEXT>>>` });

/** The request of turn t (0-based) of a session: the history so far, the new message, OpenClaw's carrier. */
function turnBody(t: number, o: { system?: string; tools?: unknown[]; history?: Msg[] } = {}) {
  const history: Msg[] = o.history ?? Array.from({ length: t }, (_, i) => [{ role: 'user', content: `[Sun 2026-12-06 02:0${i} UTC] question ${i}` }, { role: 'assistant', content: answer(i) }]).flat();
  return { model: 'mock-1', stream: true, messages: [{ role: 'system', content: o.system ?? systemPrompt() }, ...history, { role: 'user', content: `[Sun 2026-12-06 02:0${t} UTC] question ${t}` }, carrier(t)], tools: o.tools ?? TOOLS };
}

let seq = 0;
function ex(body: unknown, o: { dispatch?: number; cached?: number | null; prefillMs?: number | null; summary?: boolean; flush?: boolean; api?: string; tokens?: number | null } = {}): ProbeExchange {
  const chars = renderRequest(body)?.chars ?? 400;
  const promptTokens = o.tokens === undefined ? Math.ceil(chars / 4) : o.tokens;
  const cached = o.cached === undefined ? null : o.cached;
  const record = {
    schemaVersion: 1, dispatch: o.dispatch ?? 0, seq: seq++, upstream: 'http://127.0.0.1:8080', startedAt: new Date().toISOString(), method: 'POST', path: o.api === 'ollama-chat' ? '/api/chat' : '/v1/chat/completions', api: o.api ?? 'chat', model: 'mock-1',
    status: 200, stream: true, terminated: true, requestBytes: 0, responseBytes: 0, requestSha256: '', responseSha256: '', ttfbMs: 5, firstTokenMs: 40, endMs: 60,
    messages: (body as { messages: unknown[] }).messages.length, tools: 1, promptTokens, cachedTokens: cached, completionTokens: 5, finishReason: 'stop', toolCalls: [], toolCallsAsText: null, reasoningInContent: null,
    summary: !!o.summary, memoryFlush: !!o.flush, firstChangedMessage: null, serverPrefillMs: o.prefillMs === undefined ? (promptTokens ?? 0) - (cached ?? 0) : o.prefillMs,
  } as WireRecord;
  const response = cached === null ? '{"usage":{"prompt_tokens":1}}' : `data: {"choices":[],"timings":{"cache_n":${cached},"prompt_n":${(promptTokens ?? 0) - cached}}}`;
  return { record, request: Buffer.from(JSON.stringify(body)), response: Buffer.from(response) };
}

/** What an honest one-slot prefix cache reuses of `prev` for `next` (the common prefix of the rendered pieces). */
function honest(prev: unknown, next: unknown): number {
  const a = renderRequest(prev)!.pieces.map((p) => p.text).join('');
  const b = renderRequest(next)!.pieces.map((p) => p.text).join('');
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return Math.floor(i / 4);
}

/** A session of bodies with an honest cache unless `cached` says otherwise. */
function session(bodies: unknown[], cached?: (i: number) => number | undefined): ProbeExchange[] {
  return bodies.map((b, i) => ex(b, { dispatch: i, cached: i === 0 ? 0 : (cached?.(i) ?? honest(bodies[i - 1], b)) }));
}

describe('prefix-stability analysis: the system prompt in sections', () => {
  it("splits OpenClaw's prompt by headers; a Project Context file's own headers stay inside its section", () => {
    const s = systemSections(systemPrompt());
    const names = s.map(sectionName);
    assert.ok(names.includes('## AGENTS.md under # Project Context'), names.join(' | '));
    assert.ok(names.includes('## SOUL.md under # Project Context'));
    assert.ok(!names.some((n) => n.startsWith('# House rules')), 'the file\'s own header is part of the file');
    assert.ok(names.includes('## Temporal Context'), 'the sections after the files are not under Project Context');
    assert.match(s.find((x) => x.file === 'AGENTS.md')!.text, /# House rules\nRun the tests/);
  });

  it('date and time text: the same text with other dates, times, weekdays or zones; anything else is not', () => {
    assert.ok(differsOnlyInDateTime('Current date: 2026-12-06\nTime zone: Pacific/Kiritimati', 'Current date: 2026-12-05\nTime zone: Etc/GMT+12'));
    assert.ok(differsOnlyInDateTime('[Sun 2026-12-06 02:07 UTC] hi', '[Mon 2026-12-07 11:59 UTC] hi'));
    assert.ok(!differsOnlyInDateTime('Run the tests.', 'Run the tests twice.'));
    assert.ok(!differsOnlyInDateTime('same', 'same'));
  });
});

describe('prefix-stability analysis: busts and their causes', () => {
  it('a stable session with an honest cache: no bust, every request compared across turns', () => {
    const a = analyzePrefix(session([turnBody(0), turnBody(1), turnBody(2), turnBody(3)]));
    assert.equal(a.busts, 0, JSON.stringify(a.requests, null, 1));
    assert.equal(a.requests[0]!.detail, 'first request of the session (cold)');
    assert.deepEqual(a.requests.slice(1).map((q) => q.changedAt), ['message 2 (assistant)', 'message 4 (assistant)', 'message 6 (assistant)'], 'only the carrier after the last message changed');
    assert.equal(a.counters, 'llama.cpp timings.cache_n');
    assert.ok(a.requests.slice(1).every((q) => q.detail === null && q.changedSection === null), 'the replaced carrier is not reported as a change');
  });

  it('AGENTS.md edited between turns: a bust in "## AGENTS.md under # Project Context", cause workspace file edit, its prefill lost', () => {
    const bodies = [turnBody(0), turnBody(1, { system: systemPrompt({ agents: 'Run the tests before you say done.\n<!-- touched -->' }) })];
    const a = analyzePrefix(session(bodies));
    const q = a.requests[1]!;
    assert.equal(q.bust, true);
    assert.equal(q.cause, 'workspace file edit');
    assert.equal(q.changedSection, '## AGENTS.md under # Project Context');
    assert.equal(q.firstChangedMessage, 0);
    // The honest server re-prefilled from the file on: prefill 1 ms per processed token, so the loss is the tokens it could have kept.
    assert.ok(q.lostMs! > 0 && q.lostMs! <= q.reusableTokens! - q.cachedTokens! + 1, JSON.stringify(q));
    assert.deepEqual(a.byCause.map((c) => [c.cause, c.busts]), [['workspace file edit', 1]]);
    assert.match(a.byCause[0]!.fix!, /between sessions/);
  });

  it('the date changed and the server dropped everything: time/date text, and the server dropped more than the change', () => {
    const bodies = [turnBody(0), turnBody(1, { system: systemPrompt({ date: '2026-12-07' }) })];
    const a = analyzePrefix(session(bodies, () => 0));
    const q = a.requests[1]!;
    assert.equal(q.cause, 'time/date text');
    assert.equal(q.changedSection, '## Temporal Context');
    assert.match(q.detail!, /^date\/time text changed: 2026-12-06 → 2026-12-07; the server also dropped \d+ tokens OpenClaw left unchanged/);
  });

  it('the same prefix sent, the counter at 0: between OpenClaw and the server', () => {
    const a = analyzePrefix(session([turnBody(0), turnBody(1), turnBody(2)], () => 0));
    assert.equal(a.busts, 2);
    assert.ok(a.requests.slice(1).every((q) => q.cause === 'between OpenClaw and the server' && q.changedSection === null));
    assert.match(a.byCause[0]!.fix!, /proxy/);
  });

  it('sections in another order: section order', () => {
    const a = analyzePrefix(session([turnBody(0), turnBody(1, { system: systemPrompt({ swap: true }) })]));
    assert.equal(a.requests[1]!.cause, 'section order');
    assert.equal(a.requests[1]!.changedSection, '## Safety');
  });

  it('a new section in the system prompt, or a message inserted before the operator\'s: memory prepended', () => {
    const a = analyzePrefix(session([turnBody(0), turnBody(1, { system: systemPrompt({ memory: 'The user likes tea.' }) })]));
    assert.equal(a.requests[1]!.cause, 'memory prepended');
    assert.equal(a.requests[1]!.changedSection, '## Recalled Memory');
    const inserted = turnBody(2, { history: [{ role: 'user', content: 'Relevant memory: tea.' }, { role: 'user', content: '[Sun 2026-12-06 02:00 UTC] question 0' }, { role: 'assistant', content: answer(0) }, { role: 'user', content: '[Sun 2026-12-06 02:01 UTC] question 1' }, { role: 'assistant', content: answer(1) }] });
    const b = analyzePrefix(session([turnBody(0), turnBody(1), inserted]));
    assert.equal(b.requests[2]!.cause, 'memory prepended');
    assert.equal(b.requests[2]!.changedAt, 'message 1 (user)');
  });

  it('a tool added mid-session: tool list changed, naming it', () => {
    const more = [{ type: 'function', function: { name: 'web_fetch', parameters: { type: 'object' } } }, ...TOOLS];
    const a = analyzePrefix(session([turnBody(0), turnBody(1, { tools: more })]));
    assert.equal(a.requests[1]!.cause, 'tool list changed');
    assert.equal(a.requests[1]!.toolsChanged, true);
    assert.match(a.requests[1]!.detail!, /added web_fetch/);
  });

  it('a compaction summary request between two turns: reported, not counted, and the next bust is compaction', () => {
    const summaryBody = { model: 'mock-1', messages: [{ role: 'system', content: 'You are a context summarization assistant.' }, { role: 'user', content: '<conversation>…</conversation>' }] };
    const compacted = turnBody(1, { history: [{ role: 'user', content: 'The conversation history before this point was compacted into the following summary:\n\n<summary>…</summary>' }] });
    const xs = [ex(turnBody(0), { dispatch: 0, cached: 0 }), ex(summaryBody, { dispatch: 1, cached: 0, summary: true }), ex(compacted, { dispatch: 1, cached: 0 })];
    const a = analyzePrefix(xs);
    assert.equal(a.summaries, 1);
    assert.equal(a.requests[1]!.kind, 'summary');
    assert.equal(a.requests[1]!.bust, false);
    assert.equal(a.requests[2]!.cause, 'compaction');
    assert.equal(a.busts, 1);
  });

  it('Ollama: no cache counter, said so; a bust is read from the prefix OpenClaw changed, prefill from the first token', () => {
    const bodies = [turnBody(0), turnBody(1, { system: systemPrompt({ agents: 'Changed.' }) }), turnBody(2, { system: systemPrompt({ agents: 'Changed.' }) })];
    const xs = bodies.map((b, i) => ex(b, { dispatch: i, cached: null, api: 'ollama-chat', prefillMs: null }));
    const a = analyzePrefix(xs);
    assert.equal(a.counters, 'none');
    assert.match(a.notes.join('\n'), /Ollama reports no cache counter/);
    assert.deepEqual(a.requests.map((q) => q.bust), [false, true, false]);
    assert.equal(a.requests[1]!.cause, 'workspace file edit');
    assert.equal(a.requests[1]!.prefillSource, 'first token');
    assert.match(a.notes.join('\n'), /time to the first token/);
  });
});

describe('prefix-stability record, view and plan', () => {
  const record = (busts: boolean): PrefixStabilityRecord => {
    const bodies = [turnBody(0), turnBody(1, busts ? { system: systemPrompt({ agents: 'x' }) } : {})];
    const result = prefixResult({ sessionKey: 'agent:main:lal-prefix-x', turnsRun: 2, touched: null, analysis: analyzePrefix(session(bodies)) });
    return { schemaVersion: 1, kind: 'prefix-stability', id: `2026-12-06T02-00-00Z-prefix-${busts ? 'b' : 'g'}`, startedAt: '2026-12-06T02:00:00Z', agent: 'main', profile: null, config: '/x/openclaw.json', notes: [], turns: 2, result };
  };

  it('writes, reads and lists through the probes folder; the view is the panel\'s shape; verdicts good and bad', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-prefix-rec-'));
    const folder = path.join(root, 'probes');
    fs.mkdirSync(folder);
    fs.writeFileSync(path.join(folder, '2026-01-01T00-00-00Z-codewords.json'), JSON.stringify({ schemaVersion: 1, kind: 'codewords', id: '2026-01-01T00-00-00Z-codewords' }));
    for (const busts of [false, true]) {
      const r = record(busts);
      assert.ok(PrefixStabilityRecordSchema.safeParse(r).success);
      fs.writeFileSync(path.join(folder, `${r.id}.json`), JSON.stringify(r));
    }
    const listed = prefixStabilityProbe.list(root);
    assert.equal(listed.length, 2, "another probe's record is skipped");
    const [bad, good] = listed.sort((a, b) => (a.result!.busts > b.result!.busts ? -1 : 1));
    assert.equal(good!.result!.tone, 'good');
    assert.match(prefixStabilityProbe.summary(good!), /^no cache bust/);
    assert.equal(bad!.result!.tone, 'bad');
    assert.match(prefixStabilityProbe.summary(bad!), /^1 bust · workspace file edit · ~/);
    const view = prefixStabilityProbe.view(bad!);
    assert.ok(ProbeViewSchema.safeParse(view).success);
    assert.equal(view.curve!.marks.length, 1);
    assert.deepEqual(view.table.rows[1]!.cells.slice(4, 5), ['## AGENTS.md under # Project Context']);
    assert.equal(prefixStabilityProbe.title, 'Probe Prompt-Cache Reuse');
    const lines = prefixStabilityLines(bad!);
    assert.match(lines.join('\n'), /workspace file edit: 1 bust, ~[\d.]+ s of prefill lost\n {2}fix: edit workspace files/);
    assert.match(lines[lines.length - 1]!, /^verdict: 1 cache bust in 2 model requests/);
  });

  it('the editor reads it through the registry: an Experiments row with its verdict, the panel\'s record by id, the warning only for the bad one', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-prefix-reg-'));
    fs.mkdirSync(path.join(root, 'probes'));
    const [g, b] = [record(false), record(true)];
    for (const r of [g, b]) fs.writeFileSync(path.join(root, 'probes', `${r.id}.json`), JSON.stringify(r));
    const all = listWireProbes(root);
    assert.deepEqual(all.map((x) => x.record.id), [b.id, g.id].sort());
    const rows = experimentRows([], [], all);
    const badRow = rows.find((r) => r.node.kind === 'probe' && r.node.id === b.id)!;
    assert.match(badRow.label, /^prefix-stability · agent main · /);
    assert.match(badRow.description, /^1 bust · workspace file edit/);
    assert.equal(badRow.contextValue, 'labProbe');
    const found = readWireProbe(root, g.id)!;
    assert.equal(found.module.kind, 'prefix-stability');
    assert.equal(found.module.good(found.record), true);
    assert.equal(wireProbe('prefix-stability').good(readWireProbe(root, b.id)!.record), false);
    assert.equal(readWireProbe(root, 'no-such-id'), undefined);
  });

  it('the dry-run plan names the turns and the servers the wire records, and runs nothing', () => {
    const text = `{ models: { providers: { llama: { baseUrl: 'http://127.0.0.1:8080/v1', api: 'openai-completions', models: [] }, hosted: { baseUrl: 'https://api.example.com/v1', models: [] } } } }`;
    const p = prefixStabilityPlan({ file: '/x/openclaw.json', doc: parseDocument('/x/openclaw.json', text), agent: 'main', turns: 20, timeoutMs: 60_000, touchWorkspaceFile: 'AGENTS.md' });
    assert.equal(p.turns, 12, 'capped');
    assert.deepEqual(p.wired, [{ provider: 'llama', upstream: 'http://127.0.0.1:8080' }]);
    assert.equal(p.notWired[0]!.provider, 'hosted');
    assert.equal(p.messages.length, 12);
  });
});
