import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { BODY_CAP, classifyPath, firstChangedMessage, parseExchange } from '../../src/core/lab/wire/parse.js';
import { openWireLog, readWire, wireFile, WireRecordSchema, type WireRecord } from '../../src/core/lab/wire/schema.js';

/*
 * parse.ts from bytes alone: the documented shapes of each server (../shared/reference/runtimes.md), fed
 * whole and in pieces, and the wire.jsonl log. Self-contained.
 */

const SSE = { 'content-type': 'text/event-stream' };
const NDJSON = { 'content-type': 'application/x-ndjson' };
const JSON_CT = { 'content-type': 'application/json' };
const data = (o: unknown) => `data: ${JSON.stringify(o)}\n\n`;
const chunk = (delta: unknown, finish: string | null = null) => data({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] });
const chatReq = (over: Record<string, unknown> = {}) => JSON.stringify({ model: 'm', stream: true, messages: [{ role: 'user', content: 'hi' }], ...over });

/** Splits a body into pieces of `size` bytes, each arriving 1 ms after the previous. */
function pieces(body: string, size: number) {
  const b = Buffer.from(body);
  const out: { bytes: Uint8Array; atMs: number }[] = [];
  for (let i = 0; i < b.length; i += size) out.push({ bytes: b.subarray(i, i + size), atMs: 10 + out.length });
  return out;
}

/** The record without what depends on arrival times. */
const timeless = (r: WireRecord) => ({ ...r, ttfbMs: 0, firstTokenMs: r.firstTokenMs === null ? null : 0, endMs: 0 });

describe('wire parse: streams read the same whatever their chunking', () => {
  const body =
    ': keepalive 10/100\n\n' +
    chunk({ role: 'assistant', content: '' }) +
    chunk({ content: 'Café ✓ ' }) +
    chunk({ content: '<think>x</think>' }) +
    chunk({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'read', arguments: '{"p' } }] }) +
    chunk({ tool_calls: [{ index: 0, function: { arguments: 'ath":"a"}' } }] }) +
    chunk({}, 'tool_calls') +
    data({ choices: [], usage: { prompt_tokens: 75, completion_tokens: 31, prompt_tokens_details: { cached_tokens: 64 } } }) +
    'data: [DONE]\n\n';

  it('whole, byte by byte (UTF-8 split mid-character), and with CRLF line ends', () => {
    const whole = parseExchange({ path: '/v1/chat/completions', requestBody: chatReq(), status: 200, headers: SSE, response: body }).record;
    const bytewise = parseExchange({ path: '/v1/chat/completions', requestBody: chatReq(), status: 200, headers: SSE, response: pieces(body, 1) }).record;
    const crlf = parseExchange({ path: '/v1/chat/completions', requestBody: chatReq(), status: 200, headers: SSE, response: pieces(body.replace(/\n/g, '\r\n'), 7) }).record;
    assert.deepEqual(whole.toolCalls, ['read']);
    assert.equal(whole.reasoningInContent, '<think>');
    assert.deepEqual([whole.promptTokens, whole.cachedTokens, whole.completionTokens], [75, 64, 31]);
    assert.equal(whole.terminated, true);
    assert.equal(whole.finishReason, 'tool_calls');
    assert.deepEqual(timeless(bytewise), timeless(whole));
    assert.deepEqual({ ...timeless(crlf), responseBytes: 0, responseSha256: '' }, { ...timeless(whole), responseBytes: 0, responseSha256: '' });
  });

  it('the first token is the first content (not the role-only chunk or a keep-alive comment)', () => {
    const r = parseExchange({ path: '/v1/chat/completions', requestBody: chatReq(), status: 200, headers: SSE, response: pieces(body, 1) }).record;
    // Byte i arrives at 10 + i ms; the event with the first content is read when its blank line arrives.
    const bytes = Buffer.from(body);
    const eventEnd = bytes.indexOf('\n\n', bytes.indexOf('Caf')) + 1;
    assert.equal(r.firstTokenMs, 10 + eventEnd);
  });
});

