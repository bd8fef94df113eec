import * as z from 'zod/mini';
import type { WireRecord } from '../wire/schema.js';
import { WIRE_SCHEMA_VERSION } from '../wire/schema.js';
import { TELEMETRY_SCHEMA_VERSION, type TelemetryRecord } from './telemetry.js';
import { buildTimeline, type Timeline } from './timeline.js';
import type { DispatchRecord, Session } from '../records/store.js';

/**
 * darkmux's own telemetry, read as a read-only timeline so operators coming from it keep their history:
 * - v0.4 `lab run --instrument` → `runs/<run-id>/instruments.jsonl` (darkmux `src/lab/instrument.rs` at ef496610):
 *   `{t: unix ms, elapsed_ms, source: "meta"|"lms"|"process", payload}`; `lms` is a full `lms ps` snapshot
 *   (`{models: [{identifier, modelKey, context, status}]}`), `process` the Gateway's (`{pid, port: string, rss_mb,
 *   cpu_percent, elapsed}`), meta `{event: "start", cadence_ms}` and `{event: "end", total_elapsed_ms}`.
 * - HEAD's flow stream `~/.darkmux/flows/YYYY-MM-DD.jsonl` (crates/darkmux-flow/src/schema.rs at 6ca96195, schema
 *   1.20.0): a `{_type: "schema"}` header, then FlowRecords `{ts (UTC, 1 s), category, action, session_id, source,
 *   model, payload}`; telemetry sources `lms` (load/unload deltas from an empty baseline per sampler), `process`
 *   (host `{cpu, mem, gpu}` %), `tokens` (per turn), `context`; `work` records bracket each dispatch
 *   (`dispatch start` / `dispatch complete` with `wall_ms`).
 * Each darkmux run or session becomes a dispatch; what darkmux did not record is said in the notes, never invented.
 */

export type DarkmuxFormat = 'instruments' | 'flow';

/** A darkmux day file of a busy machine runs to a few MB; past this one is not read (CLI and editor alike). */
export const MAX_DARKMUX_BYTES = 64 * 1024 * 1024;

export class NotDarkmux extends Error {}

const num = z.optional(z.nullable(z.number()));
const InstrumentLine = z.looseObject({ t: z.number(), elapsed_ms: z.optional(z.number()), source: z.string(), payload: z.optional(z.unknown()) });
const LmsModel = z.looseObject({ identifier: z.optional(z.string()), modelKey: z.optional(z.string()), context: num, status: z.optional(z.string()) });
const LmsPayload = z.looseObject({ models: z.array(LmsModel) });
const ProcessPayload = z.looseObject({ pid: num, port: z.optional(z.union([z.string(), z.number()])), rss_mb: num, cpu_percent: num });
const MetaPayload = z.looseObject({ event: z.optional(z.string()), cadence_ms: num, total_elapsed_ms: num, darkmux_version: z.optional(z.string()) });

const FlowLine = z.looseObject({
  ts: z.string(),
  category: z.string(),
  action: z.string(),
  session_id: z.optional(z.string()),
  source: z.optional(z.string()),
  model: z.optional(z.string()),
  payload: z.optional(z.unknown()),
});

function lines(text: string): unknown[] {
  const out: unknown[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line));
    } catch {
      /* a torn or foreign line: skipped, as darkmux's own readers do */
    }
  }
  return out;
}

/** Which darkmux file this is, from its lines; NotDarkmux when neither. */
export function darkmuxFormat(text: string): DarkmuxFormat {
  for (const v of lines(text).slice(0, 50)) {
    if (InstrumentLine.safeParse(v).success) return 'instruments';
    if (FlowLine.safeParse(v).success || (typeof v === 'object' && v !== null && (v as { _type?: unknown })._type === 'schema')) return 'flow';
  }
  throw new NotDarkmux('not a darkmux file: neither a v0.4 instruments.jsonl (lines {t, source, payload}) nor a flow-stream day file (lines {ts, category, action, …})');
}

const iso = (ms: number) => new Date(ms).toISOString();
const base = (t: string, dispatch: number) => ({ schemaVersion: TELEMETRY_SCHEMA_VERSION as 1, t, dispatch });

