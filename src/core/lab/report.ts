import { summarizeSession, type compareSessions } from './session.js';
import type { DispatchRecord, Session } from './store.js';

const secs = (ms: number) => (ms / 1000).toFixed(ms < 10_000 ? 2 : 1);

/** Which cluster each dispatch fell in ('—' without a split). */
export function clusterOf(d: readonly DispatchRecord[]): (r: DispatchRecord) => 'fast' | 'slow' | '—' {
  const sum = summarizeSession(d);
  const slow = new Set(sum.split.slow);
  return (r) => (!sum.split.split ? '—' : slow.has(r.wallMs / 1000) ? 'slow' : 'fast');
}

/** The operator's notebook table: run, time, cluster, completed, compactions; then the figures. */
export function reportLines(session: Session, d: readonly DispatchRecord[]): string[] {
  const sum = summarizeSession(d);
  const cluster = clusterOf(d);
  const lines = [`${session.id}  ${session.workload.name}  ${session.status}  ${d.length}/${session.repeats}`, 'run   time (s)   cluster  completed  compactions  stop'];
  for (const r of d) lines.push(`${String(r.index + 1).padStart(3)}   ${secs(r.wallMs).padStart(8)}   ${cluster(r).padEnd(7)}  ${(r.completed ? 'yes' : 'no').padEnd(9)}  ${String(r.compactions ?? 0).padStart(11)}  ${r.stopReason ?? r.errorKind ?? ''}`);
  if (sum.seconds) {
    lines.push(
      `median ${sum.seconds.median.toFixed(2)} s (p10 ${sum.seconds.p10.toFixed(2)}, p90 ${sum.seconds.p90.toFixed(2)}); completed ${Math.round(100 * sum.completed.value)} %` +
        (sum.ttftMs !== undefined ? `; TTFT ${Math.round(sum.ttftMs)} ms` : '') +
        (sum.tokensPerSecond !== undefined ? `; ${sum.tokensPerSecond.toFixed(1)} tok/s` : ''),
    );
  }
  if (sum.split.split) lines.push(`split: fast ${sum.split.fast.length}, slow ${sum.split.slow.length} (slow rate ${Math.round(100 * sum.split.slowRate!.value)} %)`);
  for (const w of sum.split.warnings) lines.push(`note: ${w}`);
  return lines;
}

/**
 * A comparison in words, for the panel and `lab compare` alike: "B − A" spelled with the sessions'
 * names, and "no clear difference" said outright when the interval includes 0.
 */
export function comparisonLines(c: ReturnType<typeof compareSessions>, a: string, b: string): { label: string; value: string }[] {
  const m = c.medianSeconds;
  const signed = (x: number, unit: string, digits = 2) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(digits)}${unit}`;
  const median = !m
    ? '—'
    : `${c.summaries.a.seconds?.median.toFixed(2) ?? '—'} s → ${c.summaries.b.seconds?.median.toFixed(2) ?? '—'} s: ${signed(m.value, ' s')} (95 % CI ${signed(m.low, '')} to ${signed(m.high, '')})${m.low <= 0 && m.high >= 0 ? ', no clear difference' : m.value < 0 ? `, ${b} is faster` : `, ${b} is slower`}`;
  const points = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(Math.round(100 * x))} points`;
  return [
    { label: `median (${b} − ${a})`, value: median },
    { label: 'slow rate', value: `${Math.round(100 * c.slowRate.a)} % → ${Math.round(100 * c.slowRate.b)} % (${points(c.slowRate.difference)})` },
    { label: 'completed', value: `${Math.round(100 * c.completion.a)} % → ${Math.round(100 * c.completion.b)} % (${points(c.completion.difference)})` },
  ];
}
