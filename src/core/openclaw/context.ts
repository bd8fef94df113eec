import { BEHAVIOUR } from './knowledge.js';
import type { CompactionView, ModelRow, NumberField } from './model.js';
import { atLeast, type OpenClawVersion } from './version.js';

/** A fresh session's first prompt (41k-char system prompt + tool schemas), measured on 2026.9.6. */
export const FIRST_TURN_TOKENS = 16400;

export interface EffectiveContext {
  /** C: the runtime budget OpenClaw uses for this row. */
  readonly tokens: number;
  /** Which field set it. */
  readonly source: 'contextTokens' | 'contextWindow' | 'legacy agents.defaults.contextTokens' | 'unresolved default';
  /** The field a fix should edit. */
  readonly field?: NumberField;
}

/** C per src/agents/context-window-guard.ts: row contextTokens caps contextWindow; 200000 when nothing is known. */
export function effectiveContext(row: ModelRow | undefined, version: OpenClawVersion, legacyCap?: NumberField): EffectiveContext {
  let result: EffectiveContext;
  if (row?.contextTokens) {
    const window = row.contextWindow?.value ?? row.contextTokens.value;
    result = { tokens: Math.min(row.contextTokens.value, window), source: 'contextTokens', field: row.contextTokens.value <= window ? row.contextTokens : row.contextWindow };
  } else if (row?.contextWindow) {
    result = { tokens: row.contextWindow.value, source: 'contextWindow', field: row.contextWindow };
  } else {
    result = { tokens: 200000, source: 'unresolved default' };
  }
  // Before 2026.8 the global cap applied to every model; since then it is stripped at read.
  if (legacyCap && !atLeast(version, BEHAVIOUR.newReserveFormula) && legacyCap.value < result.tokens) {
    result = { tokens: legacyCap.value, source: 'legacy agents.defaults.contextTokens', field: legacyCap };
  }
  return result;
}

export interface Thresholds {
  readonly contextTokens: number;
  /** R. */
  readonly reserveTokens: number;
  readonly reserveFormula: string;
  /** C − R: session-threshold compaction (mode "default") and the pre-prompt budget. */
  readonly compactAt: number;
  /** Where the pre-compaction memory flush fires. */
  readonly memoryFlushAt: number;
  readonly flushFormula: string;
  /** Guard thresholds against the model's native window. */
  readonly warnBelow: number;
  readonly blockBelow: number;
}

export function thresholds(c: number, version: OpenClawVersion, compaction: CompactionView, nativeWindow?: number): Thresholds {
  const ref = nativeWindow ?? c;
  const warnBelow = Math.max(8000, Math.floor(0.2 * ref));
  const blockBelow = Math.max(4000, Math.floor(0.1 * ref));
  if (atLeast(version, BEHAVIOUR.newReserveFormula)) {
    const reserve = Math.min(20000, Math.floor(c / 4));
    const compactAt = Math.max(1, c - reserve);
    const soft = Math.min(compaction.softThresholdTokens, Math.floor(compactAt / 2));
    return {
      contextTokens: c,
      reserveTokens: reserve,
      reserveFormula: 'R = min(20000, ⌊C/4⌋)',
      compactAt,
      memoryFlushAt: compactAt - soft,
      flushFormula: 'C − R − min(softThresholdTokens, ⌊(C − R)/2⌋)',
      warnBelow,
      blockBelow,
    };
  }
  // ≈2026.4–2026.7: R = max(reserveTokens ?? 16384, reserveTokensFloor ?? 20000), capped since PR #65671.
  const floor = compaction.reserveTokensFloor?.value ?? 20000;
  let reserve = Math.max(compaction.reserveTokens?.value ?? 16384, floor);
  let reserveFormula = 'R = max(reserveTokens ?? 16384, reserveTokensFloor ?? 20000)';
  if (atLeast(version, BEHAVIOUR.floorCapped)) {
    reserve = Math.min(reserve, c - Math.min(8000, Math.floor(c / 2)));
    reserveFormula += ', capped at C − min(8000, ⌊C/2⌋)';
  }
  const compactAt = Math.max(1, c - reserve);
  return {
    contextTokens: c,
    reserveTokens: reserve,
    reserveFormula,
    compactAt,
    memoryFlushAt: Math.max(0, c - floor - compaction.softThresholdTokens),
    flushFormula: 'contextWindow − reserveTokensFloor − softThresholdTokens',
    warnBelow,
    blockBelow,
  };
}

/** Turns of `turnTokens` that fit after the first turn before compaction fires. */
export function turnsThatFit(t: Thresholds, turnTokens: number): number {
  return Math.max(0, Math.floor((t.compactAt - FIRST_TURN_TOKENS) / Math.max(1, turnTokens)));
}

/** records that fit = usable tokens ÷ (tokens per record × (1 − compression)). */
export function recordsThatFit(t: Thresholds, recordTokens: number, compression: number): number {
  const usable = Math.max(0, t.compactAt - FIRST_TURN_TOKENS);
  const c = Math.min(0.95, Math.max(0, compression));
  return Math.floor(usable / (Math.max(1, recordTokens) * (1 - c)));
}

/**
 * Tokens one summary request may send the compactor: OpenClaw 2026.9 plans summary chunks at
 * ⌊C × 0.4⌋ − 4096 history tokens plus 4096 for the prompt, the previous summary and the summary itself
 * (src/agents/compaction-planning.ts: BASE_CHUNK_RATIO 0.4, SUMMARIZATION_OVERHEAD_TOKENS 4096).
 */
export function compactionRequestTokens(contextTokens: number): number {
  return Math.floor(contextTokens * SUMMARY_CHUNK_RATIO);
}

export const SUMMARY_CHUNK_RATIO = 0.4;
/** A compactor loaded this many times beyond what a request needs reserves memory for nothing. */
export const COMPACTOR_OVERSIZE_FACTOR = 2.5;
