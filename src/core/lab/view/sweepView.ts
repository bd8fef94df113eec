import { summarizeSession } from '../summary.js';
import type { DispatchRecord } from '../records/store.js';
import type { SweepRecord } from '../experiments/sweepRun.js';
import { armFigures, judge, layerCells, LAYER_TABLE_HEAD, sweepCells, SWEEP_TABLE_HEAD, type SweepKnob, type SweepRow } from '../experiments/sweep.js';

/**
 * A sweep in the Lab panel: one grouped comparison of its sessions, base first, and one line per variant
 * with its change, its difference from the base and its verdict. Plain data: the panel's existing
 * "differences" list carries the lines, so the webview draws a sweep without knowing what one is.
 */
export interface SweepComparison {
  readonly title: string;
  /** Session ids, base first, then the variants in the sweep's order (variants that did not run are left out). */
  readonly sessionIds: string[];
  /** The strip label of each of those sessions: the arm's name, so the variants read apart in a narrow panel. */
  readonly labels: string[];
  readonly rows: SweepRow[];
  readonly differences: { label: string; value: string }[];
}

/** The table rows of a recorded sweep, judged from its sessions' dispatches (`dispatchesOf` reads a session). */
export function rowsOfRecord(record: SweepRecord, dispatchesOf: (sessionId: string) => readonly DispatchRecord[]): SweepRow[] {
  const of = (id: string | null) => (id ? dispatchesOf(id) : []);
  const slow = (d: readonly DispatchRecord[]) => {
    const s = summarizeSession(d);
    // A sweep judges variants on the slow rate, so a tentative split (n < 6) gives none.
    return s.split.split && !s.split.tentative ? s.split.slow.length / s.n : null;
  };
  const [base, ...variants] = record.arms;
  const baseD = of(base?.session ?? null);
  return [
    { name: 'base', knob: null, from: null, to: null, figures: armFigures(baseD, slow(baseD)), ...(base?.error ? { error: base.error } : {}) },
    ...variants.map((a): SweepRow => {
      const d = of(a.session);
      return {
        name: a.name,
        knob: a.knob as SweepKnob,
        from: a.from,
        to: a.to,
        figures: armFigures(d, slow(d)),
        ...(a.error ? { error: a.error } : !a.session ? { error: 'the sweep stopped first' } : { judgement: judge(baseD, d) }),
      };
    }),
  ];
}

export function sweepComparison(record: SweepRecord, dispatchesOf: (sessionId: string) => readonly DispatchRecord[]): SweepComparison {
  const rows = rowsOfRecord(record, dispatchesOf);
  const ran = record.arms.filter((a) => a.session);
  const sessionIds = ran.map((a) => a.session!);
  const labels = ran.map((a) => (a.knob === null ? `base · ${record.base}` : a.name));
  const head = (i: number) => SWEEP_TABLE_HEAD[i]!.replace(/ s \(95 % CI\)$/, '');
  const layered = rows.some((r) => r.knob === 'transport');
  // A transport sweep's lines also carry the layer's columns (tokens the server counted, facts lost, lines invented).
  const layerText = (r: SweepRow) => (layered ? layerCells(r, rows[0]).map((c, i) => ` · ${LAYER_TABLE_HEAD[i]} ${c}`).join('') : '');
  const differences = rows.slice(1).map((r) => {
    const c = sweepCells(r);
    return {
      label: `${r.name} (${c[1]})`,
      value: r.error ? `not run: ${r.error}` : `${r.judgement?.verdict ?? '—'} · ${head(2)} ${c[2]} s · ${head(3)} ${c[3]} · ${head(4)} ${c[4]} · ${head(5)} ${c[5]}${layerText(r)}${r.judgement?.note ? ` · ${r.judgement.note}` : ''}`,
    };
  });
  return {
    title: `Sweep from ${record.base}: ${record.workload} ×${record.n}${record.status === 'complete' ? '' : ` (${record.status})`}`,
    sessionIds,
    labels,
    rows,
    differences: [{ label: 'base', value: `${record.base}, first in the comparison${layered ? ` · direct (no proxy)${layerText(rows[0]!)}` : ''}` }, ...differences],
  };
}
