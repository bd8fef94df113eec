import type { OpenAI as OpenAIClass } from '../../../vendor/openai.js';
import type { DispatchOutcome, Dispatcher } from './types.js';

let sdk: typeof OpenAIClass | undefined;
/** Loaded on first dispatch: `openai-sdk.js` beside the running bundle (see scripts/build.mjs). */
function OpenAI(): typeof OpenAIClass {
  sdk ??= (require('./openai-sdk.js') as { OpenAI: typeof OpenAIClass }).OpenAI;
  return sdk;
}

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
  const prepare = () => {
    client ??= new (OpenAI())({ baseURL: target.baseUrl, apiKey: target.apiKey || 'local', maxRetries: 0, timeout: opts.timeoutMs });
    warmed ??= client.models.list({ timeout: 2000 }).then(
      () => undefined,
      () => undefined,
    );
    return warmed;
  };
  const dispatch: Dispatcher = async (_index, signal) => {
    await prepare();
    const c = client!;
    const t0 = performance.now();
    let ttft: number | undefined;
    let tLast: number | undefined;
    let output = '';
    let stopReason: string | undefined;
    let usage: { prompt_tokens?: number; completion_tokens?: number } | undefined;
    let timings: Record<string, unknown> | undefined;
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
        const delta = choice.delta as { content?: string | null; reasoning?: string; reasoning_content?: string; tool_calls?: unknown[] };
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
      if (!tooLarge.signal.aborted) return { output, ttftMs: ttft, ...classifyError(err, signal, timeout, opts.timeoutMs) };
    }
    if (tooLarge.signal.aborted) {
      return { output, ttftMs: ttft, transport: 'openai', errorKind: 'output-too-large', errorMessage: `the reply passed ${maxOut} bytes without finishing; stopped (workload maxOutputBytes)` };
    }
    const tokensOut = usage?.completion_tokens;
    let tps: number | undefined;
    const serverRate = timings && typeof timings.predicted_per_second === 'number' ? timings.predicted_per_second : undefined;
    if (serverRate !== undefined) tps = serverRate;
    else if (tokensOut && tokensOut > 1 && ttft !== undefined && tLast !== undefined && tLast > t0 + ttft) tps = (tokensOut - 1) / ((tLast - (t0 + ttft)) / 1000);
    const outcome: DispatchOutcome = {
      output,
      ttftMs: ttft,
      tokensIn: usage?.prompt_tokens,
      tokensOut,
      tokensPerSecond: tps,
      stopReason,
      serverTimings: timings,
      transport: 'openai',
    };
    if (!stopReason) return { ...outcome, errorKind: 'incomplete', errorMessage: 'the stream ended without a finish reason (dropped connection?)' };
    return outcome;
  };
  return Object.assign(dispatch, { prepare });
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
