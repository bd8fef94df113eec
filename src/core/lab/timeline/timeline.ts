import { median } from 'simple-statistics';
import { fmt } from '../../format.js';
import { readSession, type DispatchRecord, type Session } from '../records/store.js';
import { isModelRequest } from '../wire/evidence.js';
import { readWire, type WireRecord } from '../wire/schema.js';
import { anomaliesPerDispatch, findAnomalies, type Anomaly } from './anomalies.js';
import { readTelemetry, type TelemetryRecord } from './telemetry.js';

/**
 * A session's timeline: every request the recorder saw, every sample the sampler took, and the anomalies read
 * from both — the shape `lab show ID --timeline --json` prints and the panel draws. Pure once loaded.
 */
export interface Timeline {
  readonly session: string;
  readonly requests: readonly WireRecord[];
  readonly samples: readonly TelemetryRecord[];
  readonly anomalies: readonly Anomaly[];
  /** Per-request medians over the model requests (see RequestMedians). */
  readonly medians: RequestMedians;
  /** One row per dispatch: its requests and anomalies counted. */
  readonly dispatches: readonly { readonly index: number; readonly startedAt: string; readonly wallMs: number; readonly requests: number; readonly anomalies: number }[];
  /** Why the timeline is thin, in words (no wire, no sampler, unreadable lines). */
  readonly notes: readonly string[];
}

/**
 * Medians over a session's model requests, each from what the server counted: prefill milliseconds per 1,000
 * prompt tokens (time to the first token over the prompt), generation tokens per second (after the first token),
 * time to the first token, and the share of the prompt the server took from its cache.
 */
export interface RequestMedians {
  readonly n: number;
  readonly prefillMsPer1kPrompt: number | null;
  readonly tokensPerSecond: number | null;
  readonly firstTokenMs: number | null;
  readonly cacheReuse: number | null;
}

/** Tokens per second only from answers that streamed for at least this long after their first token. */
export const MIN_GENERATION_MS = 20;

const med = (xs: number[]) => (xs.length ? median(xs) : null);

export function requestMedians(records: readonly WireRecord[]): RequestMedians {
  const model = records.filter((r) => isModelRequest(r) && r.status !== null && r.status < 400);
  const first = (r: WireRecord) => r.firstTokenMs ?? r.ttfbMs;
  return {
    n: model.length,
    prefillMsPer1kPrompt: med(model.flatMap((r) => (first(r) !== null && r.promptTokens ? [(first(r)! / r.promptTokens) * 1000] : []))),
    tokensPerSecond: med(
      model.flatMap((r) => {
        const start = first(r);
        const genMs = start !== null ? r.endMs - start : 0;
        // An answer that arrived in one burst has no generation time to speak of: its rate would be noise.
        return r.completionTokens && r.completionTokens > 1 && genMs >= MIN_GENERATION_MS ? [r.completionTokens / (genMs / 1000)] : [];
      }),
    ),
    firstTokenMs: med(model.flatMap((r) => (r.firstTokenMs !== null ? [r.firstTokenMs] : []))),
    cacheReuse: med(model.flatMap((r) => (r.cachedTokens !== null && r.promptTokens ? [r.cachedTokens / r.promptTokens] : []))),
  };
}

export interface TimelineInput {
  readonly session: Session;
  readonly dispatches: readonly DispatchRecord[];
  readonly requests: readonly WireRecord[];
  readonly samples: readonly TelemetryRecord[];
  readonly skipped?: { readonly wire: number; readonly telemetry: number };
}

export function buildTimeline(i: TimelineInput): Timeline {
  const anomalies = findAnomalies({ environment: i.session.environment, dispatches: i.dispatches, requests: i.requests, samples: i.samples });
  const per = anomaliesPerDispatch(anomalies);
  const notes: string[] = [];
  if (!i.session.environment.wire?.recorded) notes.push('recorded without the wire (an older session, or --no-wire): no requests or samples to show');
  else {
    notes.push(...i.session.environment.wire.notes);
    if (!i.samples.length) notes.push('no samples: the session ran before the sampler, or with it off');
  }
  if (i.skipped?.wire) notes.push(`${i.skipped.wire} line(s) of wire.jsonl could not be read`);
  if (i.skipped?.telemetry) notes.push(`${i.skipped.telemetry} line(s) of telemetry.jsonl could not be read`);
  return {
    session: i.session.id,
    requests: i.requests,
    samples: i.samples,
    anomalies,
    medians: requestMedians(i.requests),
    dispatches: i.dispatches.map((d) => ({ index: d.index, startedAt: d.startedAt, wallMs: d.wallMs, requests: i.requests.filter((r) => r.dispatch === d.index).length, anomalies: per.get(d.index) ?? 0 })),
    notes,
  };
}

