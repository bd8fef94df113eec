import crypto, { createHash } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';
import { WIRE_SCHEMA_VERSION, type WireApi, type WireRecord } from './schema.js';
import { sha256 } from '../../fsutil.js';

/*
 * What a model-server exchange says about itself, read from its bytes: pure functions and a chunk-fed reader,
 * no I/O. The shapes are the documented ones of ../shared/reference/runtimes.md §3–§7 (OpenAI chat and
 * responses SSE, llama.cpp `timings`, LM Studio `stats` and its /api/v1 REST, Ollama NDJSON) and OpenClaw's
 * summarization prompts (openclaw.md, "Safeguard summary contract"; compaction prompts of 2026.9.6).
 */

/** Largest request body, non-streamed answer or single SSE/NDJSON line read; bytes past it still pass through. */
export const BODY_CAP = 8 * 1024 * 1024;
/** Visible content kept to look for tool-call and reasoning markers: they show at the start of an answer. */
export const CONTENT_CAP = 1024 * 1024;

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const round = (x: number) => Math.round(x * 100) / 100;
const roundOrNull = (x: number | null | undefined) => (x === null || x === undefined ? null : round(x));

export function classifyPath(path: string): WireApi {
  const p = path.replace(/\/+$/, '');
  if (p.endsWith('/api/v1/models/load')) return 'lmstudio-load';
  if (p.endsWith('/api/v1/models/unload')) return 'lmstudio-unload';
  if (p.endsWith('/api/v1/chat')) return 'lmstudio-chat';
  // Also LM Studio's /api/v0/chat/completions and Ollama's /v1/chat/completions: the same shapes.
  if (p.endsWith('/chat/completions')) return 'chat';
  if (p.endsWith('/responses')) return 'responses';
  if (p.endsWith('/completions')) return 'completions';
  if (p.endsWith('/api/chat')) return 'ollama-chat';
  if (p.endsWith('/api/generate')) return 'ollama-generate';
  if (/\/api\/v[01](\/|$)/.test(p)) return 'lmstudio-rest';
  if (/\/models(\/|$)/.test(p)) return 'models';
  return 'other';
}

const isOllama = (api: WireApi) => api === 'ollama-chat' || api === 'ollama-generate';

/* ---------- the request ---------- */

export interface RequestFacts {
  readonly api: WireApi;
  /** The body was read as JSON (false: not JSON, or over BODY_CAP). An empty body counts as read. */
  readonly parsed: boolean;
  readonly model: string | null;
  readonly streamAsked: boolean;
  readonly messages: number | null;
  readonly tools: number | null;
  readonly summary: boolean;
  readonly memoryFlush: boolean;
  readonly requestedContext: number | null;
  /** One hash per message (role, content, tool calls); null when the API has no messages. */
  readonly messageHashes: string[] | null;
}

/** OpenClaw's summarization system prompt (2026.9.6 compaction, every summary path). */
const SUMMARY_SYSTEM = 'You are a context summarization assistant';
/** The instruction blocks of its summary requests: safeguard, history, turn prefix. */
const SUMMARY_INSTRUCTIONS = [
  'Produce a compact, factual summary with these exact section headings',
  'Create a structured context checkpoint summary',
  'incorporate into the existing summary provided in <previous-summary>',
  'This is the PREFIX of a turn that was too large to keep',
];
const SAFEGUARD_HEADINGS = ['## Decisions', '## Open TODOs', '## Constraints/Rules', '## Pending user asks', '## Exact identifiers'];
const TURN_PREFIX_HEADINGS = ['## Original Request', '## Early Progress', '## Context for Suffix'];

/** The text of a message's content: a string, or the text parts of a parts array. */
function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((p) => (typeof p === 'string' ? p : isObj(p) ? (str(p.text) ?? str(p.content) ?? '') : '')).join('\n');
}

