import { ckmeans, interquartileRange, max, mean, median, min, quantile, sampleStandardDeviation } from 'simple-statistics';

export interface Summary {
  readonly n: number;
  readonly median: number;
  readonly mean: number;
  /** Sample standard deviation; 0 for a single value. */
  readonly sd: number;
  readonly min: number;
  readonly max: number;
  readonly p10: number;
  readonly p90: number;
  readonly iqr: number;
}

export function summarize(values: readonly number[]): Summary | undefined {
  if (values.length === 0) return undefined;
  const v = [...values];
  return {
    n: v.length,
    median: median(v),
    mean: mean(v),
    sd: v.length > 1 ? sampleStandardDeviation(v) : 0,
    min: min(v),
    max: max(v),
    p10: quantile(v, 0.1),
    p90: quantile(v, 0.9),
    iqr: interquartileRange(v),
  };
}

export interface ClusterStats {
  readonly n: number;
  readonly mean: number;
  readonly min: number;
  readonly max: number;
}

export interface Interval {
  readonly value: number;
  readonly low: number;
  readonly high: number;
}

export interface Classification {
  readonly n: number;
  readonly split: boolean;
  /**
   * A split seen with 3 ≤ n < 6 by darkmux's rule (max ≥ 1.5 × min, boundary at the midpoint): shown, but
   * too few dispatches to compare on; every view marks it and says "run more before comparing".
   */
  readonly tentative: boolean;
  /** All values when there is no split, except `outliers`; empty below 3 dispatches (no clusters at all). */
  readonly fast: number[];
  readonly slow: number[];
  /** A single dispatch far slower than the rest (no split declared): kept out of `fast`, not called a cluster. */
  readonly outliers: number[];
  /** Below 3 dispatches: the values, in no cluster (neither fast nor slow). */
  readonly unclustered: number[];
  readonly fastCluster?: ClusterStats;
  readonly slowCluster?: ClusterStats;
  /** Share of dispatches in the slow cluster, with a 95 % Wilson interval. */
  readonly slowRate?: Interval;
  readonly warnings: string[];
}

/** Fewer dispatches than this cannot show a confirmed fast/slow split. */
export const MIN_N_FOR_SPLIT = 6;
/** From this many dispatches a tentative split by darkmux's rule; below it, no clusters. */
export const MIN_N_FOR_TENTATIVE = 3;
/** darkmux's rule (`compute_stats`): split when the slowest is at least this many times the fastest. */
export const TENTATIVE_MAX_RATIO = 1.5;
/** The slow cluster's mean must be at least this many times the fast one's. */
export const MIN_MEAN_RATIO = 1.5;
/** The gap between clusters must be at least this share of the fast mean... */
export const MIN_GAP_SHARE = 0.25;

export const SPLIT_CRITERION =
  `two clusters by optimal 1-D k-means (ckmeans), declared only with n ≥ ${MIN_N_FOR_SPLIT}, at least two dispatches in each, ` +
  `the slow mean ≥ ${MIN_MEAN_RATIO} × the fast mean, and the gap between the clusters ≥ ${MIN_GAP_SHARE} × the fast mean ` +
  'and ≥ the spread of the fast cluster; ' +
  `with ${MIN_N_FOR_TENTATIVE} ≤ n < ${MIN_N_FOR_SPLIT} a tentative split by darkmux's rule (max ≥ ${TENTATIVE_MAX_RATIO} × min, fast ≤ the midpoint of min and max < slow); ` +
  `below ${MIN_N_FOR_TENTATIVE} no clusters`;

export const RUN_MORE = 'run more before comparing';

function clusterStats(v: readonly number[]): ClusterStats {
  return { n: v.length, mean: mean([...v]), min: min([...v]), max: max([...v]) };
}

/** 95 % Wilson score interval for k successes in n. */
export function wilson(k: number, n: number, z = 1.96): Interval {
  if (n === 0) return { value: 0, low: 0, high: 1 };
  const p = k / n;
  const z2 = z * z;
  const center = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
  return { value: p, low: Math.max(0, center - half), high: Math.min(1, center + half) };
}

/**
 * Fast/slow split, declared only when the clusters are clearly apart. The operators' table (198, 606, 197,
 * 276, 218, 939 s) splits 197–276 / 606–939: slow mean 3.5 × fast, gap 330 s = 1.5 × the fast mean and
 * 4.2 × the fast spread. An evenly spread set does not (its gap is no wider than the fast spread).
 */