function session(id: string, startedAt: string, notes: string[]): Session {
  return {
    schemaVersion: 1,
    id,
    workload: { name: 'darkmux', dispatcher: 'openclaw', prompt: '', repeats: 1, timeoutSeconds: 1 } as unknown as Session['workload'],
    prompt: '',
    repeats: 1,
    environment: { loadedModels: [], machine: { memoryBytes: 0, cpus: 0, cpuModel: 'unknown', os: 'unknown' }, wire: { recorded: true, notes } },
    startedAt,
    status: 'complete',
  };
}

function dispatch(index: number, startedAt: string, wallMs: number): DispatchRecord {
  return { schemaVersion: 1, index, startedAt, wallMs, expectationsMet: null, completed: true, outputSha256: '', outputFile: '' };
}

/** A v0.4 `instruments.jsonl`: one run, one dispatch. */
export function instrumentsTimeline(text: string, name: string): Timeline {
  const parsed = lines(text).flatMap((v) => {
    const r = InstrumentLine.safeParse(v);
    return r.success ? [r.data] : [];
  });
  if (!parsed.length) throw new NotDarkmux(`${name}: no instruments.jsonl line ({t, source, payload}) in it`);
  const start = parsed.find((l) => l.source === 'meta' && MetaPayload.safeParse(l.payload).data?.event === 'start');
  const end = parsed.find((l) => l.source === 'meta' && MetaPayload.safeParse(l.payload).data?.event === 'end');
  const t0 = start?.t ?? parsed[0]!.t;
  const cadence = MetaPayload.safeParse(start?.payload).data?.cadence_ms ?? 2000;
  const wallMs = MetaPayload.safeParse(end?.payload).data?.total_elapsed_ms ?? Math.max(...parsed.map((l) => l.t)) - t0;
  const notes = [`read-only: darkmux v0.4 instruments.jsonl (${name}), one run; darkmux sampled lms ps and the Gateway's process every ${cadence} ms; it recorded no requests and no memory`];
  if (!end) notes.push('no end line: the run died or its sampler failed before it stopped');
  const samples: TelemetryRecord[] = [{ ...base(iso(t0), 0), kind: 'sampler', intervalMs: cadence, servers: ['lms'] }];
  let lms = 0;
  let proc = 0;
  for (const l of parsed) {
    if (l.source === 'lms') {
      const p = LmsPayload.safeParse(l.payload);
      if (!p.success) continue;
      lms++;
      samples.push({ ...base(iso(l.t), 0), kind: 'loaded', server: 'lms', status: 'ok', models: p.data.models.map((m) => ({ id: m.identifier || m.modelKey || '?', context: m.context ? m.context : null })) });
    } else if (l.source === 'process') {
      const p = ProcessPayload.safeParse(l.payload);
      if (!p.success || typeof p.data.pid !== 'number') continue;
      proc++;
      samples.push({
        ...base(iso(l.t), 0),
        kind: 'gateway',
        port: Number(p.data.port ?? 18789),
        pid: p.data.pid,
        socket: null,
        ...(typeof p.data.rss_mb === 'number' ? { rssBytes: p.data.rss_mb * 1024 * 1024 } : {}),
        ...(typeof p.data.cpu_percent === 'number' ? { cpuPct: p.data.cpu_percent } : {}),
      });
    }
  }
  // darkmux's own inspector rule: one sampler silent while the other ran.
  if (!lms && proc) notes.push('no lms samples while the process sampler ran (darkmux: a missing sampler)');
  if (lms && !proc) notes.push('no Gateway process samples while lms ran (darkmux: a missing sampler; or no Gateway listened)');
  return buildTimeline({ session: session(name, iso(t0), notes), dispatches: [dispatch(0, iso(t0), wallMs)], requests: [], samples });
}

