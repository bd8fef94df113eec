import type { Evidence } from './evidence.js';
import type { LayerSummary } from '../layer/diff.js';

/** What one dispatch produced, before the runner adds index, timing and expectations. */
export interface DispatchOutcome extends Evidence {
  readonly output: string;
  readonly runtimeMs?: number;
  readonly ttftMs?: number;
  readonly tokensIn?: number;
  readonly tokensOut?: number;
  readonly tokensPerSecond?: number;
  readonly stopReason?: string;
  readonly errorKind?: string;
  readonly errorMessage?: string;
  readonly exitCode?: number;
  readonly transport?: string;
  readonly serverTimings?: Record<string, unknown>;
  /** From the wire (wire/evidence.ts): model requests, their summed prefill, the largest prompt. */
  readonly requests?: number;
  readonly prefillMs?: number;
  readonly promptTokensMax?: number;
  readonly promptTokensTotal?: number;
  readonly layer?: LayerSummary;
}

/**
 * Runs dispatch `index`; must stop (and end any process it started) when `signal` aborts. `prepare`, when
 * present, runs before the clock starts: loading an SDK or building a client is the harness's cost, not
 * the dispatch's (it made the first dispatch of every session look slow).
 */
export type Dispatcher = ((index: number, signal: AbortSignal) => Promise<DispatchOutcome>) & {
  prepare?: () => void | Promise<void>;
  /**
   * After the clock stops: read the runtime's own records of dispatch `index` (OpenClaw's trajectory
   * export) and return the evidence they add. Its cost is the harness's, never the dispatch's.
   */
  collect?: (index: number, outcome: DispatchOutcome, signal: AbortSignal) => Promise<Partial<DispatchOutcome>>;
};