describe('wire parse: counts as each server reports them', () => {
  it('llama.cpp timings without usage: prompt = prompt_n + cache_n, cached = cache_n, server phases in ms', () => {
    const tail = chunk({ content: 'ok' }) + data({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], timings: { cache_n: 1000, prompt_n: 75, prompt_ms: 180.025, predicted_n: 31, predicted_ms: 875.429 } }) + 'data: [DONE]\n\n';
    const r = parseExchange({ path: '/v1/chat/completions', requestBody: chatReq(), status: 200, headers: SSE, response: tail }).record;
    assert.deepEqual([r.promptTokens, r.cachedTokens, r.completionTokens], [1075, 1000, 31]);
    assert.deepEqual([r.serverPrefillMs, r.serverGenerationMs], [180.03, 875.43]);
  });

  it('LM Studio /api/v0 non-streamed: usage, stats (seconds) and the served context from model_info', () => {
    const answer = JSON.stringify({
      id: 'chatcmpl-x', object: 'chat.completion', created: 1, model: 'qwen2.5-7b-instruct',
      choices: [{ index: 0, logprobs: null, finish_reason: 'stop', message: { role: 'assistant', content: 'Hi' } }],
      usage: { prompt_tokens: 24, completion_tokens: 53, total_tokens: 77 },
      stats: { tokens_per_second: 51.43, time_to_first_token: 0.111, generation_time: 0.954, stop_reason: 'eosFound' },
      model_info: { arch: 'qwen2', quant: 'Q4_K_M', format: 'gguf', context_length: 4096 },
      runtime: { name: 'llama.cpp-mac-arm64-apple-metal-advsimd', version: '1.3.0', supported_formats: ['gguf'] },
    });
    const r = parseExchange({ path: '/api/v0/chat/completions', requestBody: chatReq({ stream: false }), status: 200, headers: JSON_CT, response: answer }).record;
    assert.equal(r.api, 'chat');
    assert.deepEqual([r.promptTokens, r.completionTokens, r.finishReason, r.servedContext], [24, 53, 'stop', 4096]);
    assert.deepEqual([r.serverPrefillMs, r.serverGenerationMs], [111, 954]);
    assert.equal(r.stream, false);
  });

  it('LM Studio /api/v1/chat SSE: named events, tool calls, stats from chat.end', () => {
    const ev = (name: string, o: object) => `event: ${name}\ndata: ${JSON.stringify({ type: name, ...o })}\n\n`;
    const body =
      ev('chat.start', { model_instance_id: 'openai/gpt-oss-20b' }) +
      ev('model_load.end', { model_instance_id: 'openai/gpt-oss-20b', load_time_seconds: 12.34 }) +
      ev('prompt_processing.progress', { progress: 0.5 }) +
      ev('reasoning.delta', { content: 'Need to' }) +
      ev('tool_call.start', { tool: 'model_search' }) +
      ev('message.delta', { content: 'The current' }) +
      ev('chat.end', { result: { model_instance_id: 'openai/gpt-oss-20b', output: [{ type: 'tool_call', tool: 'model_search' }, { type: 'message', content: 'The current' }], stats: { input_tokens: 329, total_output_tokens: 268, reasoning_output_tokens: 5, tokens_per_second: 43.73, time_to_first_token_seconds: 0.781 } } });
    const r = parseExchange({ path: '/api/v1/chat', requestBody: JSON.stringify({ model: 'openai/gpt-oss-20b', input: 'hi', stream: true, context_length: 8192 }), status: 200, headers: SSE, response: pieces(body, 13) }).record;
    assert.equal(r.api, 'lmstudio-chat');
    assert.deepEqual(r.toolCalls, ['model_search'], 'the tool call is counted once, not again from chat.end');
    assert.deepEqual([r.promptTokens, r.completionTokens, r.serverPrefillMs, r.loadMs, r.requestedContext], [329, 268, 781, 12340, 8192]);
    assert.equal(r.terminated, true);
    assert.equal(r.messages, 1);
  });

  it('OpenAI responses API SSE: text and function-call events, usage from response.completed', () => {
    const body =
      data({ type: 'response.created', response: { id: 'resp_1', status: 'in_progress' } }) +
      data({ type: 'response.output_item.added', output_index: 0, item: { id: 'fc_1', type: 'function_call', name: 'read', arguments: '' } }) +
      data({ type: 'response.function_call_arguments.delta', output_index: 0, delta: '{"path":"a"}' }) +
      data({ type: 'response.output_text.delta', output_index: 1, delta: 'Reading.' }) +
      data({ type: 'response.completed', response: { id: 'resp_1', status: 'completed', output: [{ id: 'fc_1', type: 'function_call', name: 'read' }], usage: { input_tokens: 500, output_tokens: 20, input_tokens_details: { cached_tokens: 256 } } } });
    const req = JSON.stringify({ model: 'gpt-oss-20b', stream: true, instructions: 'You are a coding agent.', input: [{ role: 'user', content: 'Read a.' }], tools: [{ type: 'function', name: 'read' }] });
    const r = parseExchange({ path: '/v1/responses', requestBody: req, status: 200, headers: SSE, response: body }).record;
    assert.equal(r.api, 'responses');
    assert.deepEqual(r.toolCalls, ['read']);
    assert.deepEqual([r.promptTokens, r.cachedTokens, r.completionTokens, r.finishReason], [500, 256, 20, 'completed']);
    assert.equal(r.terminated, true);
    assert.deepEqual([r.messages, r.tools], [2, 1], 'instructions count as the first message');
  });

  it('Ollama /api/generate stream with <think> in the text; and a non-streamed /api/chat', () => {
    const lines = [
      { model: 'qwen3', response: '<think>', done: false },
      { model: 'qwen3', response: 'hmm</think>Blue.', done: false },
      { model: 'qwen3', response: '', done: true, done_reason: 'stop', prompt_eval_count: 12, eval_count: 40, prompt_eval_duration: 1_000_000, eval_duration: 2_000_000 },
    ].map((o) => JSON.stringify(o) + '\n').join('');
    const g = parseExchange({ path: '/api/generate', requestBody: JSON.stringify({ model: 'qwen3', prompt: 'why?' }), status: 200, headers: NDJSON, response: pieces(lines, 5) }).record;
    assert.equal(g.api, 'ollama-generate');
    assert.deepEqual([g.stream, g.terminated, g.reasoningInContent, g.promptTokens, g.completionTokens, g.messages], [true, true, '<think>', 12, 40, null]);

    const whole = JSON.stringify({ model: 'llama3.2', message: { role: 'assistant', content: '', tool_calls: [{ function: { name: 'get_weather', arguments: { city: 'Paris' } } }] }, done: true, done_reason: 'stop', prompt_eval_count: 30, eval_count: 9 });
    const c = parseExchange({ path: '/api/chat', requestBody: JSON.stringify({ model: 'llama3.2', stream: false, messages: [{ role: 'user', content: 'weather?' }] }), status: 200, headers: { 'content-type': 'application/json; charset=utf-8' }, response: whole }).record;
    assert.deepEqual([c.stream, c.terminated, c.firstTokenMs, c.promptTokens, c.completionTokens], [false, true, null, 30, 9]);
    assert.deepEqual(c.toolCalls, ['get_weather']);
  });
});