/** The fields that reach the prompt template: a change in any of them is a change the server's prompt cache sees. */
const HASHED_FIELDS = ['role', 'content', 'tool_calls', 'tool_call_id', 'type', 'name', 'arguments', 'call_id', 'output'] as const;

/**
 * A message's identity for "did it change": its template fields, strings as they are (not re-encoded as JSON:
 * that copy of a long system prompt cost more than the hash), SHA-1 in one call. Equality only, not security.
 */
function messageHash(m: unknown): string {
  const key = isObj(m) ? HASHED_FIELDS.map((k) => (typeof m[k] === 'string' ? `s${m[k]}` : m[k] === undefined ? '' : `j${JSON.stringify(m[k])}`)).join('\u0000') : `j${JSON.stringify(m)}`;
  return sha1(key).slice(0, 16);
}

/** One-shot hashing where the runtime has it (Node ≥ 20.12); VS Code 1.90's extension host runs Node 20.9. */
const sha1: (s: string) => string = typeof crypto.hash === 'function' ? (s) => crypto.hash('sha1', s, 'hex') : (s) => createHash('sha1').update(s).digest('hex');

export function readRequest(path: string, body: Uint8Array | null): RequestFacts {
  const api = classifyPath(path);
  const none: RequestFacts = { api, parsed: body !== null && body.length === 0, model: null, streamAsked: false, messages: null, tools: null, summary: false, memoryFlush: false, requestedContext: null, messageHashes: null };
  if (body === null || body.length === 0) return none;
  let b: unknown;
  try {
    b = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  } catch {
    return none;
  }
  if (!isObj(b)) return { ...none, parsed: true };

  // The conversation as a list, where the API has one: `instructions` / `system_prompt` count as its first message.
  let list: unknown[] | null = null;
  if (api === 'chat' || api === 'ollama-chat') list = Array.isArray(b.messages) ? b.messages : null;
  else if (api === 'responses' || api === 'lmstudio-chat') {
    const lead = str(b.instructions) ?? str(b.system_prompt);
    const input = typeof b.input === 'string' ? [{ role: 'user', content: b.input }] : Array.isArray(b.input) ? b.input : null;
    if (input) list = lead !== undefined ? [{ role: 'system', content: lead }, ...input] : input;
  }
  const msgs = (list ?? []).filter(isObj);
  const systemText = [...msgs.filter((m) => m.role === 'system' || m.role === 'developer').map((m) => contentText(m.content)), str(b.system) ?? ''].join('\n');
  const lastUser = [...msgs].reverse().find((m) => m.role === 'user');
  const lastUserText = lastUser ? contentText(lastUser.content) : (str(b.prompt) ?? '');
  const summary =
    systemText.includes(SUMMARY_SYSTEM) ||
    (lastUserText.trimStart().startsWith('<conversation>') &&
      (SUMMARY_INSTRUCTIONS.some((s) => lastUserText.includes(s)) || SAFEGUARD_HEADINGS.every((h) => lastUserText.includes(h)) || TURN_PREFIX_HEADINGS.every((h) => lastUserText.includes(h))));
  // The flush turn's prompt and the system prompt OpenClaw adds for that turn only (memory-core, 2026.9.6).
  const memoryFlush = !summary && (lastUserText.includes('Pre-compaction memory flush.') || systemText.includes('Pre-compaction memory flush turn.'));

  const options = isObj(b.options) ? b.options : {};
  const requestedContext = api === 'lmstudio-load' || api === 'lmstudio-chat' ? num(b.context_length) : isOllama(api) ? num(options.num_ctx) : undefined;
  const model = str(b.model) ?? (api === 'lmstudio-unload' ? str(b.instance_id) : undefined) ?? null;
  return {
    api,
    parsed: true,
    model,
    // Ollama's native API streams unless told not to.
    streamAsked: b.stream === true || (isOllama(api) && b.stream !== false),
    messages: list ? list.length : null,
    tools: Array.isArray(b.tools) ? b.tools.length : list ? 0 : null,
    summary,
    memoryFlush,
    requestedContext: requestedContext ?? null,
    messageHashes: list ? list.map(messageHash) : null,
  };
}

