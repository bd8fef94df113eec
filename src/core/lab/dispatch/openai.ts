import type { OpenAI as OpenAIClass } from '../../../vendor/openai.js';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { countTools, finalMessageOf } from './evidence.js';
import type { DispatchOutcome, Dispatcher } from './types.js';

let sdk: typeof OpenAIClass | undefined;
/** Loaded on first dispatch: `openai-sdk.js` beside the running bundle (see scripts/build.mjs). */
function OpenAI(): typeof OpenAIClass {
  sdk ??= (require('./openai-sdk.js') as { OpenAI: typeof OpenAIClass }).OpenAI;
  return sdk;
}

/** The SDK's client class, loaded as the dispatcher loads it (the tool-fidelity probe sends its own chat bodies). */
export const openAiSdk = (): typeof OpenAIClass => OpenAI();

export interface OpenAiTarget {
  /** The server's OpenAI-compatible base, e.g. http://127.0.0.1:1234/v1. */
  readonly baseUrl: string;
  readonly model: string;
  readonly apiKey?: string;
}

/**
 * One streamed chat completion per dispatch, with usage. TTFT is taken at the first non-empty content or
 * reasoning delta (role-only chunks, keep-alive comments and usage-only chunks do not count).
 */
export function openAiDispatcher(target: OpenAiTarget, prompt: string, opts: { timeoutMs: number; maxTokens?: number; maxOutputBytes?: number }): Dispatcher {
  const maxOut = opts.maxOutputBytes ?? Infinity;
  let client: OpenAIClass | undefined;
  let warmed: Promise<void> | undefined;
  /**
   * Harness work, before the clock: load the SDK, build the client, and open the connection with a model
   * list (no generation) — otherwise the first dispatch alone pays for them and lands in the slow cluster.
   */
  /** While set, the client's requests go to this loopback origin instead (the rehearsal). */
  let rehearsalOrigin: string | undefined;
  const viaRehearsal: typeof fetch = (input, init) => {
    if (!rehearsalOrigin) return fetch(input, init);
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    return fetch(`${rehearsalOrigin}${url.pathname}${url.search}`, init);
  };
  const prepare = () => {
    client ??= new (OpenAI())({ baseURL: target.baseUrl, apiKey: target.apiKey || 'local', maxRetries: 0, timeout: opts.timeoutMs, fetch: viaRehearsal });
    const c = client;
    // A rehearsal of the whole streamed path (this client, the HTTP POST, SSE parsing, this loop) against a
    // loopback server of our own that answers at once — no generation on the model server — then the model
    // list that opens the real connection. Without them the first dispatch measured 15–40 ms slower than the rest.
    warmed ??= rehearse(c).then(() =>
      c.models.list({ timeout: 2000 }).then(
        () => undefined,
        () => undefined,
      ),
    );
    return warmed;
  };
  const rehearse = async (c: OpenAIClass) => {
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'text/event-stream' }).end(rehearsalBody()));
    });
    try {
      await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
      rehearsalOrigin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      for (let i = 0; i < 3; i++) await streamOnce(c, AbortSignal.timeout(5000));
    } catch {
      /* a rehearsal that fails costs nothing but its warmth */
    } finally {
      rehearsalOrigin = undefined;
      server.closeAllConnections?.();
      server.close();
    }
  };
  const dispatch: Dispatcher = async (_index, signal) => {
    await prepare();
    return streamOnce(client!, signal);
  };
  const streamOnce = async (c: OpenAIClass, signal: AbortSignal): Promise<DispatchOutcome> => {
    const t0 = performance.now();
    let ttft: number | undefined;
    let tLast: number | undefined;
    let output = '';
    let stopReason: string | undefined;
    let usage: { prompt_tokens?: number; completion_tokens?: number } | undefined;
    let timings: Record<string, unknown> | undefined;
    // Tool calls arrive as deltas: the first for each index carries its name, later ones more arguments.
    const toolNames = new Map<number, string>();
    /** One request per dispatch: the evidence is counted from the stream as it passes. */
    const evidence = (o: Partial<DispatchOutcome>): DispatchOutcome => {
      const names = [...toolNames.values()].map((n) => n || '(unnamed)');
      return {
        output,
        ttftMs: ttft,
        ...o,
        turns: 1,
        toolCalls: names.length,
        tools: countTools(names),
        compactions: [],
        finalMessage: finalMessageOf(output, o.stopReason, o.errorKind),
      };
    };
    const timeout = AbortSignal.timeout(opts.timeoutMs);
    // Content and reasoning together: an endless stream stops here instead of filling memory.
    const tooLarge = new AbortController();
    let bytes = 0;
    const both = AbortSignal.any([signal, timeout, tooLarge.signal]);
    try {
      const stream = await c.chat.completions.create(
        {
          model: target.model,
          messages: [{ role: 'user', content: prompt }],
          stream: true,
          stream_options: { include_usage: true },
          ...(opts.maxTokens ? { max_tokens: opts.maxTokens } : {}),
        },
        { signal: both },
      );
      for await (const chunk of stream) {
        const extra = chunk as unknown as { timings?: Record<string, unknown>; stats?: Record<string, unknown> };
        if (extra.timings) timings = extra.timings; // llama.cpp
        if (extra.stats) timings = extra.stats; // LM Studio's native stats, when sent
        if (chunk.usage) usage = chunk.usage;
        const choice = chunk.choices[0];
        if (!choice) continue;
        const delta = choice.delta as { content?: string | null; reasoning?: string; reasoning_content?: string; tool_calls?: { index?: number; function?: { name?: string } }[] };
        for (const [i, call] of (delta.tool_calls ?? []).entries()) {
          const at = call.index ?? i;
          if (call.function?.name) toolNames.set(at, call.function.name);
          else if (!toolNames.has(at)) toolNames.set(at, '');
        }
        const text = delta.content ?? '';
        if ((text || delta.reasoning || delta.reasoning_content || delta.tool_calls?.length) && ttft === undefined) ttft = performance.now() - t0;
        if (text || delta.reasoning || delta.reasoning_content) tLast = performance.now();
        bytes += Buffer.byteLength(text) + Buffer.byteLength(delta.reasoning ?? '') + Buffer.byteLength(delta.reasoning_content ?? '');
        if (bytes > maxOut) {
          tooLarge.abort();
          break;
        }
        output += text;
        if (choice.finish_reason) stopReason = choice.finish_reason;
      }
    } catch (err) {
      if (!tooLarge.signal.aborted) return evidence({ ...classifyError(err, signal, timeout, opts.timeoutMs) });
    }
    if (tooLarge.signal.aborted) {
      return evidence({ transport: 'openai', errorKind: 'output-too-large', errorMessage: `the reply passed ${maxOut} bytes without finishing; stopped (workload maxOutputBytes)` });
    }
    const tokensOut = usage?.completion_tokens;
    let tps: number | undefined;
    const serverRate = timings && typeof timings.predicted_per_second === 'number' ? timings.predicted_per_second : undefined;
    if (serverRate !== undefined) tps = serverRate;
    else if (tokensOut && tokensOut > 1 && ttft !== undefined && tLast !== undefined && tLast > t0 + ttft) tps = (tokensOut - 1) / ((tLast - (t0 + ttft)) / 1000);
    const outcome: Partial<DispatchOutcome> = {
      tokensIn: usage?.prompt_tokens,
      tokensOut,
      tokensPerSecond: tps,
      stopReason,
      serverTimings: timings,
      transport: 'openai',
    };
    if (!stopReason) return evidence({ ...outcome, errorKind: 'incomplete', errorMessage: 'the stream ended without a finish reason (dropped connection?)' });
    return evidence(outcome);
  };
  return Object.assign(dispatch, { prepare });
}