describe('wire parse: how an answer ended', () => {
  it('an SSE stream cut mid-event: not terminated, the half event not read', () => {
    const body = chunk({ content: 'Hel' }) + 'data: {"choices":[{"index":0,"delta":{},"finish_reason":"st';
    const r = parseExchange({ path: '/v1/chat/completions', requestBody: chatReq(), status: 200, headers: SSE, response: body, complete: false }).record;
    assert.equal(r.terminated, false);
    assert.equal(r.finishReason, null);
    assert.equal(r.error?.kind, 'cut');
  });

  it('an NDJSON stream that ends without done: true is not terminated', () => {
    const r = parseExchange({ path: '/api/chat', requestBody: '{"model":"m","messages":[]}', status: 200, headers: NDJSON, response: '{"message":{"content":"a"},"done":false}\n' }).record;
    assert.equal(r.terminated, false);
  });

  it('an SSE stream with neither [DONE] nor a finish reason is not terminated, even when the body ended', () => {
    const r = parseExchange({ path: '/v1/chat/completions', requestBody: chatReq(), status: 200, headers: SSE, response: chunk({ content: 'a' }) }).record;
    assert.equal(r.terminated, false);
  });

  it('context refusals of llama.cpp and vLLM are named; another error is not one', () => {
    const llama = parseExchange({ path: '/v1/chat/completions', status: 400, headers: JSON_CT, response: JSON.stringify({ error: { code: 400, message: 'the request exceeds the available context size, try increasing it', type: 'exceed_context_size_error' } }) }).record;
    const vllm = parseExchange({ path: '/v1/chat/completions', status: 400, headers: JSON_CT, response: JSON.stringify({ object: 'error', message: "This model's maximum context length is 32768 tokens. However, you requested 40000 tokens.", type: 'BadRequestError', code: 400 }) }).record;
    const other = parseExchange({ path: '/v1/chat/completions', status: 404, headers: { 'content-type': 'text/plain' }, response: 'model "nope" not found' }).record;
    assert.deepEqual([llama.contextRefused, vllm.contextRefused, other.contextRefused], [true, true, false]);
    assert.equal(other.serverError, 'model "nope" not found');
  });
});

