import * as z from 'zod/mini';
import { fmt } from '../../format.js';
import type { Timeline } from '../timeline/timeline.js';

/**
 * The Lab panel's timeline, shaped here from a session's Timeline (no DOM, tested in Node): per dispatch, lanes
 * of model requests (prefill and generation apart, summaries coloured by the model asked), what the server had
 * loaded, memory, and the anomalies as call-outs pointing at their evidence. Times are seconds from the
 * dispatch's start. The webview only draws it, and the table behind it carries the same facts for the keyboard.
 */

/** Requests per dispatch sent to the panel; a longer dispatch says how many it left out. */
export const MAX_REQUESTS_PER_DISPATCH = 2000;

const n = z.nullable(z.number());
export const TimelineRequestSchema = z.object({
  seq: z.int(),
  start: z.number(),
  /** First token (else first byte): prefill is start→firstToken, generation firstToken→end. */
  firstToken: n,
  end: z.number(),
  what: z.enum(['turn', 'summary', 'memory flush', 'load', 'other']),
  model: z.nullable(z.string()),
  /** Index into the view's `models` (the colour of a summary and its legend). */
  modelIndex: z.int(),
  promptTokens: n,
  cachedTokens: n,
  completionTokens: n,
  /** 'ok', 'HTTP 400', 'cut', or what went wrong. */
  outcome: z.string(),
});
export const TimelineDispatchSchema = z.object({
  index: z.int(),
  seconds: z.number(),
  requests: z.array(TimelineRequestSchema),
  omitted: z.int(),
  loaded: z.array(z.object({ from: z.number(), to: z.number(), label: z.string(), server: z.string() })),
  memory: z.array(z.object({ t: z.number(), pct: z.number() })),
  anomalies: z.array(z.object({ kind: z.string(), t: z.number(), message: z.string(), requests: z.array(z.int()), samples: z.array(z.string()) })),
});
export const TimelineViewSchema = z.object({
  /** Models that requests were sent to, in first-seen order (colour index = position, modulo the palette). */
  models: z.array(z.string()),
  dispatches: z.array(TimelineDispatchSchema),
  /** The per-request medians in words, when the wire saw requests. */
  medians: z.optional(z.string()),
  notes: z.array(z.string()),
});
export type TimelineView = z.infer<typeof TimelineViewSchema>;
export type TimelineDispatch = z.infer<typeof TimelineDispatchSchema>;

const LOADS = new Set(['lmstudio-load', 'lmstudio-unload']);
const round = (x: number) => Math.round(x * 1000) / 1000;

export function timelineView(t: Timeline, mediansText?: string): TimelineView {
  const models: string[] = [];
  const modelIndex = (m: string | null) => {
    const k = m ?? '—';
    let i = models.indexOf(k);
    if (i < 0) i = models.push(k) - 1;
    return i;
  };
  const dispatches = t.dispatches.map((d): TimelineDispatch => {
    const from = Date.parse(d.startedAt);
    const rel = (iso: string) => round((Date.parse(iso) - from) / 1000);
    const all = t.requests.filter((r) => r.dispatch === d.index);
    const requests = all.slice(0, MAX_REQUESTS_PER_DISPATCH).map((r) => {
      const start = rel(r.startedAt);
      const first = r.firstTokenMs ?? r.ttfbMs;
      return {
        seq: r.seq,
        start,
        firstToken: first !== null ? round(start + first / 1000) : null,
        end: round(start + r.endMs / 1000),
        what: r.summary ? ('summary' as const) : r.memoryFlush ? ('memory flush' as const) : LOADS.has(r.api) ? ('load' as const) : ['models', 'other', 'lmstudio-rest'].includes(r.api) ? ('other' as const) : ('turn' as const),
        model: r.model,
        modelIndex: modelIndex(r.model),
        promptTokens: r.promptTokens,
        cachedTokens: r.cachedTokens,
        completionTokens: r.completionTokens,
        outcome: r.status === null ? (r.error?.kind ?? 'no answer') : r.status >= 400 ? `HTTP ${r.status}` : !r.terminated ? 'cut' : 'ok',
      };
    });
    const inside = t.samples.filter((s) => s.dispatch === d.index);
    // What each server held when the dispatch began is its last sample before: a short dispatch may hold no sample.
    const lastBefore = new Map<string, (typeof t.samples)[number]>();
    for (const s of t.samples) if (s.kind === 'loaded' && Date.parse(s.t) <= from) lastBefore.set(s.server, s);
    let memBefore: Extract<(typeof t.samples)[number], { kind: 'memory' }> | undefined;
    for (const s of t.samples) if (s.kind === 'memory' && Date.parse(s.t) <= from) memBefore = s;
    // Loaded lane: one segment per run of equal samples, per server; each server's last segment lasts to the end.
    const loaded: TimelineDispatch['loaded'] = [];
    const open = new Map<string, TimelineDispatch['loaded'][number]>();
    for (const raw of [...lastBefore.values(), ...inside]) {
      if (raw.kind !== 'loaded') continue;
      const at = lastBefore.get(raw.server) === raw ? 0 : rel(raw.t);
      const label = raw.models === null ? (raw.status === 'ok' ? 'unknown (the server cannot say)' : raw.status) : raw.models.length ? raw.models.map((m) => `${m.id}${m.context !== null ? ` @ ${fmt(m.context)}` : ''}`).join(', ') : 'nothing loaded';
      const last = open.get(raw.server);
      if (last) last.to = at;
      if (last?.label !== label) {
        const seg = { from: at, to: at, label, server: raw.server };
        loaded.push(seg);
        open.set(raw.server, seg);
      }
    }
    for (const seg of open.values()) seg.to = Math.max(seg.to, round(d.wallMs / 1000));
    return {
      index: d.index,
      seconds: round(d.wallMs / 1000),
      requests,
      omitted: all.length - requests.length,
      loaded,
      memory: [...(memBefore ? [{ t: 0, pct: memBefore.usedPct }] : []), ...inside.flatMap((s) => (s.kind === 'memory' && Date.parse(s.t) > from ? [{ t: rel(s.t), pct: s.usedPct }] : []))],
      anomalies: t.anomalies.filter((a) => a.dispatch === d.index).map((a) => ({ kind: a.kind, t: rel(a.at), message: a.message, requests: [...(a.evidence.requests ?? [])], samples: [...(a.evidence.samples ?? [])] })),
    };
  });
  return { models, dispatches, ...(mediansText ? { medians: mediansText } : {}), notes: [...t.notes] };
}

/** The table behind the timeline: one row per request of a dispatch (the keyboard's and the screen reader's way in). */
export const TIMELINE_HEAD = ['#', 'at s', 'what', 'model', 'prefill s', 'generation s', 'prompt', 'cached', 'out', 'outcome'];

export function timelineRows(d: TimelineDispatch): { seq: number; cells: string[] }[] {
  const s = (x: number) => x.toFixed(2);
  const tok = (x: number | null) => (x === null ? '—' : fmt(x));
  return d.requests.map((r) => ({
    seq: r.seq,
    cells: [String(r.seq), s(r.start), r.what, r.model ?? '—', r.firstToken !== null ? s(r.firstToken - r.start) : '—', r.firstToken !== null ? s(r.end - r.firstToken) : s(r.end - r.start), tok(r.promptTokens), tok(r.cachedTokens), tok(r.completionTokens), r.outcome],
  }));
}

/** The dispatch the timeline opens on: the first with an anomaly, else the first. */
export function firstDispatchToShow(v: TimelineView): number | undefined {
  return (v.dispatches.find((d) => d.anomalies.length) ?? v.dispatches[0])?.index;
}