/**
 * The index of the first message of `next` that differs from `previous` (the previous request of the same
 * dispatch): its length when `next` only appends to `previous` or repeats it. Comparing per-message hashes
 * finds the same index as comparing prefix hashes (the first prefix to differ ends at the first message to
 * differ), at a fraction of the work. Null for the first request, or when a request has no messages.
 */
export function firstChangedMessage(previous: readonly string[] | undefined, next: readonly string[] | null): number | null {
  if (!previous || !next) return null;
  const n = Math.min(previous.length, next.length);
  for (let i = 0; i < n; i++) if (previous[i] !== next[i]) return i;
  return n;
}

/* ---------- the answer ---------- */

export type ResponseFormat = 'sse' | 'ndjson' | 'json';

export interface ResponseFacts {
  readonly format: ResponseFormat;
  /** The content type says SSE or NDJSON. */
  readonly streamed: boolean;
  readonly terminated: boolean;
  readonly firstTokenMs: number | null;
  readonly promptTokens: number | null;
  readonly cachedTokens: number | null;
  readonly completionTokens: number | null;
  readonly finishReason: string | null;
  readonly toolCalls: string[];
  readonly toolCallsAsText: string | null;
  readonly reasoningInContent: string | null;
  readonly serverPrefillMs: number | null;
  readonly serverGenerationMs: number | null;
  readonly loadMs: number | null;
  readonly servedContext: number | null;
  readonly serverError: string | null;
  readonly contextRefused: boolean;
  readonly capped: string[];
}