describe('wire parse: what a request is', () => {
  const sys = (content: string) => ({ role: 'system', content });
  const user = (content: string) => ({ role: 'user', content });
  const req = (messages: unknown[], path = '/v1/chat/completions') => parseExchange({ path, requestBody: JSON.stringify({ model: 'm', messages }), status: 200, headers: JSON_CT, response: '{}' }).record;

  it('summary requests: the system prompt, or the <conversation> instruction with the safeguard or turn-prefix headings', () => {
    const headings = '## Decisions\n## Open TODOs\n## Constraints/Rules\n## Pending user asks\n## Exact identifiers';
    assert.equal(req([sys('You are a context summarization assistant. Do NOT continue the conversation.'), user('<conversation>x</conversation>')]).summary, true);
    assert.equal(req([user(`<conversation>\n[User]: x\n</conversation>\n\nUse exactly these headings:\n${headings}`)]).summary, true);
    assert.equal(req([user('<conversation>\nx\n</conversation>\n\nThis is the PREFIX of a turn that was too large to keep. The SUFFIX (recent work) is retained.\n## Original Request\n## Early Progress\n## Context for Suffix')]).summary, true);
    assert.equal(req([sys('You are a coding agent.'), user(`The conversation history before this point was compacted into the following summary:\n\n<summary>${headings}</summary>`)]).summary, false);
    assert.equal(req([sys('You are a coding agent.'), user('Read the notes.')]).summary, false);
    const responses = parseExchange({ path: '/v1/responses', requestBody: JSON.stringify({ model: 'm', instructions: 'You are a context summarization assistant.', input: '<conversation>x</conversation>' }), status: 200, headers: JSON_CT, response: '{}' }).record;
    assert.equal(responses.summary, true);
  });

  it("OpenClaw's pre-compaction memory flush turn is marked, and is not a summary", () => {
    const r = req([sys('You are a coding agent.'), user('Pre-compaction memory flush. Store durable memories only in memory/2026-12-05.md (create memory/ if needed).')]);
    assert.deepEqual([r.memoryFlush, r.summary], [true, false]);
    assert.equal(req([sys('a'), user('Pre-compaction memory flush. …'), { role: 'assistant', content: 'NO_REPLY' }, user('Go on.')]).memoryFlush, false, 'only the turn that asks it');
    assert.equal(req([sys('You are a coding agent.\n\nPre-compaction memory flush turn. The session is near auto-compaction.'), user('Store what matters.')]).memoryFlush, true, 'by the system prompt OpenClaw adds for that turn');
  });

  it('tool calls as text: harmony commentary, a JSON call block, <|tool_call|>; harmony analysis is reasoning', () => {
    const content = (text: string) => parseExchange({ path: '/v1/chat/completions', requestBody: chatReq(), status: 200, headers: SSE, response: chunk({ content: text }) + chunk({}, 'stop') }).record;
    assert.equal(content('<|channel|>commentary to=functions.read <|constrain|>json<|message|>{"path":"a"}').toolCallsAsText, '<|channel|>commentary to=');
    assert.equal(content('```json\n{"name": "read", "arguments": {"path": "a"}}\n```').toolCallsAsText, '{"name":…,"arguments":…}');
    assert.equal(content('<|tool_call|>read(a)').toolCallsAsText, '<|tool_call|>');
    assert.equal(content('<|channel|>analysis<|message|>User wants a.').reasoningInContent, '<|channel|>analysis');
    const clean = content('The file says {"name": "x"} and nothing more.');
    assert.deepEqual([clean.toolCallsAsText, clean.reasoningInContent], [null, null]);
  });

  it('firstChangedMessage: appended, repeated, rewritten, shortened; null without a previous request', () => {
    const a = ['h0', 'h1'];
    assert.equal(firstChangedMessage(undefined, a), null);
    assert.equal(firstChangedMessage(a, null), null);
    assert.equal(firstChangedMessage(a, ['h0', 'h1', 'h2']), 2);
    assert.equal(firstChangedMessage(a, ['h0', 'h1']), 2);
    assert.equal(firstChangedMessage(a, ['h0', 'hX', 'h2']), 1);
    assert.equal(firstChangedMessage(['h0', 'h1', 'h2'], ['h0']), 1);
  });

  it('message hashes follow role, content and tool calls, not keys that never reach the template', () => {
    const base = [sys('s'), { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'read', arguments: '{}' } }] }];
    const h = (messages: unknown[]) => parseExchange({ path: '/v1/chat/completions', requestBody: JSON.stringify({ model: 'm', messages }), status: 200, response: '{}' }).messageHashes!;
    const first = h(base);
    assert.deepEqual(h([sys('s'), { ...base[1]!, extra_client_field: 1 }]), first);
    assert.notEqual(h([sys('s'), { ...base[1]!, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'read', arguments: '{"p":1}' } }] }])[1], first[1]);
    assert.notEqual(h([{ role: 'developer', content: 's' }, base[1]])[0], first[0]);
  });

  it('paths: each API by its path, wherever the server mounts it', () => {
    assert.deepEqual(
      ['/v1/chat/completions', '/api/v0/chat/completions', '/v1/responses', '/v1/completions', '/api/chat', '/api/generate', '/api/v1/chat', '/api/v1/models/load', '/api/v1/models/unload', '/api/v1/models', '/api/v0/models/qwen', '/v1/models', '/health', '/props'].map(classifyPath),
      ['chat', 'chat', 'responses', 'completions', 'ollama-chat', 'ollama-generate', 'lmstudio-chat', 'lmstudio-load', 'lmstudio-unload', 'lmstudio-rest', 'lmstudio-rest', 'models', 'other', 'other'],
    );
  });

  it('over the caps: a request body is not read but still sized; an over-long SSE line is skipped and the stream read on', () => {
    const huge = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x'.repeat(BODY_CAP) }] });
    const r = parseExchange({ path: '/v1/chat/completions', requestBody: huge, status: 200, headers: JSON_CT, response: '{}' }).record;
    assert.deepEqual([r.model, r.messages, r.requestBytes, r.capped], [null, null, Buffer.byteLength(huge), ['request']]);
    const long = 'data: ' + JSON.stringify({ choices: [{ index: 0, delta: { content: 'y'.repeat(BODY_CAP) } }] }) + '\n\n';
    const s = parseExchange({ path: '/v1/chat/completions', requestBody: chatReq(), status: 200, headers: SSE, response: pieces(long + chunk({ content: 'z' }, 'stop') + 'data: [DONE]\n\n', 1 << 20) }).record;
    assert.deepEqual([s.terminated, s.finishReason, s.capped], [true, 'stop', ['response']]);
  });
});