export function classify(values: readonly number[]): Classification {
  const v = values.filter((x) => Number.isFinite(x));
  const warnings: string[] = [];
  const none = (why?: string, outliers: number[] = []): Classification => {
    if (why) warnings.push(why);
    const out = new Set(outliers);
    return { n: v.length, split: false, tentative: false, fast: v.filter((x) => !out.has(x)), slow: [], outliers, unclustered: [], warnings };
  };
  if (v.length < MIN_N_FOR_TENTATIVE) {
    // Two values cannot say which of them is typical: neither is called fast (or slow).
    warnings.push(`only ${v.length} dispatch(es): no clusters below ${MIN_N_FOR_TENTATIVE}; ${RUN_MORE}`);
    return { n: v.length, split: false, tentative: false, fast: [], slow: [], outliers: [], unclustered: v, warnings };
  }
  if (v.length < MIN_N_FOR_SPLIT) return tentative(v);
  if (min(v) === max(v)) return none();
  const [fast, slow] = ckmeans([...v], 2) as [number[], number[]];
  const f = clusterStats(fast);
  const s = clusterStats(slow);
  const gap = s.min - f.max;
  // One far-slower dispatch (as clearly apart as a slow cluster would have to be) is an outlier, not a cluster.
  if (slow.length === 1 && s.mean >= MIN_MEAN_RATIO * f.mean && gap >= MIN_GAP_SHARE * f.mean && gap >= f.max - f.min) {
    return none(`one dispatch (${s.min}) is far slower than the rest; a second slow one would show whether it is a cluster`, [s.min]);
  }
  if (fast.length < 2 || slow.length < 2) return none();
  if (s.mean < MIN_MEAN_RATIO * f.mean || gap < MIN_GAP_SHARE * f.mean || gap < f.max - f.min) return none();
  return { n: v.length, split: true, tentative: false, fast, slow, outliers: [], unclustered: [], fastCluster: f, slowCluster: s, slowRate: wilson(slow.length, v.length), warnings };
}

/**
 * darkmux's rule for 3 ≤ n < 6 (`compute_stats`, v0.4 and HEAD): split when max ≥ 1.5 × min, fast at or
 * below the midpoint of min and max, slow above. So 200, 220, 900 puts 900 in slow, never in fast.
 */
function tentative(v: readonly number[]): Classification {
  const lo = min([...v]);
  const hi = max([...v]);
  const n = v.length;
  const base = { n, outliers: [], unclustered: [] };
  if (hi === lo || hi < TENTATIVE_MAX_RATIO * lo) {
    const why = `only ${n} dispatches, within ${TENTATIVE_MAX_RATIO}× of each other: no split by darkmux's rule, and none can be confirmed below ${MIN_N_FOR_SPLIT}; ${RUN_MORE}`;
    return { ...base, split: false, tentative: false, fast: [...v], slow: [], warnings: [why] };
  }
  const mid = (lo + hi) / 2;
  const fast = v.filter((x) => x <= mid);
  const slow = v.filter((x) => x > mid);
  const why = `tentative split from only ${n} dispatches (darkmux's rule: max ≥ ${TENTATIVE_MAX_RATIO} × min, boundary ${+mid.toFixed(3)}); ${RUN_MORE}`;
  return { ...base, split: true, tentative: true, fast, slow, fastCluster: clusterStats(fast), slowCluster: clusterStats(slow), slowRate: wilson(slow.length, n), warnings: [why] };
}

/** A small seeded generator, so bootstrap intervals are reproducible. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Difference in medians (b − a) with a 95 % percentile-bootstrap interval. */
export function bootstrapMedianDifference(a: readonly number[], b: readonly number[], iterations = 2000, seed = 1): Interval {
  const rand = mulberry32(seed);
  const resample = (x: readonly number[]) => Array.from({ length: x.length }, () => x[Math.floor(rand() * x.length)]!);
  const diffs: number[] = [];
  for (let i = 0; i < iterations; i++) diffs.push(median(resample(b)) - median(resample(a)));
  return { value: median([...b]) - median([...a]), low: quantile(diffs, 0.025), high: quantile(diffs, 0.975) };
}
