/** What one dispatch produced, before the runner adds index, timing and expectations. */
export interface DispatchOutcome {
  readonly output: string;
  readonly runtimeMs?: number;
  readonly ttftMs?: number;
  readonly tokensIn?: number;
  readonly tokensOut?: number;
  readonly tokensPerSecond?: number;
  readonly stopReason?: string;
  readonly errorKind?: string;
  readonly errorMessage?: string;
  readonly compactions?: number;
  /** Tokens before/after each compaction, from the session's trajectory export (when it ran). */
  readonly compactionEvents?: readonly { tokensBefore?: number; tokensAfter?: number }[];
  readonly exitCode?: number;
  readonly transport?: string;
  readonly serverTimings?: Record<string, unknown>;
}

/**
 * Runs dispatch `index`; must stop (and end any process it started) when `signal` aborts. `prepare`, when
 * present, runs before the clock starts: loading an SDK or building a client is the harness's cost, not
 * the dispatch's (it made the first dispatch of every session look slow).
 */
export type Dispatcher = ((index: number, signal: AbortSignal) => Promise<DispatchOutcome>) & { prepare?: () => void | Promise<void> };
