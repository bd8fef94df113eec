/**
 * What a dispatch did, beside how long it took: model requests, tool calls, compactions, whether a final
 * message came back. Taken from the runtime's own records (OpenClaw's `agent --json` meta and trajectory
 * export; the OpenAI stream's deltas) after the clock has stopped, never guessed.
 */

/** One compaction as the runtime recorded it; a field the runtime did not report is null. */
export interface CompactionRecord {
  readonly startedAt: string | null;
  readonly durationMs: number | null;
  readonly tokensBefore: number | null;
  readonly tokensAfter: number | null;
  /** The summarizing model, `provider/model`. */
  readonly model: string | null;
  /** Whatever the runtime calls the cause: threshold, overflow, manual, budget, … */
  readonly trigger: string | null;
  /** Where `model` and `durationMs` come from: the summary request seen on the wire, or the runtime's report. */
  readonly modelFrom?: 'wire' | 'runtime';
}

export type FinalMessage = 'present' | 'cut' | 'missing';
export type Strategy = 'all-at-once' | 'step-by-step';

export interface Evidence {
  /** Model requests in the dispatch (compaction summaries not counted). */
  readonly turns?: number;
  readonly toolCalls?: number;
  /** Tool name → calls; null when the runtime named the tool but not how often it ran. */
  readonly tools?: Readonly<Record<string, number | null>>;
  readonly compactions?: readonly CompactionRecord[];
  readonly finalMessage?: FinalMessage;
}

export const emptyCompaction = (over: Partial<CompactionRecord> = {}): CompactionRecord => ({ startedAt: null, durationMs: null, tokensBefore: null, tokensAfter: null, model: null, trigger: null, ...over });

/**
 * The strategy rule, in the README's words. Counting model requests, not tool calls: one response may
 * issue a whole batch of tool calls and then answer — that is still one response doing the work.
 */
export const STRATEGY_RULE =
  'all-at-once: one or two model requests (one response did the work, with at most one batch of tool calls before the answer); ' +
  'step-by-step: three or more (the model waited for tool results and decided again: tool round-trips)';

export function strategyOf(turns: number | null | undefined): Strategy | undefined {
  if (turns === null || turns === undefined || !Number.isFinite(turns) || turns < 1) return undefined;
  return turns >= 3 ? 'step-by-step' : 'all-at-once';
}

const NORMAL_END = new Set(['stop', 'end_turn', 'endturn', 'stop_sequence', 'eos', 'complete', 'completed']);
const CUT_END = new Set(['length', 'max_tokens', 'maxtokens', 'max_output_tokens', 'content_filter', 'error', 'aborted', 'timeout']);
const TOOL_END = new Set(['tool_calls', 'tooluse', 'tool_use', 'function_call']);

/**
 * present: text came back and the model ended normally; cut: text came back but the reply was stopped
 * (length, error, timeout, a dropped stream); missing: no final text (none at all, or the dispatch ended
 * asking for tools).
 */
export function finalMessageOf(text: string | null | undefined, stopReason: string | null | undefined, errorKind?: string | null): FinalMessage {
  if (!text || !text.trim()) return 'missing';
  const r = (stopReason ?? '').toLowerCase();
  if (TOOL_END.has(r)) return 'missing';
  if (errorKind || !r || CUT_END.has(r)) return 'cut';
  return NORMAL_END.has(r) ? 'present' : 'cut';
}

/** name → count from a list of tool names (one per call). */
export function countTools(names: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const n of names) out[n] = (out[n] ?? 0) + 1;
  return out;
}

/** A record's compactions as a number: new records hold a list, older ones a count. */
export function compactionCount(r: { compactions?: number | readonly unknown[] | null }): number {
  const c = r.compactions;
  return Array.isArray(c) ? c.length : typeof c === 'number' ? c : 0;
}

/** A record's compactions as a list (older records: none with details). */
export function compactionList(r: { compactions?: number | readonly CompactionRecord[] | null }): readonly CompactionRecord[] {
  return Array.isArray(r.compactions) ? (r.compactions as readonly CompactionRecord[]) : [];
}