describe('wire.jsonl', () => {
  const record = (seq: number, startedAt: string): WireRecord =>
    parseExchange({ seq, startedAt, path: '/v1/chat/completions', requestBody: chatReq(), status: 200, headers: SSE, response: chunk({ content: 'a' }, 'stop') + 'data: [DONE]\n\n' }).record;

  it('appends flushed records, keeps them across a torn last line, reads them back in arrival order', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-wire-'));
    try {
      const id = '20261205T120000Z-wire-test-abcd';
      const log = openWireLog(root, id);
      log.append(record(1, '2026-12-05T12:00:01.000Z'));
      log.append(record(0, '2026-12-05T12:00:00.000Z'));
      await log.flush();
      assert.deepEqual(readWire(root, id).records.map((r) => r.seq), [0, 1], 'on disk once flush resolves');
      await log.close();
      assert.throws(() => log.append(record(9, '2026-12-05T12:00:09.000Z')), /closed/);
      // A kill in the middle of a write.
      fs.appendFileSync(wireFile(root, id), '{"schemaVersion":1,"seq":2,"pa');
      const again = openWireLog(root, id);
      again.append(record(3, '2026-12-05T12:00:03.000Z'));
      await again.close();
      fs.appendFileSync(wireFile(root, id), JSON.stringify({ ...record(4, '2026-12-05T12:00:04.000Z'), schemaVersion: 2 }) + '\n');
      const { records, skippedLines } = readWire(root, id);
      assert.deepEqual(records.map((r) => r.seq), [0, 1, 3]);
      assert.equal(skippedLines, 2, 'the torn line and the record of an unknown schema');
      assert.ok(records.every((r) => WireRecordSchema.safeParse(r).success));
      assert.deepEqual(readWire(root, '20261205T120000Z-none-0000'), { records: [], skippedLines: 0 });
      assert.throws(() => openWireLog(root, '../escape'), /not a lab session id/);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