/** `loaded`: the session when the caller has just read it (a view refreshed per dispatch need not read it twice). */
export function loadTimeline(root: string, id: string, loaded?: Pick<TimelineInput, 'session' | 'dispatches'>): Timeline {
  const { session, dispatches } = loaded ?? readSession(root, id);
  const wire = readWire(root, id);
  const tel = readTelemetry(root, id);
  return buildTimeline({ session, dispatches, requests: wire.records, samples: tel.records, skipped: { wire: wire.skippedLines, telemetry: tel.skippedLines } });
}

/** The medians in one line (`lab show`, `lab compare`, the panel), or undefined when no request was recorded. */
export function mediansLine(m: RequestMedians): string | undefined {
  if (!m.n) return undefined;
  const parts = [
    m.prefillMsPer1kPrompt !== null ? `prefill ${fmt(Math.round(m.prefillMsPer1kPrompt))} ms per 1K prompt tokens` : undefined,
    m.tokensPerSecond !== null ? `${m.tokensPerSecond.toFixed(1)} tok/s` : undefined,
    m.firstTokenMs !== null ? `first token ${fmt(Math.round(m.firstTokenMs))} ms` : undefined,
    m.cacheReuse !== null ? `cache reuse ${Math.round(100 * m.cacheReuse)} %` : undefined,
  ].filter(Boolean);
  return `per request (median of ${m.n}): ${parts.length ? parts.join(', ') : 'no timings or cache counts recorded'}`;
}

const s1 = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;

/** The timeline as text: per dispatch, each request at its offset, what changed underneath, and the anomalies. */
export function timelineLines(t: Timeline): string[] {
  const lines: string[] = [`${t.session}: ${t.requests.length} request(s), ${t.samples.length} sample(s), ${t.anomalies.length} anomal${t.anomalies.length === 1 ? 'y' : 'ies'}`];
  const m = mediansLine(t.medians);
  if (m) lines.push(m);
  for (const n of t.notes) lines.push(`note: ${n}`);
  for (const d of t.dispatches) {
    const from = Date.parse(d.startedAt);
    lines.push('', `dispatch ${d.index + 1}  ${s1(d.wallMs)}  ${d.requests} request(s)${d.anomalies ? `  ${d.anomalies} anomal${d.anomalies === 1 ? 'y' : 'ies'}` : ''}`);
    for (const r of t.requests.filter((x) => x.dispatch === d.index)) {
      const at = Date.parse(r.startedAt) - from;
      const first = r.firstTokenMs ?? r.ttfbMs;
      const what = r.summary ? 'summary' : r.memoryFlush ? 'memory flush' : r.api;
      const tokens = r.promptTokens !== null ? `  prompt ${fmt(r.promptTokens)}${r.cachedTokens ? ` (cached ${fmt(r.cachedTokens)})` : ''}${r.completionTokens !== null ? ` → ${fmt(r.completionTokens)}` : ''}` : '';
      const phases = first !== null ? `prefill ${s1(first)}, generation ${s1(Math.max(0, r.endMs - first))}` : `${s1(r.endMs)}`;
      const end = r.status === null ? `  ${r.error?.kind ?? 'no answer'}` : r.status >= 400 ? `  HTTP ${r.status}` : r.stream && !r.terminated ? '  cut' : '';
      lines.push(`  +${s1(Math.max(0, at))}  #${r.seq} ${what}${r.model ? ` ${r.model}` : ''}  ${phases}${tokens}${end}`);
    }
    for (const a of t.anomalies.filter((x) => x.dispatch === d.index)) lines.push(`  ⚠ ${a.kind}: ${a.message}`);
  }
  const between = t.anomalies.filter((a) => a.dispatch === null);
  if (between.length) lines.push('', 'between dispatches', ...between.map((a) => `  ⚠ ${a.kind}: ${a.message}`));
  return lines;
}
