import { compactionCount } from '../dispatch/evidence.js';
import { evidenceLines } from './report.js';
import { summarizeSession } from '../summary.js';
import type { Interval } from '../stats.js';
import type { DispatchRecord, Session } from '../records/store.js';
import { STATS_HEAD, statsCells } from './panelView.js';
import type { PanelSession } from './panelProtocol.js';
import { sessionLabel } from './report.js';
import { readSession } from '../records/store.js';
import { loadTimeline, mediansLine } from '../timeline/timeline.js';
import { timelineView } from './timelineView.js';
import { anomaliesPerDispatch } from '../timeline/anomalies.js';

/**
 * The lab panel's data, shaped from records without any drawing code, so it is tested in plain Node and
 * the webview only draws. One concept, one word: a "point" is one dispatch on the time axis.
 */
export type Outcome = 'completed' | 'missed' | 'failed';

export interface Point {
  readonly session: string;
  readonly index: number;
  readonly seconds: number;
  readonly cluster: 'fast' | 'slow' | 'none';
  /** The cluster is from a tentative split (fewer than 6 dispatches). */
  readonly tentative?: boolean;
  /** completed; missed = ended cleanly but without its expectations or stop reason; failed = an error. */
  readonly outcome: Outcome;
  readonly outputFile: string;
  readonly strategy?: 'all-at-once' | 'step-by-step' | null;
  readonly anomalies?: number;
}

export function outcomeOf(r: DispatchRecord): Outcome {
  if (r.completed) return 'completed';
  return r.errorKind ? 'failed' : 'missed';
}

export function points(session: Session, d: readonly DispatchRecord[]): Point[] {
  const sum = summarizeSession(d);
  const slow = new Set(sum.split.slow);
  return d.map((r) => ({
    session: session.id,
    index: r.index,
    seconds: r.wallMs / 1000,
    cluster: !sum.split.split ? 'none' : slow.has(r.wallMs / 1000) ? 'slow' : 'fast',
    ...(sum.split.tentative ? { tentative: true } : {}),
    outcome: outcomeOf(r),
    outputFile: r.outputFile,
    strategy: r.strategy ?? null,
  }));
}

export { histogram, type Histogram } from './panelView.js';

/**
 * One session as the panel gets it, from the lab folder: its points (each with its anomaly count), its table row
 * (the per-request medians among the evidence lines), and, when asked, its timeline.
 */
export function panelSession(root: string, id: string, o: { timeline: boolean }): PanelSession {
  const { session, dispatches } = readSession(root, id);
  const t = loadTimeline(root, id, { session, dispatches });
  const per = anomaliesPerDispatch(t.anomalies);
  const recorded = !!session.environment.wire?.recorded;
  const row = tableRow(session, dispatches);
  const medians = mediansLine(t.medians);
  const withTimeline = o.timeline && recorded;
  return {
    id,
    label: sessionLabel(session),
    points: points(session, dispatches).map((p) => (recorded ? { ...p, anomalies: per.get(p.index) ?? 0 } : p)),
    // The medians once: above the timeline when it is shown, else among the evidence lines (a comparison's).
    row: medians && !withTimeline ? { ...row, evidence: [...(row.evidence ?? []), medians] } : row,
    ...(withTimeline ? { timeline: timelineView(t, medians) } : {}),
  };
}

export interface TableRow {
  readonly session: string;
  readonly workload: string;
  readonly profile: string | null;
  readonly n: number;
  readonly median: number | null;
  readonly p10: number | null;
  readonly p90: number | null;
  /** null when no split is declared. */
  readonly slowRate: Interval | null;
  /** The split is tentative (fewer than 6 dispatches): marked wherever the slow rate is shown. */
  readonly tentative?: boolean;
  /** What the split says about itself (e.g. "run more before comparing"). */
  readonly notes?: string[];
  readonly completion: Interval;
  readonly compactions: number;
  readonly ttftMs: number | null;
  readonly tokensPerSecond: number | null;
  readonly evidence?: string[];
}

