import type { PanelSession } from './panelProtocol.js';
import type { Interval } from './stats.js';

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
    percent(r.slowRate),
    percent(r.completion),
    String(r.compactions),
    r.ttftMs === null ? '—' : String(Math.round(r.ttftMs)),
    r.tokensPerSecond === null ? '—' : r.tokensPerSecond.toFixed(1),
  ];
}

export interface PanelView {
  readonly title: string;
  readonly histogram: { readonly labels: string[]; readonly counts: number[] };
  readonly stats: { readonly head: string[]; readonly rows: string[][] };
  /** One row per dispatch; `index` is the dispatch's own number (its output file's). */
  readonly dispatches: { readonly head: string[]; readonly rows: { session: string; index: number; cells: string[] }[] };
}

export function panelView(sessions: readonly PanelSession[]): PanelView {
  const all = sessions.flatMap((s) => s.points);
  const h = histogram(all.map((p) => p.seconds));
  return {
    title: sessions.length > 1 ? `Compare ${sessions.length} lab sessions` : sessions[0] ? `Lab session ${sessions[0].label}` : 'Lab',
    histogram: { labels: h.counts.map((_, i) => `${seconds(h.edges[i]!)}–${seconds(h.edges[i + 1]!)}`), counts: h.counts },
    stats: { head: ['session', ...STATS_HEAD], rows: sessions.map((s) => [s.label, ...statsCells(s.row)]) },
    dispatches: {
      head: ['session', 'dispatch', 'seconds', 'cluster', 'outcome', 'output'],
      rows: sessions.flatMap((s) => s.points.map((p) => ({ session: s.id, index: p.index, cells: [s.label, String(p.index + 1), seconds(p.seconds), p.cluster, p.outcome] }))),
    },
  };
}