/** Tool calls that arrived as text. Order matters only for which marker is named. */
export const TOOL_TEXT_MARKERS: readonly [string, RegExp][] = [
  ['<tool_call>', /<tool_call>/],
  ['<|tool_call|>', /<\|tool_call\|>/],
  ['[TOOL_CALLS]', /\[TOOL_CALLS\]/],
  ['<|channel|>commentary to=', /<\|channel\|>\s*commentary\s+to=/],
  ['{"name":…,"arguments":…}', /\{\s*"name"\s*:\s*"[^"]*"\s*,\s*"(?:arguments|parameters)"\s*:/],
];
/** Reasoning that arrived in the visible content. */
export const REASONING_MARKERS: readonly [string, RegExp][] = [
  ['<think>', /<think>/],
  ['</think>', /<\/think>/],
  ['<thinking>', /<thinking>/],
  ['<|channel|>analysis', /<\|channel\|>\s*analysis/],
];
/** Context-length refusals: LM Studio, llama.cpp (exceed_context_size_error), vLLM, OpenAI-style codes. */
const CONTEXT_REFUSAL = /context[ _-]?(length|window|size)|maximum context|n_ctx|exceeds? the (available )?context|too many tokens|prompt is too long/i;

const header = (h: Record<string, string | string[] | undefined>, name: string): string => {
  const v = h[name];
  return (Array.isArray(v) ? v.join(',') : (v ?? '')).toLowerCase();
};

/**
 * Reads an answer chunk by chunk as it passes, keeping at most one line (SSE, NDJSON) or one body (JSON) of
 * BODY_CAP and CONTENT_CAP of visible text. `push` is called with each chunk and the time it arrived;
 * `finish` with whether the body arrived whole.
 */
export class ResponseReader {
  readonly format: ResponseFormat;
  private readonly streamed: boolean;
  private readonly decoder = new StringDecoder('utf8');
  private line = '';
  private skippingLine = false;
  private readonly body: Buffer[] = [];
  private bodyBytes = 0;
  private readonly capped = new Set<string>();
  // SSE event being assembled.
  private eventName: string | undefined;
  private data: string[] = [];
  private sawDone = false;
  private sawFinish = false;
  private sawNdjsonDone = false;
  private firstTokenMs: number | null = null;
  private content = '';
  private readonly toolNames: string[] = [];
  private readonly toolKeys = new Set<string>();
  private finishReason: string | null = null;
  private usage: { prompt?: number; cached?: number; completion?: number } = {};
  private timings: { promptN?: number; cacheN?: number; predictedN?: number; promptMs?: number; predictedMs?: number } = {};
  private ollama: { prompt?: number; completion?: number; promptMs?: number; evalMs?: number; loadMs?: number } = {};
  private lmStats: { input?: number; output?: number; ttftMs?: number; genMs?: number; loadMs?: number } = {};
  private loadMs: number | undefined;
  private servedContext: number | undefined;
  private serverError: string | undefined;

  constructor(
    private readonly api: WireApi,
    private readonly status: number,
    headers: Record<string, string | string[] | undefined>,
  ) {
    const type = header(headers, 'content-type');
    this.streamed = type.includes('text/event-stream') || type.includes('ndjson');
    this.format = type.includes('text/event-stream') ? 'sse' : type.includes('ndjson') || (isOllama(api) && status < 400) ? 'ndjson' : 'json';
  }

  push(chunk: Uint8Array, atMs: number): void {
    if (this.format === 'json') {
      if (this.capped.has('response')) return;
      this.bodyBytes += chunk.length;
      if (this.bodyBytes > BODY_CAP) {
        this.capped.add('response');
        this.body.length = 0;
        return;
      }
      this.body.push(Buffer.from(chunk));
      return;
    }
    const text = this.decoder.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      const piece = text.slice(start, nl);
      start = nl + 1;
      if (this.skippingLine) {
        this.skippingLine = false;
        this.line = '';
        continue;
      }
      if (this.line.length + piece.length > BODY_CAP) {
        this.capped.add('response');
        this.line = '';
        continue;
      }
      const line = this.line + piece;
      this.line = '';
      this.onLine(line.endsWith('\r') ? line.slice(0, -1) : line, atMs);
    }
    if (this.skippingLine) return;
    this.line += text.slice(start);
    if (this.line.length > BODY_CAP) {
      // One line longer than the cap: drop it and everything up to its end.
      this.capped.add('response');
      this.line = '';
      this.skippingLine = true;
    }
  }

  finish(complete: boolean, atMs: number): ResponseFacts {
    if (this.format === 'json') {
      if (this.body.length) this.onJsonBody(Buffer.concat(this.body).toString('utf8'));
    } else {
      const rest = this.line + this.decoder.end();
      this.line = '';
      // An unterminated last line or event is read only from a whole body: a cut one may be half an object.
      if (complete && rest.trim() && !this.skippingLine) this.onLine(rest, atMs);
      if (complete && this.format === 'sse' && this.data.length) this.onLine('', atMs);
    }
    const t = this.timings;
    const o = this.ollama;
    const s = this.lmStats;
    const promptTokens = this.usage.prompt ?? (t.promptN !== undefined ? t.promptN + (t.cacheN ?? 0) : undefined) ?? o.prompt ?? s.input;
    const terminated = this.format === 'sse' ? this.sawDone || this.sawFinish : this.format === 'ndjson' ? this.sawNdjsonDone || (complete && this.status >= 400) : complete;
    const error = this.serverError ?? null;
    return {
      format: this.format,
      streamed: this.streamed,
      terminated,
      firstTokenMs: this.firstTokenMs,
      promptTokens: promptTokens ?? null,
      cachedTokens: this.usage.cached ?? t.cacheN ?? null,
      completionTokens: this.usage.completion ?? t.predictedN ?? o.completion ?? s.output ?? null,
      finishReason: this.finishReason,
      toolCalls: [...this.toolNames],
      toolCallsAsText: TOOL_TEXT_MARKERS.find(([, re]) => re.test(this.content))?.[0] ?? null,
      reasoningInContent: REASONING_MARKERS.find(([, re]) => re.test(this.content))?.[0] ?? null,
      serverPrefillMs: t.promptMs ?? o.promptMs ?? s.ttftMs ?? null,
      serverGenerationMs: t.predictedMs ?? o.evalMs ?? s.genMs ?? null,
      loadMs: this.loadMs ?? o.loadMs ?? s.loadMs ?? null,
      servedContext: this.servedContext ?? null,
      serverError: error,
      contextRefused: error !== null && CONTEXT_REFUSAL.test(error),
      capped: [...this.capped],
    };
  }

  private onLine(line: string, atMs: number): void {
    if (this.format === 'ndjson') {
      if (!line.trim()) return;
      const o = parseJson(line);
      if (isObj(o)) this.take(o, atMs);
      return;
    }
    // SSE: fields until a blank line, then the event.
    if (line === '') {
      if (this.data.length) this.onEvent(this.data.join('\n'), this.eventName, atMs);
      this.data = [];
      this.eventName = undefined;
      return;
    }
    if (line.startsWith(':')) return; // a comment: keep-alives and prefill progress (mlx, llama.cpp pings)
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.eventName = value;
  }

  private onEvent(data: string, event: string | undefined, atMs: number): void {
    if (data.trim() === '[DONE]') {
      this.sawDone = true;
      return;
    }
    const o = parseJson(data);
    if (isObj(o)) this.take(o, atMs, event);
  }

  private onJsonBody(text: string): void {
    const o = parseJson(text);
    if (this.status >= 400) {
      this.noteError(isObj(o) ? (o.error ?? o.message ?? o.detail ?? text) : text);
      return;
    }
    if (isObj(o)) this.take(o, null);
  }

  private noteError(e: unknown): void {
    if (this.serverError !== undefined || e === undefined || e === null) return;
    const text = typeof e === 'string' ? e : isObj(e) ? (str(e.message) ?? JSON.stringify(e)) : JSON.stringify(e);
    this.serverError = text.slice(0, 300);
  }

  private token(atMs: number | null): void {
    if (this.firstTokenMs === null && atMs !== null) this.firstTokenMs = atMs;
  }

  private text(v: unknown, atMs: number | null): void {
    if (typeof v !== 'string' || v === '') return;
    this.token(atMs);
    if (this.content.length < CONTENT_CAP) this.content += v.slice(0, CONTENT_CAP - this.content.length);
    else this.capped.add('content');
  }

  private reasoning(v: unknown, atMs: number | null): void {
    if (typeof v === 'string' && v !== '') this.token(atMs);
  }

  private tool(name: unknown, key: string | null, atMs: number | null): void {
    this.token(atMs);
    if (key !== null) {
      if (this.toolKeys.has(key)) return;
      if (typeof name !== 'string') return; // a later fragment: the name came with the first
      this.toolKeys.add(key);
    }
    if (typeof name === 'string' && this.toolNames.length < 256) this.toolNames.push(name);
  }

  /** One JSON object of the answer, whatever API it belongs to. `atMs` null: not streamed. */
  private take(o: Json, atMs: number | null, event?: string): void {
    const type = str(o.type) ?? event ?? '';
    if (type === 'error' || o.error !== undefined) this.noteError(o.error ?? o.message ?? o);

    // OpenAI chat and completions (LM Studio, llama.cpp, vLLM, mlx, Ollama /v1).
    if (Array.isArray(o.choices)) {
      o.choices.forEach((c, i) => {
        if (!isObj(c)) return;
        const choice = num(c.index) ?? i;
        const d = isObj(c.delta) ? c.delta : isObj(c.message) ? c.message : undefined;
        if (d) {
          this.text(d.content, atMs);
          this.reasoning(d.reasoning ?? d.reasoning_content, atMs);
          if (Array.isArray(d.tool_calls)) {
            d.tool_calls.forEach((tc, j) => {
              if (!isObj(tc)) return;
              const fn = isObj(tc.function) ? tc.function : {};
              this.tool(fn.name, `${choice}:${num(tc.index) ?? j}`, atMs);
            });
          }
        }
        this.text(c.text, atMs);
        const fr = str(c.finish_reason);
        if (fr) {
          this.finishReason = fr;
          this.sawFinish = true;
        }
      });
    }
    this.takeUsage(o.usage);
    if (isObj(o.timings)) {
      const t = o.timings;
      this.timings = { promptN: num(t.prompt_n), cacheN: num(t.cache_n), predictedN: num(t.predicted_n), promptMs: num(t.prompt_ms), predictedMs: num(t.predicted_ms) };
    }
    if (isObj(o.stats)) this.takeStats(o.stats);
    if (isObj(o.model_info)) this.servedContext = num(o.model_info.context_length) ?? this.servedContext;

    // OpenAI responses API: streamed events and the whole object.
    if (type.startsWith('response.')) {
      if (type === 'response.output_text.delta') this.text(o.delta, atMs);
      else if (type === 'response.reasoning_text.delta' || type === 'response.reasoning_summary_text.delta') this.reasoning(o.delta, atMs);
      else if (type === 'response.output_item.added' && isObj(o.item) && o.item.type === 'function_call') this.tool(o.item.name, `item:${str(o.item.id) ?? num(o.output_index)}`, atMs);
      else if (type === 'response.function_call_arguments.delta') this.token(atMs);
      else if (type === 'response.completed' || type === 'response.incomplete' || type === 'response.failed') {
        this.sawFinish = true;
        if (isObj(o.response)) this.takeResponseEnd(o.response);
      }
    } else if (o.object === 'response') {
      this.takeOutput(o.output, atMs);
      this.takeResponseEnd(o);
    }

    // Ollama native: /api/chat messages, /api/generate text.
    if (isOllama(this.api) || o.done !== undefined) {
      if (isObj(o.message)) {
        this.text(o.message.content, atMs);
        this.reasoning(o.message.thinking, atMs);
        if (Array.isArray(o.message.tool_calls)) for (const tc of o.message.tool_calls) if (isObj(tc) && isObj(tc.function)) this.tool(tc.function.name, null, atMs);
      }
      this.text(o.response, atMs);
      this.reasoning(o.thinking, atMs);
      if (o.done === true) {
        this.sawNdjsonDone = true;
        this.finishReason = str(o.done_reason) ?? this.finishReason;
        const ns = (v: unknown) => (num(v) !== undefined ? round(num(v)! / 1e6) : undefined);
        this.ollama = { prompt: num(o.prompt_eval_count), completion: num(o.eval_count), promptMs: ns(o.prompt_eval_duration), evalMs: ns(o.eval_duration), loadMs: ns(o.load_duration) };
      }
    }

    // LM Studio /api/v1/chat: named events, and the whole result (non-streamed, or in chat.end).
    if (this.api === 'lmstudio-chat') {
      if (type === 'message.delta') this.text(o.content, atMs);
      else if (type === 'reasoning.delta') this.reasoning(o.content, atMs);
      else if (type === 'tool_call.start') this.tool(o.tool, null, atMs);
      else if (type === 'model_load.end') this.loadMs = secs(o.load_time_seconds) ?? this.loadMs;
      else if (type === 'chat.end') {
        this.sawFinish = true;
        if (isObj(o.result) && isObj(o.result.stats)) this.takeStats(o.result.stats);
      } else if (Array.isArray(o.output)) this.takeOutput(o.output, atMs);
    }

    // LM Studio load: how long it took and the context it was loaded at.
    if (this.api === 'lmstudio-load') {
      this.loadMs = secs(o.load_time_seconds) ?? this.loadMs;
      if (isObj(o.load_config)) this.servedContext = num(o.load_config.context_length) ?? this.servedContext;
    }
  }

  private takeUsage(u: unknown): void {
    if (!isObj(u)) return;
    const details = isObj(u.prompt_tokens_details) ? u.prompt_tokens_details : isObj(u.input_tokens_details) ? u.input_tokens_details : {};
    this.usage = {
      prompt: num(u.prompt_tokens) ?? num(u.input_tokens) ?? this.usage.prompt,
      cached: num(details.cached_tokens) ?? this.usage.cached,
      completion: num(u.completion_tokens) ?? num(u.output_tokens) ?? this.usage.completion,
    };
  }

  /** LM Studio `stats`: v0 (seconds, stop_reason) and v1 (`input_tokens`, `total_output_tokens`, `*_seconds`). */
  private takeStats(s: Json): void {
    this.lmStats = {
      input: num(s.input_tokens),
      output: num(s.total_output_tokens),
      ttftMs: secs(s.time_to_first_token_seconds) ?? secs(s.time_to_first_token),
      genMs: secs(s.generation_time),
      loadMs: secs(s.model_load_time_seconds),
    };
    const stop = str(s.stop_reason);
    if (stop && !this.finishReason) this.finishReason = stop;
  }

  private takeResponseEnd(r: Json): void {
    this.takeUsage(r.usage);
    const reason = isObj(r.incomplete_details) ? str(r.incomplete_details.reason) : undefined;
    this.finishReason = reason ?? str(r.status) ?? this.finishReason;
    if (isObj(r.error)) this.noteError(r.error);
  }

  /** An `output` list: responses API items and LM Studio /api/v1/chat items. */
  private takeOutput(output: unknown, atMs: number | null): void {
    if (!Array.isArray(output)) return;
    output.forEach((item, i) => {
      if (!isObj(item)) return;
      if (item.type === 'message') this.text(contentText(item.content), atMs);
      else if (item.type === 'reasoning') this.reasoning(contentText(item.content) || contentText(item.summary), atMs);
      else if (item.type === 'function_call') this.tool(item.name, `item:${str(item.id) ?? i}`, atMs);
      else if (item.type === 'tool_call') this.tool(item.tool, null, atMs);
    });
  }
}