export function tableRow(session: Session, d: readonly DispatchRecord[]): TableRow {
  const s = summarizeSession(d);
  return {
    session: session.id,
    workload: session.workload.name,
    profile: session.environment.profile ?? null,
    n: s.n,
    median: s.seconds?.median ?? null,
    p10: s.seconds?.p10 ?? null,
    p90: s.seconds?.p90 ?? null,
    slowRate: s.split.split ? s.split.slowRate! : null,
    ...(s.split.tentative ? { tentative: true } : {}),
    ...(s.split.warnings.length ? { notes: s.split.warnings } : {}),
    completion: s.completed,
    compactions: s.compactions,
    ttftMs: s.ttftMs ?? null,
    tokensPerSecond: s.tokensPerSecond ?? null,
    evidence: evidenceLines(s, session.environment.compactionThreshold),
  };
}

/** The operator's notebook table, as Markdown: the panel's cells, so both say the same numbers. */
export function markdownTable(rows: readonly TableRow[]): string {
  const head = ['session', 'workload', 'profile', ...STATS_HEAD];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i < 3 ? '---' : '---:')).join('|')}|`];
  for (const r of rows) lines.push(`| ${[r.session, r.workload, r.profile ?? '—', ...statsCells(r)].join(' | ')} |`);
  return lines.join('\n') + '\n';
}

/**
 * A cell a spreadsheet would read as a formula (`=`, `+`, `-`, `@`, or a leading tab or CR, which some
 * strip before looking) gets a leading single quote (OWASP's CSV-injection rule), so a stop reason or
 * error kind sent by a server cannot run in the operator's spreadsheet. A plain number (`-12`, `-0.5`,
 * `+3`) is left alone so numeric columns stay numeric; `-1+2` or `-2e3` is not a plain number and is quoted.
 */
export function neutralizeCell(s: string): string {
  if (/^[=+\-@\t\r]/.test(s) && !/^[+-]?\d+(\.\d+)?$/.test(s)) return `'${s}`;
  return s;
}

function csvField(v: unknown): string {
  const s = neutralizeCell(v === null || v === undefined ? '' : String(v));
  return /[",\r\n\t]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Every dispatch of the given sessions, one row each (RFC 4180 quoting). */
export function dispatchesCsv(sessions: readonly { session: Session; dispatches: readonly DispatchRecord[] }[]): string {
  const cols = ['session', 'workload', 'index', 'startedAt', 'seconds', 'cluster', 'outcome', 'stopReason', 'errorKind', 'ttftMs', 'tokensIn', 'tokensOut', 'tokensPerSecond', 'compactions', 'transport', 'turns', 'toolCalls', 'strategy', 'finalMessage'] as const;
  const lines = [cols.join(',')];
  for (const { session, dispatches } of sessions) {
    const ps = points(session, dispatches);
    dispatches.forEach((r, i) => {
      const p = ps[i]!;
      const row: Record<(typeof cols)[number], unknown> = {
        session: session.id,
        workload: session.workload.name,
        index: r.index,
        startedAt: r.startedAt,
        seconds: (r.wallMs / 1000).toFixed(3),
        cluster: p.tentative && p.cluster !== 'none' ? `${p.cluster} (tentative)` : p.cluster,
        outcome: p.outcome,
        stopReason: r.stopReason,
        errorKind: r.errorKind,
        ttftMs: r.ttftMs === null || r.ttftMs === undefined ? null : Math.round(r.ttftMs),
        tokensIn: r.tokensIn,
        tokensOut: r.tokensOut,
        tokensPerSecond: r.tokensPerSecond === null || r.tokensPerSecond === undefined ? null : r.tokensPerSecond.toFixed(2),
        compactions: compactionCount(r),
        transport: r.transport,
        turns: r.turns,
        toolCalls: r.toolCalls,
        strategy: r.strategy,
        finalMessage: r.finalMessage,
      };
      lines.push(cols.map((c) => csvField(row[c])).join(','));
    });
  }
  return lines.join('\r\n') + '\r\n';
}
