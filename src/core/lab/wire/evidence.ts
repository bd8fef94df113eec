import type { CompactionRecord } from '../dispatch/evidence.js';
import type { WireRecord } from './schema.js';

/**
 * What a dispatch did as seen on the wire: how many model requests, how long the prefills took, the largest
 * prompt, and the compaction summaries — which model each was asked of and how long it ran. Pure: the records
 * of one dispatch in, the figures out.
 */

const MODEL_APIS = new Set(['chat', 'responses', 'completions', 'ollama-chat', 'ollama-generate', 'lmstudio-chat']);

/** A request to a model (not a load, a listing or a summary). */
export const isModelRequest = (r: WireRecord): boolean => MODEL_APIS.has(r.api) && r.side !== 'sent';

export interface WireSummary {
  /** `provider/model` as the config names it (the provider whose server the summary went to). */
  readonly model: string | null;
  readonly startedAt: string;
  readonly durationMs: number;
}

export interface WireEvidence {
  /** Model requests, compaction summaries and memory flushes included (each one a prefill). */
  readonly requests: number;
  /** Sum of the time to the first token (else to the first byte) of every model request: prefill dominates it. */
  readonly prefillMs: number | null;
  /** The largest prompt a request sent, as the server counted it. */
  readonly promptTokensMax: number | null;
  /** Every model request's prompt, as the server counted it, summed. */
  readonly promptTokensTotal: number | null;
  /** Compaction summary requests, in arrival order. */
  readonly summaries: readonly WireSummary[];
}

/** `upstream` and the model id the request named → the config's `provider/model`. */
export type ModelRef = (upstream: string, model: string | null) => string | null;

export function wireEvidence(records: readonly WireRecord[], ref: ModelRef): WireEvidence {
  const model = records.filter(isModelRequest).sort((a, b) => a.seq - b.seq);
  const prefills = model.flatMap((r) => (r.firstTokenMs ?? r.ttfbMs) ?? []);
  const prompts = model.flatMap((r) => r.promptTokens ?? []);
  return {
    requests: model.length,
    prefillMs: prefills.length ? prefills.reduce((a, b) => a + b, 0) : null,
    promptTokensMax: prompts.length ? Math.max(...prompts) : null,
    promptTokensTotal: prompts.length ? prompts.reduce((a, b) => a + b, 0) : null,
    summaries: model.filter((r) => r.summary).map((r) => ({ model: ref(r.upstream, r.model), startedAt: r.startedAt, durationMs: r.endMs })),
  };
}

/**
 * The runtime's compaction records with what the wire saw put in: the i-th summary request gives the i-th
 * compaction its model and duration (`modelFrom: 'wire'`); a compaction the wire did not see keeps what the runtime
 * said (`modelFrom: 'runtime'`); a summary the runtime did not report is added.
 */
export function withWireSummaries(runtime: readonly CompactionRecord[], summaries: readonly WireSummary[]): (CompactionRecord & { modelFrom: 'wire' | 'runtime' })[] {
  const n = Math.max(runtime.length, summaries.length);
  const out: (CompactionRecord & { modelFrom: 'wire' | 'runtime' })[] = [];
  for (let i = 0; i < n; i++) {
    const c = runtime[i];
    const s = summaries[i];
    if (!s) {
      out.push({ ...c!, modelFrom: 'runtime' });
      continue;
    }
    out.push({
      startedAt: c?.startedAt ?? s.startedAt,
      durationMs: s.durationMs,
      tokensBefore: c?.tokensBefore ?? null,
      tokensAfter: c?.tokensAfter ?? null,
      model: s.model ?? c?.model ?? null,
      trigger: c?.trigger ?? null,
      modelFrom: 'wire',
    });
  }
  return out;
}
