import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { needsOpenclaw } from '../support/needs.js';
import { isolatedEnv } from '../support/openclaw.js';
import { runCli } from '../support/cli.js';
import { keepProbeFixture } from '../support/probeFixtures.js';
import { startServer, type Route, type ScriptedServer } from '../support/scriptedServer.js';
import { fillProbe } from '../../src/core/lab/probes/fill.js';

/**
 * `probe fill` through the real OpenClaw 2026.9.6 against three scripted servers on loopback that speak the
 * documented shapes (reference runtimes.md): a well-behaved vLLM whose usage is the request's size, with a registered
 * C small enough that OpenClaw compacts within a few turns; an Ollama at its default 4096 that counts at most 4096
 * prompt tokens and answers from what fits, without an error (openclaw#81878); and a server whose usage is always 0
 * (openclaw#120356).
 */
const { exe, skip } = needsOpenclaw();
const servers: ScriptedServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

type Msg = { role: string; content: unknown };
const textOf = (m: Msg) => (typeof m.content === 'string' ? m.content : Array.isArray(m.content) ? m.content.map((p: { text?: string }) => p.text ?? '').join('') : '');
const CODEWORD = /LAL-MARK-[A-Z]+-\d+/;
const SUMMARY = ['## Decisions', '- none', '## Open TODOs', '- none', '## Constraints/Rules', '- none', '## Pending user asks', '- none', '## Exact identifiers'];

/** What a scripted model answers from the messages it read: a summary keeping every identifier, the codeword, or a short note. */
function answer(msgs: Msg[]): string {
  const system = msgs.filter((m) => m.role === 'system').map(textOf).join('\n');
  const rest = msgs.filter((m) => m.role !== 'system').map(textOf).join('\n');
  if (/context summarization assistant/.test(system) || /<conversation>/.test(rest)) return [...SUMMARY, `- ${CODEWORD.exec(rest)?.[0] ?? 'none'}`].join('\n');
  if (/What is the codeword/.test(rest)) return CODEWORD.exec(rest)?.[0] ?? 'I do not know the codeword.';
  return 'Noted.';
}

/** vLLM's OpenAI-compatible shapes (runtimes.md §6): max_model_len on /v1/models; over it, vLLM's 400. */
function vllm(maxModelLen: number, usage: (size: number) => number): Record<string, Route | { json: unknown } | { text: string }> {
  return {
    '/health': { text: '' },
    '/v1/models': { json: { object: 'list', data: [{ id: 'mock-1', object: 'model', created: 1760000000, owned_by: 'vllm', root: 'mock-1', parent: null, max_model_len: maxModelLen, permission: [] }] } },
    'POST /v1/chat/completions': (req) => {
      const size = Math.ceil(Buffer.byteLength(JSON.stringify(req.body)) / 4);
      if (size > maxModelLen) {
        const message = `This model's maximum context length is ${maxModelLen} tokens. However, you requested ${size} tokens in the messages. Please reduce the length of the messages.`;
        return { chat: { error: { status: 400, body: { object: 'error', message, type: 'BadRequestError', param: null, code: 400 } } } };
      }
      const n = usage(size);
      return { chat: { reply: answer((req.body as { messages?: Msg[] }).messages ?? []), usage: { prompt_tokens: n, completion_tokens: n ? 8 : 0, total_tokens: n ? n + 8 : 0 } } };
    },
  };
}

/**
 * Ollama's native shapes (runtimes.md §4, §7) at its default num_ctx 4096: a prompt over it is cut as Ollama cuts
 * one (the system messages and the last message kept, then the tail), prompt_eval_count is what was read, no error.
 */
function truncatingOllama(numCtx: number): Record<string, Route | { json: unknown } | { text: string }> {
  const model = 'qwen3:8b';
  return {
    '/': { text: 'Ollama is running' },
    '/api/version': { json: { version: '0.12.3' } },
    '/api/tags': { json: { models: [{ name: model, model, size: 5225388164, details: { parameter_size: '8.2B', context_length: 131072 } }] } },
    'POST /api/show': { json: { parameters: 'temperature 0.6', model_info: { 'general.architecture': 'qwen3', 'qwen3.context_length': 131072 }, capabilities: ['completion', 'tools'] } },
    '/api/ps': { json: { models: [{ name: model, model, size: 6591830464, digest: 'c6eb396d', details: { format: 'gguf', family: 'qwen3', parameter_size: '8.2B', quantization_level: 'Q4_K_M' }, expires_at: '2026-12-06T16:47:07.93355Z', size_vram: 5333539264, context_length: numCtx }] } },
    'POST /api/chat': (req) => {
      const body = req.body as { messages?: Msg[] };
      const msgs = body.messages ?? [];
      const size = Math.ceil(Buffer.byteLength(JSON.stringify(body)) / 4);
      const fits = size <= numCtx;
      const seen = fits ? msgs : [...msgs.filter((m) => m.role === 'system'), ...msgs.filter((m) => m.role !== 'system').slice(-1)];
      const reply = answer(seen.map((m) => ({ ...m, content: textOf(m).slice(-numCtx * 4) })));
      const at = '2026-12-06T02:00:00.000Z';
      const lines = [
        { model, created_at: at, message: { role: 'assistant', content: reply }, done: false },
        { model, created_at: at, message: { role: 'assistant', content: '' }, done: true, done_reason: 'stop', total_duration: 900000000, load_duration: 1000000, prompt_eval_count: Math.min(size, numCtx), prompt_eval_duration: 500000000, eval_count: 4, eval_duration: 40000000 },
      ];
      return { text: lines.map((l) => JSON.stringify(l)).join('\n') + '\n' };
    },
  };
}

