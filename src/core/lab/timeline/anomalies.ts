import { fmt } from '../../format.js';
import type { DispatchRecord, Environment } from '../records/store.js';
import { isModelRequest } from '../wire/evidence.js';
import type { WireRecord } from '../wire/schema.js';
import type { GatewaySample, LoadedSample, MemorySample, ProcessSample, TelemetryRecord } from './telemetry.js';

/**
 * What went wrong underneath a lab session, found in what the recorder and the sampler saw. Pure: records in,
 * call-outs out, each with its evidence (the wire requests by `seq`, the samples by time), so a reader can check
 * every claim. Derived when a session is shown, never stored: old sessions get the newest reading.
 */

export const ANOMALY_KINDS = [
  'loaded-changed',
  'server-restarted',
  'gateway-restarted',
  'memory-high',
  'sampler-gap',
  'context-refused',
  'summary-on-primary',
  'stream-cut',
  'tool-calls-as-text',
  'reasoning-leaked',
] as const;
export type AnomalyKind = (typeof ANOMALY_KINDS)[number];

export interface Anomaly {
  readonly kind: AnomalyKind;
  /** The dispatch it happened in (null: between dispatches). */
  readonly dispatch: number | null;
  /** When (ISO). */
  readonly at: string;
  readonly message: string;
  readonly evidence: { readonly requests?: readonly number[]; readonly samples?: readonly string[] };
}

/** Memory in use at or above this share of the machine is called out: the OS is about to swap or evict. */
export const MEMORY_HIGH_PCT = 90;
/** A silence longer than this many sampler intervals during a dispatch is a gap. */
export const GAP_INTERVALS = 3;

export interface AnomalyInput {
  readonly environment: Pick<Environment, 'compactionThreshold'> & { readonly compactor?: string | null };
  readonly dispatches: readonly Pick<DispatchRecord, 'index' | 'startedAt' | 'wallMs'>[];
  readonly requests: readonly WireRecord[];
  readonly samples: readonly TelemetryRecord[];
}

export function findAnomalies(i: AnomalyInput): Anomaly[] {
  const out: Anomaly[] = [...fromRequests(i), ...loadedChanges(i.samples), ...restarts(i.samples), ...memoryHigh(i.samples), ...gaps(i)];
  return out.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
}

/** Anomalies per dispatch index (the session view's count). */
export function anomaliesPerDispatch(list: readonly Anomaly[]): Map<number, number> {
  const m = new Map<number, number>();
  for (const a of list) if (a.dispatch !== null) m.set(a.dispatch, (m.get(a.dispatch) ?? 0) + 1);
  return m;
}

const modelId = (ref: string | null | undefined) => (ref ? ref.slice(ref.indexOf('/') + 1) : undefined);

function fromRequests(i: AnomalyInput): Anomaly[] {
  const out: Anomaly[] = [];
  const primary = modelId(i.environment.compactionThreshold?.model);
  const compactor = modelId(i.environment.compactor);
  for (const r of i.requests) {
    const one = (kind: AnomalyKind, message: string) => out.push({ kind, dispatch: r.dispatch, at: r.startedAt, message, evidence: { requests: [r.seq] } });
    const where = `request ${r.seq}${r.model ? ` (${r.model})` : ''}`;
    if (r.contextRefused) one('context-refused', `${where}: the server refused it for its context length${r.promptTokens ? ` at ${fmt(r.promptTokens)} prompt tokens` : ''}${r.serverError ? ` ("${r.serverError.slice(0, 120)}")` : ''}`);
    if (r.summary && compactor && primary && compactor !== primary && r.model === primary)
      one('summary-on-primary', `${where}: a compaction summary was asked of the primary ${i.environment.compactionThreshold!.model} although compaction.model is ${i.environment.compactor} (${fmt(Math.round(r.endMs))} ms)`);
    // A cut by the server, not by the client (the dispatcher's own timeout closes its side: not the server's doing).
    // A server that could not be reached at all is the restart or sampler's story, not a cut.
    if (isModelRequest(r) && !r.terminated && r.error?.kind !== 'client-closed' && r.error?.kind !== 'unreachable' && !(r.status !== null && r.status >= 400))
      one('stream-cut', `${where}: the answer ended without its terminus${r.error ? ` (${r.error.message})` : ''} after ${fmt(r.responseBytes)} bytes`);
    if (r.toolCallsAsText) one('tool-calls-as-text', `${where}: a tool call arrived as text in the content (${r.toolCallsAsText}), not as a structured call: the runtime will not run it`);
    if (r.reasoningInContent) one('reasoning-leaked', `${where}: reasoning arrived in the visible answer (${r.reasoningInContent})`);
  }
  return out;
}

const describeModels = (models: readonly { id: string; context: number | null }[]) =>
  models.length ? models.map((m) => `${m.id}${m.context !== null ? ` at ${fmt(m.context)}` : ''}`).join(', ') : 'nothing';
const key = (models: readonly { id: string; context: number | null }[]) =>
  models
    .map((m) => `${m.id}@${m.context}`)
    .sort()
    .join('|');

function byServer<T extends { server: string }>(samples: readonly T[]): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const s of samples) m.set(s.server, [...(m.get(s.server) ?? []), s]);
  return m;
}

