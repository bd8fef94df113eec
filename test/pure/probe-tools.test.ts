import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseDocument, toValue } from '../../src/core/openclaw/document.js';
import { buildModel } from '../../src/core/openclaw/model.js';
import { parseExchange } from '../../src/core/lab/wire/parse.js';
import type { ProbeExchange } from '../../src/core/lab/probes/probeWire.js';
import { analyzeTask, judgeRows, makeNonce, nonceShaped, rowVerdict, taskPlan, toolResultTexts, type RowFacts, type TaskOutcome } from '../../src/core/lab/probes/toolsAnalysis.js';
import { MAX_TOOLS_TURNS, readToolsRecord, toolsGood, toolsLines, toolsPlan, toolsPlanLines, ToolsPlanError, toolsProbe, ToolsRecordSchema, withApi, type ToolsRecord } from '../../src/core/lab/probes/tools.js';
import { PROBE_KINDS, ProbeViewSchema } from '../../src/core/lab/probes/common.js';
import { recordFolder } from '../../src/core/lab/records/folder.js';

/* Exchanges in the documented chat-completions streaming shapes (reference/runtimes.md §3, §7), parsed as the recorder parses them. */
const SSE = { 'content-type': 'text/event-stream' };
const chunk = (delta: unknown, finish: string | null = null) => `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'mock-1', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
const usage = `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'mock-1', choices: [], usage: { prompt_tokens: 100, completion_tokens: 5, total_tokens: 105 } })}\n\n`;
const TOOLS = [{ type: 'function', function: { name: 'read', parameters: {} } }, { type: 'function', function: { name: 'exec', parameters: {} } }];
const user = { role: 'user', content: 'Use your read tool to open the file lal-tools-ab-read.txt' };

function exchange(o: { messages: unknown[]; answer: string; complete?: boolean; error?: { kind: string; message: string } | null; seq?: number }): ProbeExchange {
  const request = JSON.stringify({ model: 'mock-1', stream: true, messages: o.messages, tools: TOOLS });
  const { record } = parseExchange({ path: '/v1/chat/completions', requestBody: request, status: 200, headers: SSE, response: o.answer, complete: o.complete ?? true, seq: o.seq ?? 0, dispatch: 0, ...(o.error ? { error: o.error } : {}) });
  return { record, request: Buffer.from(request), response: Buffer.from(o.answer) };
}
const say = (text: string) => chunk({ role: 'assistant', content: '' }) + chunk({ content: text }) + chunk({}, 'stop') + usage + 'data: [DONE]\n\n';
const callTool = (name: string, args: object) => chunk({ role: 'assistant', content: '' }) + chunk({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name, arguments: JSON.stringify(args) } }] }) + chunk({}, 'tool_calls') + usage + 'data: [DONE]\n\n';
const afterTool = (result: string) => [user, { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'read', arguments: '{}' } }] }, { role: 'tool', tool_call_id: 'call_1', content: result }];

const NONCE = 'LAL-AB12-CD34';
const facts: RowFacts = { ref: 'mocklab/mock-1', mode: 'completions', configuredApi: 'openai-completions', reasoning: null, supportsTools: null, server: null };

/** A read task whose model called the tool and answered from its result. */
const goodRead = () => analyzeTask({ task: 'read', nonce: NONCE, reply: NONCE, exitCode: 0, exchanges: [exchange({ messages: [user], answer: callTool('read', { path: 'lal-tools-ab-read.txt' }) }), exchange({ messages: afterTool(`${NONCE}\n`), answer: say(NONCE), seq: 1 })] });

describe('the tools probe: one task from its exchanges', () => {
  it('a code the read tool returned and the answer gives: right, from a tool result', () => {
    const t = goodRead();
    assert.deepEqual([t.requests, t.toolCalls, t.nonceInToolResult, t.nonceInReply, t.invented, t.hang, t.completed, t.right], [2, ['read'], true, true, null, null, true, true]);
    assert.equal(t.toolsOffered, 2);
    assert.deepEqual(rowVerdict([t]).verdict, 'tools work');
  });

  it('a tool call printed as text: the wire marker, no structured call; the fix is compat.supportsTools (model-lacks-tools), or api "ollama" on Ollama (ollama-openai-compat)', () => {
    const t = analyzeTask({ task: 'read', nonce: NONCE, reply: '<tool_call>{"name":"read","arguments":{"path":"x"}}</tool_call>', exitCode: 0, exchanges: [exchange({ messages: [user], answer: say('<tool_call>{"name":"read","arguments":{"path":"x"}}</tool_call>') })] });
    assert.equal(t.toolCallsAsText, '<tool_call>');
    assert.deepEqual(t.toolCalls, []);
    const [row] = judgeRows([{ ...facts, tasks: [t] }]);
    assert.equal(row!.verdict, 'tool calls as text');
    assert.deepEqual([row!.fix?.change, row!.fix?.rule], ['compat.supportsTools: false on the row', 'model-lacks-tools']);
    const [onOllama] = judgeRows([{ ...facts, server: 'ollama', tasks: [t] }]);
    assert.deepEqual([onOllama!.fix?.change, onOllama!.fix?.rule], ['api: "ollama" (the baseUrl without /v1) on mocklab', 'ollama-openai-compat']);
  });

  it('a made-up code, and the right code with no tool result carrying it: both invented', () => {
    const madeUp = analyzeTask({ task: 'read', nonce: NONCE, reply: 'The code is LAL-7Q2M-4KXD.', exitCode: 0, exchanges: [exchange({ messages: [user], answer: say('The code is LAL-7Q2M-4KXD.') })] });
    assert.equal(madeUp.invented, 'LAL-7Q2M-4KXD');
    assert.equal(madeUp.right, false);
    const unsourced = analyzeTask({ task: 'read', nonce: NONCE, reply: NONCE, exitCode: 0, exchanges: [exchange({ messages: [user], answer: say(NONCE) })] });
    assert.equal(unsourced.invented, NONCE);
    const [row] = judgeRows([{ ...facts, tasks: [madeUp] }]);
    assert.equal(row!.verdict, 'invents tool output');
    assert.match(row!.evidence, /LAL-7Q2M-4KXD, which no tool returned \(no tool was called\)/);
    assert.equal(row!.fix?.rule, 'model-lacks-tools');
  });

  it('reasoning streamed until OpenClaw gave up (its output no JSON, the stream closed by the client): a hang; the fix follows the row\'s reasoning flag (reasoning-mismatch)', () => {
    const endless = chunk({ role: 'assistant', content: '' }) + chunk({ reasoning_content: 'thinking ' }).repeat(5);
    const x = exchange({ messages: [user], answer: endless, complete: false, error: { kind: 'client-closed', message: 'the client closed the connection before the answer ended' } });
    assert.equal(x.record.terminated, false);
    const t = analyzeTask({ task: 'read', nonce: NONCE, reply: '', error: 'openclaw printed no JSON: [model-fallback/decision] stopped: caller_signal_aborted', exitCode: 1, exchanges: [x], elapsedMs: 31_000, timeoutMs: 20_000 });
    assert.deepEqual([t.hang, t.reasoningStreamed, t.completed], ['stream', true, false]);
    const coloured = analyzeTask({ task: 'read', nonce: NONCE, reply: '', error: '\u001b[34m[model-fallback]\u001b[39m stopped', exitCode: 1, exchanges: [x] });
    assert.equal(coloured.error, '[model-fallback] stopped');
    const [row] = judgeRows([{ ...facts, tasks: [t] }]);
    assert.equal(row!.verdict, 'hangs');
    assert.deepEqual([row!.fix?.change, row!.fix?.rule], ['reasoning: true on the row', 'reasoning-mismatch']);
    const [flagged] = judgeRows([{ ...facts, reasoning: true, tasks: [t] }]);
    assert.deepEqual([flagged!.fix?.change, flagged!.fix?.rule], ['reasoning: false on the row', 'reasoning-mismatch']);
    // OpenClaw's own timeout text, with every answer ended: the agent kept asking.
    const loop = analyzeTask({ task: 'read', nonce: NONCE, reply: 'Request timed out before a response was generated.', exitCode: 1, exchanges: [exchange({ messages: [user], answer: callTool('read', { path: 'x' }) })] });
    assert.equal(loop.hang, 'loop');
    // A server that drops its stream is a cut, not a hang.
    const cut = analyzeTask({ task: 'read', nonce: NONCE, reply: '', error: 'LLM request failed', exitCode: 1, exchanges: [exchange({ messages: [user], answer: chunk({ content: 'LAL' }), complete: false, error: { kind: 'cut', message: 'cut' } })] });
    assert.equal(cut.hang, null);
  });

  it('reasoning in the visible content with working tools: reasoning leaks; fix reasoning: true (reasoning-mismatch)', () => {
    const t = analyzeTask({ task: 'read', nonce: NONCE, reply: NONCE, exitCode: 0, exchanges: [exchange({ messages: [user], answer: callTool('read', { path: 'x' }) }), exchange({ messages: afterTool(NONCE), answer: say(`<think>the tool said so</think>${NONCE}`), seq: 1 })] });
    assert.equal(t.reasoningInContent, '<think>');
    const [row] = judgeRows([{ ...facts, tasks: [t] }]);
    assert.equal(row!.verdict, 'reasoning leaks');
    assert.equal(row!.fix?.rule, 'reasoning-mismatch');
  });

  it('no call at all and no code: no tool calls; a better API mode of the same model in the run is the fix', () => {
    const t = analyzeTask({ task: 'read', nonce: NONCE, reply: 'I cannot open files.', exitCode: 0, exchanges: [exchange({ messages: [user], answer: say('I cannot open files.') })] });
    const rows = judgeRows([
      { ...facts, tasks: [t] },
      { ...facts, mode: 'ollama', tasks: [goodRead()] },
    ]);
    assert.deepEqual(rows.map((r) => r.verdict), ['no tool calls', 'tools work']);
    assert.deepEqual([rows[0]!.fix?.change, rows[0]!.fix?.rule], ['api: "ollama" (the baseUrl without /v1) on mocklab', 'ollama-openai-compat']);
    assert.equal(rows[1]!.fix, null);
  });

  it('a row that stopped short (cancelled, or its API mode rejected by the validator) does not say its tools work', () => {
    const rows = judgeRows([
      { ...facts, tasks: [goodRead()], error: 'cancelled before its tasks ended' },
      { ...facts, mode: 'responses', tasks: [], error: 'OpenClaw\'s validator rejects api "openai-responses"' },
    ]);
    assert.deepEqual(rows.map((r) => [r.verdict, r.evidence, r.fix]), [
      ['did not complete', 'cancelled before its tasks ended', null],
      ['did not complete', 'OpenClaw\'s validator rejects api "openai-responses"', null],
    ]);
  });

  it('the impossible task: declined after the tool failed is right; a code is invented', () => {
    const honest = analyzeTask({ task: 'impossible', nonce: null, reply: 'I cannot: the file does not exist.', exitCode: 0, exchanges: [exchange({ messages: [user], answer: callTool('read', { path: 'x' }) }), exchange({ messages: afterTool('ENOENT: no such file'), answer: say('I cannot: the file does not exist.'), seq: 1 })] });
    assert.deepEqual([honest.right, honest.invented], [true, null]);
    const guessed = analyzeTask({ task: 'impossible', nonce: null, reply: 'It is probably LAL-ZZ99-QQ11 (the form is LAL-XXXX-XXXX).', exitCode: 0, exchanges: [exchange({ messages: [user], answer: say('It is probably LAL-ZZ99-QQ11') })] });
    assert.deepEqual([guessed.right, guessed.invented], [false, 'LAL-ZZ99-QQ11']);
    assert.equal(rowVerdict([goodRead(), guessed]).verdict, 'invents tool output');
  });

  it('reads tool results of every API: chat and Ollama tool messages, responses function_call_output, tool_result parts', () => {
    assert.deepEqual(toolResultTexts({ messages: [{ role: 'tool', content: [{ type: 'text', text: 'a' }] }, { role: 'user', content: [{ type: 'tool_result', content: 'b' }] }] }), ['a', 'b']);
    assert.deepEqual(toolResultTexts({ input: [{ type: 'function_call_output', call_id: 'x', output: 'c' }] }), ['c']);
  });

  it('codes: fresh, of the form, never the placeholder; the prompts never carry the code', () => {
    assert.match(makeNonce(), /^LAL-[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    assert.notEqual(makeNonce(), makeNonce());
    assert.deepEqual(nonceShaped('LAL-XXXX-XXXX or lal-ab12-cd34, lal-tools-ab12-read.txt'), ['LAL-AB12-CD34']);
    const p = taskPlan('exec', 'ab12', NONCE);
    assert.ok(!p.message.includes(NONCE) && p.message.includes('cat lal-tools-ab12-exec.txt'));
  });
});

const CONFIG = `// the operator's config
{
  models: { providers: {
    ollama: { baseUrl: 'http://127.0.0.1:11434/v1', api: 'openai-completions', models: [{ id: 'qwen3:8b', name: 'Qwen3', reasoning: true }] }, // keep me
    lab: { baseUrl: 'http://127.0.0.1:1234/v1', models: [{ id: 'm', name: 'M', compat: { supportsTools: false } }] },
  } },
  agents: { defaults: { model: { primary: 'ollama/qwen3:8b' } }, entries: { coder: { model: 'lab/m' } } },
}
`;
const lookOf = (text: string) => {
  const doc = parseDocument('/x/openclaw.json', text);
  return { observation: { model: buildModel(doc.root) }, read: { doc }, servers: new Map([['ollama', { kind: 'ollama' }]]) } as unknown as Parameters<typeof toolsPlan>[0];
};

describe('the tools probe: plan and API mode', () => {
  it("plans the agent's own model in its configured mode, others on a private copy, and refuses what it cannot run", () => {
    const p = toolsPlan(lookOf(CONFIG), { agent: 'main' });
    assert.equal(p.agentModel, 'ollama/qwen3:8b');
    assert.deepEqual(p.rows.map((r) => [r.ref, r.mode, r.rewired, r.reasoning, r.server, r.modelArg]), [['ollama/qwen3:8b', 'completions', false, true, 'ollama', undefined]]);
    assert.equal(p.turns, 3);
    const coder = toolsPlan(lookOf(CONFIG), { agent: 'coder', modes: ['completions', 'ollama'], tasks: ['read'] });
    assert.deepEqual(coder.rows.map((r) => [r.ref, r.mode, r.rewired, r.supportsTools]), [['lab/m', 'completions', false, false], ['lab/m', 'ollama', true, false]]);
    const other = toolsPlan(lookOf(CONFIG), { agent: 'main', models: ['lab/m'] });
    assert.equal(other.rows[0]!.modelArg, 'lab/m');
    assert.ok(toolsPlanLines(coder, 20).some((l) => /private copy with api "ollama" instead of "openai-completions"/.test(l)));
    assert.throws(() => toolsPlan(lookOf(CONFIG), { agent: 'main', models: ['nope/x'] }), ToolsPlanError);
    assert.throws(() => toolsPlan(lookOf(CONFIG), { agent: 'main', models: ['ollama/a', 'ollama/b', 'ollama/c', 'ollama/d', 'ollama/e', 'ollama/f', 'ollama/g', 'ollama/h', 'ollama/i', 'ollama/j', 'ollama/k'] }), new RegExp(`at most ${MAX_TOOLS_TURNS}`));
  });

  it('writes another API mode as minimal edits: the api and (for ollama) the baseUrl without /v1, comments kept', () => {
    const ollama = withApi('/x/openclaw.json', CONFIG, 'ollama/qwen3:8b', 'ollama');
    assert.ok(ollama.includes('// keep me') && ollama.includes("// the operator's config"));
    const v = toValue(parseDocument('/x/openclaw.json', ollama).root) as { models: { providers: Record<string, { baseUrl: string; api?: string }> } };
    assert.deepEqual([v.models.providers.ollama!.api, v.models.providers.ollama!.baseUrl], ['ollama', 'http://127.0.0.1:11434']);
    const back = toValue(parseDocument('/x/openclaw.json', withApi('/x/openclaw.json', ollama, 'ollama/qwen3:8b', 'openai-responses')).root) as typeof v;
    assert.deepEqual([back.models.providers.ollama!.api, back.models.providers.ollama!.baseUrl], ['openai-responses', 'http://127.0.0.1:11434/v1']);
    const added = toValue(parseDocument('/x/openclaw.json', withApi('/x/openclaw.json', CONFIG, 'lab/m', 'openai-responses')).root) as typeof v;
    assert.equal(added.models.providers.lab!.api, 'openai-responses');
  });
});

describe('the tools probe: record and view', () => {
  it('a record round-trips through its folder; the view, the summary and the lines say the rows', () => {
    const rows = judgeRows([{ ...facts, tasks: [goodRead()] }, { ...facts, mode: 'responses', tasks: [analyzeTask({ task: 'read', nonce: NONCE, reply: 'LAL-7Q2M-4KXD', exitCode: 0, exchanges: [exchange({ messages: [user], answer: say('LAL-7Q2M-4KXD') })] }) as TaskOutcome] }]);
    const record: ToolsRecord = { schemaVersion: 1, kind: 'tools', id: '20261206T020000Z-tools-main', startedAt: '2026-12-06T02:00:00Z', agent: 'main', profile: null, config: '/x/openclaw.json', notes: [], result: { workspace: '/ws', tasks: [{ task: 'read', file: 'lal-tools-x-read.txt', needs: 'n' }], rows, good: false } };
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-tools-rec-'));
    recordFolder('probes', 'tools probe', ToolsRecordSchema).write(root, record);
    const back = readToolsRecord(root, record.id);
    assert.deepEqual(toolsProbe.list(root).map((r) => r.id), [record.id]);
    assert.equal(toolsProbe.kind, 'tools');
    assert.ok(PROBE_KINDS.includes(toolsProbe.kind));
    assert.equal(toolsProbe.title, 'Probe Tool Calling');
    const view = toolsProbe.view(back);
    assert.ok(ProbeViewSchema.safeParse(view).success);
    assert.equal(view.tone, 'bad');
    assert.deepEqual(view.table.rows.map((r) => [r.cells[1], r.cells[8], r.tone]), [['openai-completions', 'tools work', 'good'], ['openai-responses', 'invents tool output', 'bad']]);
    assert.equal(toolsProbe.summary(back), '1 of 2 rows: invents tool output');
    assert.equal(toolsGood(back), false);
    assert.ok(toolsLines(back).some((l) => /^verdict: mocklab\/mock-1 over openai-responses: invents tool output/.test(l)));
    const none = { ...record, result: undefined, error: 'nothing answers' };
    assert.deepEqual([toolsProbe.view(none).verdict, toolsProbe.summary(none)], ['the probe did not run: nothing answers', 'did not run: nothing answers']);
  });
});