/** A short streamed reply in the OpenAI shape (role, content, a tool call, finish, usage), for the rehearsal. */
function rehearsalBody(): string {
  const chunk = (delta: unknown, finish: string | null = null) => `data: ${JSON.stringify({ id: 'rehearsal', object: 'chat.completion.chunk', created: 0, model: 'rehearsal', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  const body =
    chunk({ role: 'assistant', content: '' }) +
    // Enough chunks that the per-chunk code is past its first, slowest tier when the real stream arrives.
    Array.from({ length: 64 }, (_, i) => chunk(i % 8 === 0 ? { reasoning_content: 'warm' } : { content: `word${i} ` })).join('') +
    chunk({ tool_calls: [{ index: 0, id: 'r', type: 'function', function: { name: 'rehearsal', arguments: '{}' } }] }) +
    chunk({}, 'stop') +
    `data: ${JSON.stringify({ id: 'rehearsal', object: 'chat.completion.chunk', created: 0, model: 'rehearsal', choices: [], usage: { prompt_tokens: 1, completion_tokens: 1 } })}\n\n` +
    'data: [DONE]\n\n';
  return body;
}

function classifyError(err: unknown, user: AbortSignal, timeout: AbortSignal, timeoutMs: number): Partial<DispatchOutcome> {
  if (user.aborted) return { errorKind: 'cancelled', errorMessage: 'cancelled' };
  if (timeout.aborted) return { errorKind: 'timeout', errorMessage: `no finish within ${Math.round(timeoutMs / 1000)} s` };
  if (err instanceof OpenAI().APIError && err.status !== undefined) {
    const body = JSON.stringify(err.error ?? {}) + err.message;
    if (/context_length_exceeded|context length|context window|too many tokens/i.test(body)) return { errorKind: 'context_overflow', errorMessage: err.message };
    return { errorKind: `http_${err.status}`, errorMessage: err.message };
  }
  if (err instanceof OpenAI().APIConnectionError) return { errorKind: 'connection', errorMessage: err.message };
  return { errorKind: 'incomplete', errorMessage: err instanceof Error ? err.message : String(err) };
}
