import fs from 'node:fs';
import path from 'node:path';
import { compactionList } from './dispatch/evidence.js';
import { isModelRequest } from './wire/evidence.js';
import { readSession } from './records/store.js';
import { readWire } from './wire/schema.js';

/**
 * What the newest lab sessions of one config measured about time on this machine — each compaction's duration and
 * each model request's time to its first token — for timeout-near-limit, which compares them with the limits at
 * which OpenClaw gives up (openclaw/timeouts.ts). Read like `lab prove`'s evidence: by the CLI's `check` and the
 * editor's refresh, from the lab folder, bounded, and handed to the check as data (rules never do I/O).
 */
export interface MeasuredRequest {
  /** The model server's origin the wire recorded (the provider's base URL without its path). */
  readonly upstream: string;
  readonly model: string | null;
  /** Time to the first token (else to the response headers), ms from the request's arrival. */
  readonly firstTokenMs: number;
  /** Until the last byte. */
  readonly totalMs: number;
}

export interface MeasuredSession {
  readonly id: string;
  readonly startedAt: string;
  /** compaction.model when the session ran (null: none), so a finding follows the compactor in force. */
  readonly compactor: string | null;
  /** Each compaction's duration (the summary request on the wire, else the runtime's report), ms. */
  readonly compactionsMs: readonly number[];
  /** Every model request on the wire but the compaction summaries (those run under the compaction timeout). */
  readonly requests: readonly MeasuredRequest[];
  /**
   * What one history record costs here: each growth of the server-counted prompt from one model request of a dispatch
   * to the next (a tool result and the call that asked for it), for the hover's history depth.
   */
  readonly recordTokens?: readonly number[];
  /** Through a compression proxy: the prompt tokens the server counted, and what OpenClaw's requests would have cost (estimated by characters). */
  readonly layer?: { readonly proxy: string; readonly tokensReceived: number; readonly tokensSent: number };
}

export interface LabTimings {
  /** Newest first. */
  readonly sessions: readonly MeasuredSession[];
}

/** Session folders looked at (newest first by id, which starts with the UTC time) and sessions kept. */
export const TIMINGS_SCAN = 20;
export const TIMINGS_SESSIONS = 3;

/** The figures of one loaded session; pure. */
export function measuredSession(loaded: ReturnType<typeof readSession>, wire: ReturnType<typeof readWire>['records']): MeasuredSession {
  const compactionsMs = loaded.dispatches.flatMap((d) => compactionList(d).flatMap((c) => (c.durationMs !== null && c.durationMs >= 0 ? [c.durationMs] : [])));
  const requests = wire
    .filter((r) => isModelRequest(r) && !r.summary)
    .flatMap((r) => {
      const first = r.firstTokenMs ?? r.ttfbMs;
      return first === null ? [] : [{ upstream: r.upstream, model: r.model, firstTokenMs: first, totalMs: r.endMs }];
    });
  const model = wire.filter((r) => isModelRequest(r) && !r.summary).sort((a, b) => a.seq - b.seq);
  const recordTokens: number[] = [];
  const last = new Map<number | null, number>();
  let received = 0;
  let sent = 0;
  for (const r of model) {
    if (r.promptTokens === null) continue;
    const before = last.get(r.dispatch);
    if (before !== undefined && r.promptTokens > before) recordTokens.push(r.promptTokens - before);
    last.set(r.dispatch, r.promptTokens);
    if (r.layer && r.layer.charsAfter > 0) {
      received += r.promptTokens;
      sent += Math.round((r.promptTokens * r.layer.charsBefore) / r.layer.charsAfter);
    }
  }
  const proxy = loaded.session.environment.proxy?.name;
  return {
    id: loaded.session.id,
    startedAt: loaded.session.startedAt,
    compactor: loaded.session.environment.compactor ?? null,
    compactionsMs,
    requests,
    ...(recordTokens.length ? { recordTokens } : {}),
    ...(proxy && sent > 0 ? { layer: { proxy, tokensReceived: received, tokensSent: sent } } : {}),
  };
}

/**
 * The newest sessions recorded for `configPath` in the lab folder `root` that measured anything: at most
 * TIMINGS_SCAN folders are opened and TIMINGS_SESSIONS kept; a folder that cannot be read is passed over. Every
 * file goes through the lab's bounded reader (no link out of the folder, no FIFO, a size cap).
 */
export function readLabTimings(root: string, configPath: string): LabTimings {
  let ids: string[];
  try {
    ids = fs.readdirSync(path.join(root, 'runs')).sort().reverse().slice(0, TIMINGS_SCAN);
  } catch {
    return { sessions: [] };
  }
  const want = path.resolve(configPath);
  const sessions: MeasuredSession[] = [];
  for (const id of ids) {
    if (sessions.length >= TIMINGS_SESSIONS) break;
    try {
      const loaded = readSession(root, id);
      const at = loaded.session.environment.configPath;
      if (!at || path.resolve(at) !== want) continue;
      const m = measuredSession(loaded, loaded.session.environment.wire?.recorded ? readWire(root, id).records : []);
      if (m.compactionsMs.length || m.requests.length) sessions.push(m);
    } catch {
      /* not a session folder, or one that cannot be read */
    }
  }
  return { sessions };
}
