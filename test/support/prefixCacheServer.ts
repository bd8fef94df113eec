import { serveLoopback, type LoopbackServer } from './scriptedServer.js';

/**
 * A scripted llama.cpp `llama-server` with one slot and an honest prefix cache, on loopback: each chat request is
 * rendered as a ChatML prompt (system text, then the tool list inside the system turn as Qwen's template puts it,
 * then each message), its tokens approximated at 4 characters each, and `cache_n` is the common prefix with the
 * previous prompt the slot processed (summary requests included: one slot), at least one token re-evaluated. The
 * answer is a streamed chat completion whose last chunk carries `usage` (with `prompt_tokens_details.cached_tokens`)
 * and llama.cpp's `timings` {cache_n, prompt_n, prompt_ms, …} (reference/runtimes.md §7). Prefill is simulated at
 * `msPerToken` per processed token and reported, not slept.
 *
 * Misbehaviours, as operators report them (openclaw#40256, #79532): `evict` reports cache_n 0 on every request
 * (the slot lost the prefix though OpenClaw sent the same one); `date` drops the whole cache whenever the date
 * text in the prompt differs from the previous prompt's.
 */
export type PrefixCacheMode = 'honest' | 'evict' | 'date';

export interface PrefixCacheServer extends LoopbackServer {
  /** Per chat request: the approximate prompt tokens and what the slot reused. */
  readonly log: { promptTokens: number; cacheN: number; summary: boolean }[];
}

type Msg = { role?: string; content?: unknown; tool_calls?: unknown; tool_call_id?: unknown };
const text = (c: unknown): string => (typeof c === 'string' ? c : Array.isArray(c) ? c.map((p) => (p && typeof p === 'object' && typeof (p as { text?: unknown }).text === 'string' ? (p as { text: string }).text : '')).join('') : '');

/** The ChatML rendering (Qwen-style: tools inside the system turn, after its text). */
export function renderChatML(body: { messages?: Msg[]; tools?: unknown[] }): string {
  const msgs = body.messages ?? [];
  const tools = body.tools?.length ? `\n\n# Tools\n<tools>\n${body.tools.map((t) => JSON.stringify(t)).join('\n')}\n</tools>` : '';
  let out = '';
  let i = 0;
  if (msgs[0]?.role === 'system' || msgs[0]?.role === 'developer') {
    out += `<|im_start|>system\n${text(msgs[0].content)}${tools}<|im_end|>\n`;
    i = 1;
  } else if (tools) out += `<|im_start|>system${tools}<|im_end|>\n`;
  for (; i < msgs.length; i++) {
    const m = msgs[i]!;
    out += `<|im_start|>${m.role}\n${text(m.content)}${m.tool_calls ? `\n<tool_call>${JSON.stringify(m.tool_calls)}</tool_call>` : ''}<|im_end|>\n`;
  }
  return `${out}<|im_start|>assistant\n`;
}

const common = (a: string, b: string) => {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
};
const dateText = (s: string) => /\b\d{4}-\d{2}-\d{2}\b/.exec(s)?.[0] ?? null;

export async function startPrefixCacheServer(mode: PrefixCacheMode, o: { msPerToken?: number; reply?: string } = {}): Promise<PrefixCacheServer> {
  const msPerToken = o.msPerToken ?? 1;
  const log: PrefixCacheServer['log'] = [];
  let slot = '';
  const server = await serveLoopback((req, res, raw) => {
    const url = (req.url ?? '/').split('?')[0]!;
    const json = (status: number, v: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(v));
    if (url === '/health') return json(200, { status: 'ok' });
    if (url === '/props') return json(200, { default_generation_settings: { id: 0, n_ctx: 32768 }, total_slots: 1, build_info: 'b6497-cd08fc3e' });
    if (url === '/v1/models') return json(200, { object: 'list', data: [{ id: 'mock-1', object: 'model', created: 1758108431, owned_by: 'llamacpp', meta: { n_ctx: 32768, n_ctx_train: 131072 } }] });
    if (req.method !== 'POST' || !url.endsWith('/chat/completions')) return json(404, { error: 'not found' });
    let body: { model?: string; stream?: boolean; messages?: Msg[]; tools?: unknown[] };
    try {
      body = JSON.parse(raw);
    } catch {
      return json(400, { error: { message: 'not JSON' } });
    }
    const prompt = renderChatML(body);
    const total = Math.ceil(prompt.length / 4);
    let cacheN = Math.min(Math.floor(common(slot, prompt) / 4), total - 1);
    if (mode === 'evict') cacheN = 0;
    if (mode === 'date' && dateText(slot) !== dateText(prompt)) cacheN = 0;
    slot = prompt;
    const system = text(body.messages?.[0]?.content);
    const summary = system.includes('context summarization assistant');
    log.push({ promptTokens: total, cacheN, summary });
    const promptN = total - cacheN;
    const reply = summary ? '## Decisions\nnone\n## Open TODOs\nnone\n## Constraints/Rules\nnone\n## Pending user asks\nnone\n## Exact identifiers\nnone' : (o.reply ?? 'Noted, the answer is short.');
    const predictedN = Math.max(1, Math.ceil(reply.length / 4));
    const id = `chatcmpl-${Math.random().toString(36).slice(2, 10)}`;
    const created = Math.floor(Date.now() / 1000);
    const model = body.model ?? 'mock-1';
    const chunk = (delta: unknown, finish: string | null = null) => ({ id, object: 'chat.completion.chunk', created, model, system_fingerprint: 'b6497-cd08fc3e', choices: [{ index: 0, delta, finish_reason: finish }] });
    const usage = { completion_tokens: predictedN, prompt_tokens: total, total_tokens: total + predictedN, prompt_tokens_details: { cached_tokens: cacheN } };
    const promptMs = promptN * msPerToken;
    const timings = { cache_n: cacheN, prompt_n: promptN, prompt_ms: promptMs, prompt_per_token_ms: msPerToken, prompt_per_second: 1000 / msPerToken, predicted_n: predictedN, predicted_ms: predictedN * 20, predicted_per_token_ms: 20, predicted_per_second: 50 };
    if (body.stream === false) return json(200, { id, object: 'chat.completion', created, model, choices: [{ index: 0, message: { role: 'assistant', content: reply }, finish_reason: 'stop' }], usage, timings });
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const send = (v: unknown) => res.write(`data: ${JSON.stringify(v)}\n\n`);
    send(chunk({ role: 'assistant', content: null }));
    send(chunk({ content: reply }));
    send(chunk({}, 'stop'));
    send({ id, object: 'chat.completion.chunk', created, model, system_fingerprint: 'b6497-cd08fc3e', choices: [], usage, timings });
    res.end('data: [DONE]\n\n');
  });
  return { ...server, log };
}
