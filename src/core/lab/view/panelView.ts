import type { PanelSession } from './panelProtocol.js';
import type { Interval } from '../stats.js';

/**
 * What the lab panel draws, computed here (plain TypeScript, no DOM, tested in Node) so the webview only
 * draws it and the exports format numbers the same way: one formatter for the panel, Markdown and CLI.
 */
export const seconds = (x: number | null | undefined) => (x === null || x === undefined ? '—' : x < 10 ? x.toFixed(2) : x.toFixed(1));
export const percent = (i: Interval | null | undefined) => (!i ? '—' : `${Math.round(100 * i.value)} % (${Math.round(100 * i.low)}–${Math.round(100 * i.high)})`);

export interface Histogram {
  /** Bin edges, one more than counts. */
  readonly edges: number[];
  readonly counts: number[];
}

/** Equal-width bins, ⌈√n⌉ of them (at least 1, at most 30), covering min to max. */
export function histogram(values: readonly number[]): Histogram {
  if (values.length === 0) return { edges: [], counts: [] };
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  // Equal values make one bin.
  const bins = hi > lo ? Math.max(1, Math.min(30, Math.ceil(Math.sqrt(values.length)))) : 1;
  const width = hi > lo ? (hi - lo) / bins : 1;
  const edges = Array.from({ length: bins + 1 }, (_, i) => lo + i * width);
  const counts = new Array<number>(bins).fill(0);
  for (const v of values) counts[Math.min(bins - 1, Math.floor((v - lo) / width))]!++;
  return { edges, counts };
}

export const STATS_HEAD = ['n', 'median s', 'p10–p90 s', 'slow rate', 'completed', 'compactions', 'TTFT ms', 'tok/s'];

/** A session's statistics as the cells of the panel's table and of the Markdown export. */
export function statsCells(r: PanelSession['row']): string[] {
  return [
    String(r.n),
    seconds(r.median),
    r.p10 === null ? '—' : `${seconds(r.p10)}–${seconds(r.p90)}`,
    r.slowRate && r.tentative ? `${percent(r.slowRate)} tentative` : percent(r.slowRate),
    percent(r.completion),
    String(r.compactions),
    r.ttftMs === null ? '—' : String(Math.round(r.ttftMs)),
    r.tokensPerSecond === null ? '—' : r.tokensPerSecond.toFixed(1),
  ];
}

/** Colours by meaning; the webview maps each key to a theme variable. */
export type ColourKey = 'fast' | 'slow' | 'none' | `session${number}`;
/** Sessions in a comparison get colours of their own, distinct from the cluster colours. */
/** Four hues, then the same four lighter: five sessions never share a colour. */
export const SESSION_COLOURS = 8;

/** A dispatch on the strip: y is its session's row plus a small fixed offset, so equal times stay visible. */
export interface StripPoint {
  readonly session: string;
  readonly index: number;
  readonly x: number;
  readonly y: number;
  readonly cluster: 'fast' | 'slow' | 'none';
  readonly outcome: 'completed' | 'missed' | 'failed';
}

/**
 * A deterministic offset in [−0.3, 0.3] from the dispatch number (golden-ratio steps), so dispatches with
 * the same time do not hide each other and the picture is the same on every redraw.
 */
export function jitter(index: number): number {
  const f = (index * 0.6180339887) % 1;
  return Math.round((f - 0.5) * 0.6 * 1000) / 1000;
}

export interface PanelView {
  readonly title: string;
  /** Bins shared by every session; one series per session (coloured per session when comparing). */
  readonly histogram: { readonly labels: string[]; readonly counts: number[]; readonly series: { label: string; counts: number[]; colour: ColourKey }[] };
  readonly points: StripPoint[];
  /** Row labels of the strip, bottom to top: workload · profile · time. */
  readonly strips: string[];
  /** What each colour means, only for colours on the page. */
  /** `dots`: the strip's colours (clusters); `bars`: the histogram's when comparing (sessions). */
  readonly legend: { colour: ColourKey; label: string; group: 'dots' | 'bars' }[];
  /** Per session: what its dispatches did and its compaction tax (evidenceLines). */
  readonly evidence: { session: string; lines: string[] }[];
  readonly stats: { readonly head: string[]; readonly rows: string[][] };
  /** One row per dispatch; `index` is the dispatch's own number (its output file's). */
  readonly dispatches: { readonly head: string[]; readonly rows: { session: string; index: number; cells: string[] }[] };
}