function loadedChanges(samples: readonly TelemetryRecord[]): Anomaly[] {
  const out: Anomaly[] = [];
  const loaded = samples.filter((s): s is LoadedSample => s.kind === 'loaded' && s.models !== null);
  for (const [server, list] of byServer(loaded)) {
    for (let k = 1; k < list.length; k++) {
      const a = list[k - 1]!;
      const b = list[k]!;
      // During a dispatch: both samples inside the same one, so the change happened while it ran.
      if (b.dispatch === null || a.dispatch !== b.dispatch || key(a.models!) === key(b.models!)) continue;
      out.push({
        kind: 'loaded-changed',
        dispatch: b.dispatch,
        at: b.t,
        message: `${server}: what is loaded changed during dispatch ${b.dispatch + 1}: ${describeModels(a.models!)} → ${describeModels(b.models!)}`,
        evidence: { samples: [a.t, b.t] },
      });
    }
  }
  return out;
}

function restarts(samples: readonly TelemetryRecord[]): Anomaly[] {
  const out: Anomaly[] = [];
  const procs = samples.filter((s): s is ProcessSample => s.kind === 'process' && s.pid !== null);
  const gws = samples.filter((s): s is GatewaySample => s.kind === 'gateway' && s.pid !== null).map((s) => ({ ...s, server: `the Gateway (port ${s.port})` }));
  for (const [kind, list] of [
    ['server-restarted', procs],
    ['gateway-restarted', gws],
  ] as const) {
    for (const [server, ps] of byServer<{ server: string; pid: number | null; socket: string | null; t: string; dispatch: number | null }>(list)) {
      for (let k = 1; k < ps.length; k++) {
        const a = ps[k - 1]!;
        const b = ps[k]!;
        const pidChanged = a.pid !== b.pid;
        if (!pidChanged && !(a.socket && b.socket && a.socket !== b.socket)) continue;
        const when = b.dispatch !== null ? `during dispatch ${b.dispatch + 1}` : a.dispatch !== null ? `after dispatch ${a.dispatch + 1}` : 'between dispatches';
        out.push({
          kind,
          dispatch: b.dispatch ?? a.dispatch,
          at: b.t,
          message: `${server} restarted ${when}: ${pidChanged ? `pid ${a.pid} → ${b.pid}` : `pid ${b.pid} listens on a new socket`}`,
          evidence: { samples: [a.t, b.t] },
        });
      }
    }
  }
  return out;
}

function memoryHigh(samples: readonly TelemetryRecord[]): Anomaly[] {
  const out: Anomaly[] = [];
  const seen = new Set<number | null>();
  const mem = samples.filter((s): s is MemorySample => s.kind === 'memory');
  for (const s of mem) {
    if (s.usedPct < MEMORY_HIGH_PCT || seen.has(s.dispatch)) continue;
    seen.add(s.dispatch);
    const same = mem.filter((x) => x.dispatch === s.dispatch && x.usedPct >= MEMORY_HIGH_PCT);
    const peak = same.reduce((p, x) => (x.usedPct > p.usedPct ? x : p), s);
    const gib = (b: number) => (b / 1024 ** 3).toFixed(1);
    out.push({
      kind: 'memory-high',
      dispatch: s.dispatch,
      at: s.t,
      // Imported samples (darkmux's host share) carry a percentage only.
      message: `memory in use reached ${peak.usedPct} %${peak.totalBytes ? ` (${gib(peak.totalBytes - peak.availableBytes)} of ${gib(peak.totalBytes)} GiB)` : ''}${s.dispatch !== null ? ` during dispatch ${s.dispatch + 1}` : ' between dispatches'}: ${same.length} sample(s) at or above ${MEMORY_HIGH_PCT} %`,
      evidence: { samples: [s.t, ...(peak !== s ? [peak.t] : [])] },
    });
  }
  return out;
}

function gaps(i: AnomalyInput): Anomaly[] {
  const start = i.samples.find((s) => s.kind === 'sampler');
  if (!start || start.kind !== 'sampler') return [];
  const limit = GAP_INTERVALS * start.intervalMs;
  const ticks = [...new Set(i.samples.filter((s) => s.kind !== 'sampler').map((s) => Date.parse(s.t)))].sort((a, b) => a - b);
  const out: Anomaly[] = [];
  for (const d of i.dispatches) {
    const from = Date.parse(d.startedAt);
    const to = from + d.wallMs;
    if (!Number.isFinite(from) || d.wallMs < limit) continue;
    // The dispatch's edges count: a sampler that died before the dispatch began leaves a gap from its start.
    const inside = [from, ...ticks.filter((t) => t > from && t < to), to];
    let worst = { gap: 0, at: from };
    for (let k = 1; k < inside.length; k++) if (inside[k]! - inside[k - 1]! > worst.gap) worst = { gap: inside[k]! - inside[k - 1]!, at: inside[k - 1]! };
    if (worst.gap <= limit) continue;
    const none = inside.length === 2;
    out.push({
      kind: 'sampler-gap',
      dispatch: d.index,
      at: new Date(worst.at).toISOString(),
      message: none
        ? `no samples during dispatch ${d.index + 1} (${fmt(Math.round(d.wallMs / 1000))} s): what the servers held then is unknown`
        : `the sampler was silent for ${(worst.gap / 1000).toFixed(1)} s during dispatch ${d.index + 1} (interval ${fmt(start.intervalMs)} ms): what changed then is unknown`,
      evidence: { samples: ticks.filter((t) => t >= worst.at - limit && t <= worst.at + worst.gap + limit).map((t) => new Date(t).toISOString()) },
    });
  }
  return out;
}