async function probe(routes: Parameters<typeof startServer>[0], provider: object, primary: string, args: string[]) {
  const s = await startServer(routes);
  servers.push(s);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-fill-'));
  const config = path.join(dir, 'openclaw.json');
  const [pid] = primary.split('/');
  fs.writeFileSync(config, JSON.stringify({
    models: { mode: 'merge', providers: { [pid!]: { ...provider, baseUrl: (provider as { baseUrl: string }).baseUrl.replace('PORT', String(s.port)) } } },
    agents: { defaults: { model: { primary }, workspace: path.join(dir, 'ws'), skipBootstrap: true, compaction: { mode: 'default', keepRecentTokens: 1, recentTurnsPreserve: 0, timeoutSeconds: 60, memoryFlush: { enabled: false } } } },
  }));
  const lab = path.join(dir, '.local-ai-lab');
  const r = await runCli(['probe', 'fill', '--config', config, '--openclaw', exe!, '--dir', lab, '--timeout', '90', '--json', ...args], { env: isolatedEnv() });
  let out;
  try {
    out = JSON.parse(r.stdout);
  } catch {
    assert.fail(`no JSON on stdout (exit ${r.status}): ${r.stderr.slice(-3000)}`);
  }
  return { r, out, lab };
}

const mock = (contextWindow: number) => ({ baseUrl: 'http://127.0.0.1:PORT/v1', apiKey: 'sk-mock-local', api: 'openai-completions', models: [{ id: 'mock-1', name: 'Mock One', contextWindow, maxTokens: 1024 }] });

describe('probe fill through the real OpenClaw 2026.9.6 and scripted servers', { skip }, () => {
  it('a well-behaved vLLM (usage = what was sent) and C 32,768: compaction before the limit, the codeword kept (exit 0)', async () => {
    const { r, out, lab } = await probe(vllm(40960, (n) => n), mock(32768), 'mocklab/mock-1', ['--step', '9000', '--max-turns', '6']);
    const res = out.result;
    assert.equal(res.verdict, 'compaction before the limit', r.stderr.slice(-3000) + JSON.stringify(res, null, 1));
    assert.equal(r.status, 0, r.stderr.slice(-2000));
    assert.deepEqual([res.registered.contextTokens, res.registered.compactAt, res.server.context], [32768, 24576, 40960]);
    assert.equal(res.codewordSurvived, true);
    assert.equal(res.turns.at(-1).what, 'recall');
    // Recorded for the Lab panel: the curve has the three levels and the compaction mark.
    const view = fillProbe.view(fillProbe.read(lab, out.id));
    assert.deepEqual(view.curve!.levels.map((l) => l.y), [32768, 24576, 40960]);
    assert.deepEqual(view.curve!.marks.map((m) => m.label), ['compaction']);
    assert.equal(view.tone, 'good');
    keepProbeFixture(lab, 'fill-compaction');
  });

  it('an Ollama at num_ctx 4096 that counts 4,096 of a longer prompt without an error, C 131,072: silent truncation (exit 1)', async () => {
    const ollama = { baseUrl: 'http://127.0.0.1:PORT', apiKey: 'ollama-local', api: 'ollama', models: [{ id: 'qwen3:8b', name: 'Qwen3 8B', contextWindow: 131072, maxTokens: 1024 }] };
    const { r, out, lab } = await probe(truncatingOllama(4096), ollama, 'ollama/qwen3:8b', ['--step', '2000']);
    const res = out.result;
    assert.equal(res.verdict, 'silent truncation', r.stderr.slice(-3000) + JSON.stringify(res, null, 1));
    assert.equal(r.status, 1);
    assert.deepEqual([res.registered.contextTokens, res.server.context], [131072, 4096]);
    assert.match(res.server.source, /api\/ps/);
    const prompts = res.requests.filter((q: { summary: boolean }) => !q.summary);
    assert.ok(prompts.every((q: { reported: number; sentTokens: number }) => q.reported <= 4096 && q.sentTokens > 4096), JSON.stringify(prompts));
    assert.ok(prompts.every((q: { requestedContext: number | null }) => q.requestedContext === null), 'OpenClaw sent no num_ctx');
    assert.ok(prompts.at(-1).sentTokens > prompts[0].sentTokens, 'the request grew while the count stood at 4,096');
    assert.deepEqual(res.turns.map((t: { what: string }) => t.what), ['plant', 'recall'], 'cut at the first turn: no growth needed');
    assert.equal(res.codewordSurvived, false, 'the codeword was cut with the history');
    keepProbeFixture(lab, 'fill-silent-truncation');
  });

  it('a server whose usage is always 0: meter reads 0 (exit 1)', async () => {
    const { r, out } = await probe(vllm(40960, () => 0), mock(32768), 'mocklab/mock-1', ['--step', '2000']);
    assert.equal(out.result.verdict, 'meter reads 0', r.stderr.slice(-3000) + JSON.stringify(out.result, null, 1));
    assert.equal(r.status, 1);
    assert.deepEqual(out.result.turns.map((t: { what: string }) => t.what), ['plant', 'recall'], 'no growth once the meter reads 0: the verdict cannot change');
  });
});