function secs(v: unknown): number | undefined {
  const n = num(v);
  return n === undefined ? undefined : round(n * 1000);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/* ---------- the record ---------- */

export interface Exchange {
  readonly seq: number;
  readonly dispatch: number | null;
  readonly upstream: string;
  readonly startedAt: string;
  readonly method: string;
  readonly path: string;
  readonly request: RequestFacts;
  readonly requestBytes: number;
  readonly requestSha256: string;
  /** Null: the upstream never answered. */
  readonly status: number | null;
  readonly response: ResponseFacts | null;
  readonly responseBytes: number;
  readonly responseSha256: string;
  readonly ttfbMs: number | null;
  readonly endMs: number;
  readonly firstChangedMessage: number | null;
  readonly error: { kind: string; message: string } | null;
}

export function toRecord(x: Exchange): WireRecord {
  const r = x.response;
  const stream = x.request.streamAsked || (r?.streamed ?? false);
  const capped = [...(x.requestBytes > BODY_CAP ? ['request'] : []), ...(r?.capped ?? [])];
  const record: WireRecord = {
    schemaVersion: WIRE_SCHEMA_VERSION,
    dispatch: x.dispatch,
    seq: x.seq,
    upstream: x.upstream,
    startedAt: x.startedAt,
    method: x.method,
    path: x.path,
    api: x.request.api,
    model: x.request.model,
    status: x.status,
    stream,
    terminated: r?.terminated ?? false,
    requestBytes: x.requestBytes,
    responseBytes: x.responseBytes,
    requestSha256: x.requestSha256,
    responseSha256: x.responseSha256,
    ttfbMs: x.ttfbMs === null ? null : round(x.ttfbMs),
    // Without a stream, the first token arrives with the last: there is no time to first token to report.
    firstTokenMs: stream && r?.firstTokenMs != null ? round(r.firstTokenMs) : null,
    endMs: round(x.endMs),
    messages: x.request.messages,
    tools: x.request.tools,
    promptTokens: r?.promptTokens ?? null,
    cachedTokens: r?.cachedTokens ?? null,
    completionTokens: r?.completionTokens ?? null,
    finishReason: r?.finishReason ?? null,
    toolCalls: r?.toolCalls ?? [],
    toolCallsAsText: r?.toolCallsAsText ?? null,
    reasoningInContent: r?.reasoningInContent ?? null,
    summary: x.request.summary,
    firstChangedMessage: x.firstChangedMessage,
    memoryFlush: x.request.memoryFlush,
    serverPrefillMs: roundOrNull(r?.serverPrefillMs),
    serverGenerationMs: roundOrNull(r?.serverGenerationMs),
    loadMs: roundOrNull(r?.loadMs),
    requestedContext: x.request.requestedContext,
    servedContext: r?.servedContext ?? null,
    serverError: r?.serverError ?? null,
    contextRefused: r?.contextRefused ?? false,
    error: x.error,
  };
  if (capped.length) record.capped = capped;
  return record;
}

export interface ExchangeBytes {
  readonly method?: string;
  /** The request target; a query is dropped from the record. */
  readonly path: string;
  readonly requestBody?: string | Uint8Array;
  /** Null: the upstream never answered. */
  readonly status: number | null;
  readonly headers?: Record<string, string>;
  /** The answer as it arrived, in chunks (each with its arrival time, ms from the request) or whole. */
  readonly response?: string | Uint8Array | readonly { bytes: string | Uint8Array; atMs: number }[];
  /** The body arrived whole (default true). */
  readonly complete?: boolean;
  readonly ttfbMs?: number | null;
  readonly endMs?: number;
  readonly seq?: number;
  readonly dispatch?: number | null;
  readonly upstream?: string;
  readonly startedAt?: string;
  /** The previous request's message hashes in the same dispatch (from this function's `messageHashes`). */
  readonly previous?: readonly string[];
  readonly error?: { kind: string; message: string } | null;
}

/**
 * The whole record of one exchange from its bytes, for callers that hold them (tests, replays); the recorder
 * feeds the same readers chunk by chunk as the bytes pass.
 */
export function parseExchange(x: ExchangeBytes): { record: WireRecord; messageHashes: string[] | null } {
  const bytes = (v: string | Uint8Array) => (typeof v === 'string' ? Buffer.from(v) : v);
  const reqBody = x.requestBody === undefined ? new Uint8Array() : bytes(x.requestBody);
  const path = x.path.split('?')[0]!;
  const request = readRequest(path, reqBody.length > BODY_CAP ? null : reqBody);
  const chunks = x.response === undefined ? [] : typeof x.response === 'string' || x.response instanceof Uint8Array ? [{ bytes: x.response, atMs: x.ttfbMs ?? 0 }] : x.response;
  const all = Buffer.concat(chunks.map((c) => bytes(c.bytes)));
  const endMs = x.endMs ?? chunks.at(-1)?.atMs ?? 0;
  let response: ResponseFacts | null = null;
  if (x.status !== null) {
    const reader = new ResponseReader(request.api, x.status, x.headers ?? {});
    for (const c of chunks) reader.push(bytes(c.bytes), c.atMs);
    response = reader.finish(x.complete ?? true, endMs);
  }
  const record = toRecord({
    seq: x.seq ?? 0,
    dispatch: x.dispatch ?? null,
    upstream: x.upstream ?? '',
    startedAt: x.startedAt ?? new Date(0).toISOString(),
    method: x.method ?? 'POST',
    path,
    request,
    requestBytes: reqBody.length,
    requestSha256: sha256(reqBody),
    status: x.status,
    response,
    responseBytes: all.length,
    responseSha256: sha256(all),
    ttfbMs: x.status === null ? null : (x.ttfbMs ?? chunks[0]?.atMs ?? 0),
    endMs,
    firstChangedMessage: firstChangedMessage(x.previous, request.messageHashes),
    error: x.error ?? (x.complete === false ? { kind: 'cut', message: 'the answer broke off before its end' } : null),
  });
  return { record, messageHashes: request.messageHashes };
}