/** A flow-stream day file: every session with telemetry becomes a dispatch, in order of its first record. */
export function flowTimeline(text: string, name: string): Timeline {
  const recs = lines(text).flatMap((v, line) => {
    const r = FlowLine.safeParse(v);
    return r.success && r.data.session_id ? [{ ...r.data, line }] : [];
  });
  const sessions = new Map<string, typeof recs>();
  for (const r of recs) if (r.category === 'telemetry' || /^dispatch[ .](start|complete|error)$/.test(r.action)) sessions.set(r.session_id!, [...(sessions.get(r.session_id!) ?? []), r]);
  const withTelemetry = [...sessions.entries()].filter(([, rs]) => rs.some((r) => r.category === 'telemetry'));
  if (!withTelemetry.length) throw new NotDarkmux(`${name}: no telemetry records (category "telemetry") in this flow file`);
  withTelemetry.sort((a, b) => (a[1][0]!.ts < b[1][0]!.ts ? -1 : a[1][0]!.ts > b[1][0]!.ts ? 1 : 0));
  const dispatches: DispatchRecord[] = [];
  const samples: TelemetryRecord[] = [];
  const requests: WireRecord[] = [];
  let seq = 0;
  withTelemetry.forEach(([, rs], index) => {
    const startRec = rs.find((r) => /^dispatch[ .]start$/.test(r.action));
    const endRec = rs.find((r) => /^dispatch[ .](complete|error)$/.test(r.action));
    const from = Date.parse((startRec ?? rs[0]!).ts);
    const wall = z.looseObject({ wall_ms: num }).safeParse(endRec?.payload).data?.wall_ms;
    const lastTs = Math.max(...rs.map((r) => Date.parse(r.ts)));
    dispatches.push(dispatch(index, iso(from), typeof wall === 'number' ? wall : Math.max(1000, lastTs - from + 1000)));
    // lms records are load/unload deltas from an empty baseline per sampler: replay them into the loaded set.
    const loaded = new Map<string, number | null>();
    for (const r of rs) {
      if (r.category !== 'telemetry') continue;
      const p = (r.payload ?? {}) as Record<string, unknown>;
      const t = r.ts;
      if (r.source === 'lms' && typeof p.model === 'string') {
        if (p.event === 'load') loaded.set(p.model, null);
        else if (p.event === 'unload') loaded.delete(p.model);
        else continue;
        // Events of one second are one change (the baseline's loads at a sampler's start come together).
        const sample: TelemetryRecord = { ...base(t, index), kind: 'loaded', server: 'lms', status: 'ok', models: [...loaded.keys()].map((m) => ({ id: m, context: null })) };
        const prev = samples.at(-1);
        if (prev?.kind === 'loaded' && prev.dispatch === index && prev.t === t) samples[samples.length - 1] = sample;
        else samples.push(sample);
      } else if (r.source === 'process' && typeof p.mem === 'number') {
        samples.push({ ...base(t, index), kind: 'memory', totalBytes: 0, availableBytes: 0, usedPct: p.mem });
      } else if (r.source === 'tokens') {
        const prompt = typeof p.prompt_tokens === 'number' ? p.prompt_tokens : null;
        const completion = typeof p.completion_tokens === 'number' ? p.completion_tokens : null;
        requests.push(turnRecord(seq++, index, t, r.model ?? null, prompt, completion));
      }
    }
  });
  const notes = [
    `read-only: darkmux flow stream (${name}); each darkmux session with telemetry is a dispatch; its turns are points at darkmux's 1 s resolution with the tokens it counted (no timings); what was loaded is replayed from load/unload events (no context); memory is the host's share in use`,
  ];
  return buildTimeline({ session: session(name, dispatches[0]!.startedAt, notes), dispatches, requests, samples });
}

/** A turn darkmux counted: a point with its tokens, no timings (darkmux records none). */
function turnRecord(seq: number, dispatch: number, ts: string, model: string | null, prompt: number | null, completion: number | null): WireRecord {
  return {
    schemaVersion: WIRE_SCHEMA_VERSION,
    dispatch,
    seq,
    upstream: 'darkmux',
    startedAt: new Date(Date.parse(ts)).toISOString(),
    method: 'POST',
    path: '',
    api: 'chat',
    model,
    status: 200,
    stream: false,
    terminated: true,
    requestBytes: 0,
    responseBytes: 0,
    requestSha256: '',
    responseSha256: '',
    ttfbMs: null,
    firstTokenMs: null,
    endMs: 0,
    messages: null,
    tools: null,
    promptTokens: prompt,
    cachedTokens: null,
    completionTokens: completion,
    finishReason: null,
    toolCalls: [],
    toolCallsAsText: null,
    reasoningInContent: null,
    summary: false,
    firstChangedMessage: null,
  };
}

/** Reads either darkmux file as a timeline. */
export function darkmuxTimeline(text: string, name: string): Timeline {
  return darkmuxFormat(text) === 'instruments' ? instrumentsTimeline(text, name) : flowTimeline(text, name);
}
