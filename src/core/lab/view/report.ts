import { compactionCount } from '../dispatch/evidence.js';
import { summarizeSession, type compareSessions, type SessionSummary } from '../summary.js';
import { RUN_MORE } from '../stats.js';
import type { DispatchRecord, Environment, Session } from '../records/store.js';

const secs = (ms: number) => (ms / 1000).toFixed(ms < 10_000 ? 2 : 1);

/** Which cluster each dispatch fell in ('—' without a split; 'fast?'/'slow?' in a tentative one). */
export function clusterOf(d: readonly DispatchRecord[]): (r: DispatchRecord) => 'fast' | 'slow' | 'fast?' | 'slow?' | '—' {
  const sum = summarizeSession(d);
  const slow = new Set(sum.split.slow);
  const mark = sum.split.tentative ? '?' : '';
  return (r) => (!sum.split.split ? '—' : slow.has(r.wallMs / 1000) ? `slow${mark}` : `fast${mark}`) as 'fast' | 'slow' | 'fast?' | 'slow?';
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * What the dispatches did, per cluster ("slow cluster: 2 of 2 step-by-step, 5 compactions"), and the
 * compaction tax per summarizing model. The same lines in `lab show`, `lab compare` and the panel.
 */
export function evidenceLines(sum: Pick<SessionSummary, 'clusters' | 'compactionTax' | 'compactionTokensBefore'>, predicted?: Environment['compactionThreshold']): string[] {
  const name = { fast: 'fast cluster', slow: 'slow cluster', all: 'all dispatches', outlier: 'outlier' } as const;
  const lines = sum.clusters.map((c) => {
    const known = c.stepByStep + c.allAtOnce;
    const how = known === 0 ? 'strategy not recorded' : c.stepByStep >= c.allAtOnce ? `${c.stepByStep} of ${c.n} step-by-step` : `${c.allAtOnce} of ${c.n} all-at-once`;
    return `${name[c.cluster]}: ${how}, ${plural(c.compactions, 'compaction')}`;
  });
  if (sum.compactionTax.length) {
    lines.push(`compaction tax: ${sum.compactionTax.map((t) => `${t.model} ${t.medianSeconds.toFixed(1)} s per compaction (median of ${t.n})`).join('; ')}`);
  }
  const seen = sum.compactionTokensBefore;
  if (seen && predicted) {
    const gap = seen.median - predicted.compactAt;
    const n = (x: number) => Math.round(x).toLocaleString('en-US');
    lines.push(
      `compaction trigger: observed at ${n(seen.median)} tokens (median of ${seen.n}), predicted ${n(predicted.compactAt)} (${predicted.formula}; C ${n(predicted.contextTokens)} for ${predicted.model}): ` +
        `${gap >= 0 ? '+' : '−'}${n(Math.abs(gap))} (${gap >= 0 ? '+' : '−'}${Math.abs(Math.round((100 * gap) / predicted.compactAt))} %)`,
    );
  }
  return lines;
}

/** A session's name for people: workload, profile, start time (UTC, to the minute). */
export function sessionLabel(session: Session): string {
  return `${session.workload.name} · ${session.environment.profile ?? 'no profile'} · ${session.startedAt.slice(0, 16).replace('T', ' ')}`;
}

/** Labels for sessions shown together; two that would read the same get the end of their id. */
export function distinctLabels(sessions: readonly Session[]): string[] {
  const labels = sessions.map(sessionLabel);
  return labels.map((l, i) => (labels.filter((x) => x === l).length > 1 ? `${l} · ${sessions[i]!.id.slice(-4)}` : l));
}

const toolList = (t: Readonly<Record<string, number | null>> | null | undefined) =>
  !t ? '' : Object.entries(t).map(([k, v]) => (v === null ? k : `${k}×${v}`)).join(' ');

/** The operator's notebook table: run, time, cluster, completed, compactions; then the figures. */
export function reportLines(session: Session, d: readonly DispatchRecord[]): string[] {
  const sum = summarizeSession(d);
  const cluster = clusterOf(d);
  const lines = [
    `${session.id}  ${sessionLabel(session)}  ${session.status}  ${d.length}/${session.repeats}`,
    'run   time (s)   cluster  completed  compactions  turns  strategy      final    stop        tools',
  ];
  for (const r of d) {
    lines.push(
      `${String(r.index + 1).padStart(3)}   ${secs(r.wallMs).padStart(8)}   ${cluster(r).padEnd(7)}  ${(r.completed ? 'yes' : 'no').padEnd(9)}  ${String(compactionCount(r)).padStart(11)}  ` +
        `${String(r.turns ?? '—').padStart(5)}  ${(r.strategy ?? '—').padEnd(12)}  ${(r.finalMessage ?? '—').padEnd(7)}  ${(r.stopReason ?? r.errorKind ?? '').padEnd(10)}  ${toolList(r.tools)}`.trimEnd(),
    );
  }
  if (sum.seconds) {
    lines.push(
      `median ${sum.seconds.median.toFixed(2)} s (p10 ${sum.seconds.p10.toFixed(2)}, p90 ${sum.seconds.p90.toFixed(2)}); completed ${Math.round(100 * sum.completed.value)} %` +
        (sum.ttftMs !== undefined ? `; TTFT ${Math.round(sum.ttftMs)} ms` : '') +
        (sum.tokensPerSecond !== undefined ? `; ${sum.tokensPerSecond.toFixed(1)} tok/s` : ''),
    );
  }
  if (sum.split.split) lines.push(`${sum.split.tentative ? 'tentative split' : 'split'}: fast ${sum.split.fast.length}, slow ${sum.split.slow.length} (slow rate ${Math.round(100 * sum.split.slowRate!.value)} %)${sum.split.tentative ? `; ${RUN_MORE}` : ''}`);
  lines.push(...evidenceLines(sum, session.environment.compactionThreshold));
  for (const w of sum.split.warnings) lines.push(`note: ${w}`);
  return lines;
}

/**
 * A comparison in words, for the panel and `lab compare` alike: "B − A" spelled with the sessions'
 * names, and "no clear difference" said outright when the interval includes 0.
 */
export function comparisonLines(
  c: ReturnType<typeof compareSessions>,
  a: string,
  b: string,
  predicted: { a?: Environment['compactionThreshold']; b?: Environment['compactionThreshold'] } = {},
  /** false: without each session's evidence lines (the Lab panel lists them once, under its own heading). */
  withEvidence = true,
): { label: string; value: string }[] {
  const m = c.medianSeconds;
  // A difference that rounds to zero reads ±0.00, never −0.00.
  const signed = (x: number, unit: string, digits = 2) => {
    const r = Number(x.toFixed(digits));
    return `${r === 0 ? '±' : r > 0 ? '+' : '−'}${Math.abs(r).toFixed(digits)}${unit}`;
  };
  const median = !m
    ? '—'
    : `${c.summaries.a.seconds?.median.toFixed(2) ?? '—'} s → ${c.summaries.b.seconds?.median.toFixed(2) ?? '—'} s: ${signed(m.value, ' s')} (95 % CI ${signed(m.low, '')} to ${signed(m.high, '')})${m.low <= 0 && m.high >= 0 ? ', no clear difference' : m.value < 0 ? `, ${b} is faster` : `, ${b} is slower`}`;
  const points = (x: number) => {
    const r = Math.round(100 * x);
    return `${r === 0 ? '±' : r > 0 ? '+' : '−'}${Math.abs(r)} points`;
  };
  return [
    { label: `median (${b} − ${a})`, value: median },
    { label: 'slow rate', value: `${Math.round(100 * c.slowRate.a)} % → ${Math.round(100 * c.slowRate.b)} % (${points(c.slowRate.difference)})${c.slowRate.tentative ? `, tentative: ${RUN_MORE}` : ''}` },
    { label: 'completed', value: `${Math.round(100 * c.completion.a)} % → ${Math.round(100 * c.completion.b)} % (${points(c.completion.difference)})` },
    ...(withEvidence ? evidenceLines(c.summaries.a, predicted.a).map((value) => ({ label: a, value })) : []),
    ...(withEvidence ? evidenceLines(c.summaries.b, predicted.b).map((value) => ({ label: b, value })) : []),
  ];
}