/** Counts of `values` in the bins of `h` (the last edge is inclusive, as in histogram()). */
function binCounts(h: Histogram, values: readonly number[]): number[] {
  const counts = new Array<number>(h.counts.length).fill(0);
  if (!counts.length) return counts;
  const lo = h.edges[0]!;
  const width = h.edges.length > 1 && h.edges[1]! > lo ? h.edges[1]! - lo : 1;
  for (const v of values) counts[Math.max(0, Math.min(counts.length - 1, Math.floor((v - lo) / width)))]!++;
  return counts;
}

const CLUSTER_LABEL = { fast: 'fast cluster', slow: 'slow cluster', none: 'no fast/slow split' } as const;

export function panelView(sessions: readonly PanelSession[]): PanelView {
  const all = sessions.flatMap((s) => s.points);
  const h = histogram(all.map((p) => p.seconds));
  const comparing = sessions.length > 1;
  const sessionColour = (i: number): ColourKey => (comparing ? `session${i % SESSION_COLOURS}` : 'fast');
  const clusters = (['fast', 'slow', 'none'] as const).filter((c) => all.some((p) => p.cluster === c));
  // A cluster shown only from tentative splits says so in the legend.
  const tentativeOnly = (c: 'fast' | 'slow' | 'none') => c !== 'none' && all.filter((p) => p.cluster === c).every((p) => p.tentative);
  return {
    title: comparing ? `Compare ${sessions.length} lab sessions` : sessions[0] ? `Lab session ${sessions[0].label}` : 'Lab',
    histogram: {
      labels: h.counts.map((_, i) => `${seconds(h.edges[i]!)}–${seconds(h.edges[i + 1]!)}`),
      counts: h.counts,
      // One session: its bars split by cluster, coloured as the strip's dots; comparing: one colour per session.
      series: comparing
        ? sessions.map((s, i) => ({ label: s.label, counts: binCounts(h, s.points.map((p) => p.seconds)), colour: sessionColour(i) }))
        : clusters.map((c) => ({ label: CLUSTER_LABEL[c], counts: binCounts(h, all.filter((p) => p.cluster === c).map((p) => p.seconds)), colour: c as ColourKey })),
    },
    points: sessions.flatMap((s, i) => s.points.map((p) => ({ session: s.id, index: p.index, x: p.seconds, y: i + 1 + jitter(p.index), cluster: p.cluster, outcome: p.outcome }))),
    strips: sessions.map((s) => s.label),
    // Grouped by what each colour marks: the dots of the strip by cluster; when comparing, the bars by session.
    legend: [
      ...clusters.map((c) => ({ colour: c as ColourKey, label: `${CLUSTER_LABEL[c]}${tentativeOnly(c) ? ', tentative' : ''}`, group: 'dots' as const })),
      ...(comparing ? sessions.map((s, i) => ({ colour: sessionColour(i), label: s.label, group: 'bars' as const })) : []),
    ],
    evidence: sessions.map((s) => ({ session: s.label, lines: [...(s.row.evidence ?? []), ...(s.row.notes ?? [])] })).filter((e) => e.lines.length > 0),
    stats: { head: ['session', ...STATS_HEAD], rows: sessions.map((s) => [s.label, ...statsCells(s.row)]) },
    dispatches: {
      head: ['session', 'dispatch', 'seconds', 'cluster', 'outcome', 'strategy', 'anomalies', 'output'],
      rows: sessions.flatMap((s) =>
        s.points.map((p) => ({
          session: s.id,
          index: p.index,
          cells: [s.label, String(p.index + 1), seconds(p.seconds), p.tentative && p.cluster !== 'none' ? `${p.cluster} (tentative)` : p.cluster, p.outcome, p.strategy ?? '—', p.anomalies === undefined ? '—' : String(p.anomalies)],
        })),
      ),
    },
  };
}
