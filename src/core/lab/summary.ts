import { bootstrapMedianDifference, classify, summarize, wilson, type Interval } from './stats.js';
import type { DispatchRecord } from './records/store.js';
import { compactionCount, compactionList } from './dispatch/evidence.js';

/** A lab session's figures from its dispatch records: distribution, split, completion, compaction tax; and a comparison of two. */

/** How the dispatches of one cluster went about the work (strategy counts only dispatches that recorded turns). */
export interface ClusterEvidence {
  /** 'all' without a split; 'outlier' for a single far-slower dispatch. */
  readonly cluster: 'fast' | 'slow' | 'all' | 'outlier';
  readonly n: number;
  readonly stepByStep: number;
  readonly allAtOnce: number;
  readonly compactions: number;
}

/** Seconds per compaction for one summarizing model: the compaction tax. */
export interface CompactionTax {
  readonly model: string;
  /** Compactions with a recorded duration. */
  readonly n: number;
  readonly medianSeconds: number;
}

export interface SessionSummary {
  readonly n: number;
  readonly completed: Interval;
  readonly seconds: ReturnType<typeof summarize>;
  readonly split: ReturnType<typeof classify>;
  readonly compactions: number;
  readonly ttftMs?: number;
  readonly tokensPerSecond?: number;
  readonly clusters: ClusterEvidence[];
  readonly compactionTax: CompactionTax[];
  /** Tokens before each threshold compaction (or one whose trigger was not reported): where it really fired. */
  readonly compactionTokensBefore?: { readonly median: number; readonly n: number };
}

function clusterEvidence(d: readonly DispatchRecord[], split: ReturnType<typeof classify>): ClusterEvidence[] {
  const slow = new Set(split.slow);
  const outliers = new Set(split.outliers);
  const groupOf = (r: DispatchRecord): ClusterEvidence['cluster'] => (outliers.has(r.wallMs / 1000) ? 'outlier' : !split.split ? 'all' : slow.has(r.wallMs / 1000) ? 'slow' : 'fast');
  const order: ClusterEvidence['cluster'][] = split.split ? ['fast', 'slow'] : ['all', 'outlier'];
  return order
    .map((cluster) => {
      const rs = d.filter((r) => groupOf(r) === cluster);
      return {
        cluster,
        n: rs.length,
        stepByStep: rs.filter((r) => r.strategy === 'step-by-step').length,
        allAtOnce: rs.filter((r) => r.strategy === 'all-at-once').length,
        compactions: rs.reduce((n, r) => n + compactionCount(r), 0),
      };
    })
    .filter((c) => c.n > 0);
}

function observedTrigger(d: readonly DispatchRecord[]): SessionSummary['compactionTokensBefore'] {
  const xs = d.flatMap((r) => compactionList(r).filter((c) => c.trigger === null || c.trigger === 'threshold').flatMap((c) => (c.tokensBefore === null ? [] : [c.tokensBefore])));
  return xs.length ? { median: summarize(xs)!.median, n: xs.length } : undefined;
}

/** Median seconds per compaction, per summarizing model, over the compactions whose duration was recorded. */
export function compactionTax(d: readonly DispatchRecord[]): CompactionTax[] {
  const byModel = new Map<string, number[]>();
  for (const r of d) for (const c of compactionList(r)) {
    if (c.durationMs === null || !Number.isFinite(c.durationMs)) continue;
    const key = c.model ?? 'unknown model';
    byModel.set(key, [...(byModel.get(key) ?? []), c.durationMs / 1000]);
  }
  return [...byModel].map(([model, xs]) => ({ model, n: xs.length, medianSeconds: summarize(xs)!.median })).sort((a, b) => a.model.localeCompare(b.model));
}

/** Statistics over the completed and failed dispatches alike (time is time); completion is its own figure. */
export function summarizeSession(d: readonly DispatchRecord[]): SessionSummary {
  const secs = d.map((r) => r.wallMs / 1000);
  const med = (xs: number[]) => (xs.length ? summarize(xs)!.median : undefined);
  const split = classify(secs);
  return {
    n: d.length,
    completed: wilson(d.filter((r) => r.completed).length, d.length),
    seconds: summarize(secs),
    split,
    clusters: clusterEvidence(d, split),
    compactionTax: compactionTax(d),
    compactionTokensBefore: observedTrigger(d),
    compactions: d.reduce((n, r) => n + compactionCount(r), 0),
    ttftMs: med(d.flatMap((r) => (r.ttftMs == null ? [] : [r.ttftMs]))),
    tokensPerSecond: med(d.flatMap((r) => (r.tokensPerSecond == null ? [] : [r.tokensPerSecond]))),
  };
}

export function compareSessions(a: readonly DispatchRecord[], b: readonly DispatchRecord[]) {
  const sa = summarizeSession(a);
  const sb = summarizeSession(b);
  const rate = (s: SessionSummary) => (s.split.split ? s.split.slow.length / s.n : 0);
  return {
    medianSeconds: a.length && b.length ? bootstrapMedianDifference(a.map((r) => r.wallMs / 1000), b.map((r) => r.wallMs / 1000)) : null,
    // Tentative when either side's split is (fewer than 6 dispatches): shown, but not a basis for comparing.
    slowRate: { a: rate(sa), b: rate(sb), difference: rate(sb) - rate(sa), tentative: sa.split.tentative || sb.split.tentative },
    completion: { a: sa.completed.value, b: sb.completed.value, difference: sb.completed.value - sa.completed.value },
    summaries: { a: sa, b: sb },
  };
}


