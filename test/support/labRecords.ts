import { newSession } from '../../src/core/lab/session.js';
import fs from 'node:fs';
import path from 'node:path';
import { appendDispatch, SCHEMA_VERSION, writeSession, type DispatchRecord, type Session } from '../../src/core/lab/records/store.js';
import { WIRE_SCHEMA_VERSION, type WireRecord } from '../../src/core/lab/wire/schema.js';
import { BUILTIN_WORKLOADS } from '../../src/core/lab/workload.js';

/** A finished six-dispatch session record, for view-model tests. */
export const sessionRecord = (id: string, profile: string | null = 'mid-range', startedAt = '2026-11-21T10:00:00.000Z'): Session => ({
  schemaVersion: SCHEMA_VERSION,
  id,
  workload: BUILTIN_WORKLOADS[1]!,
  prompt: 'p',
  repeats: 6,
  environment: { profile, loadedModels: [], machine: { memoryBytes: 1, cpus: 1, cpuModel: 'x', os: 'x' } },
  startedAt,
  status: 'complete',
});

/** A completed dispatch record of `seconds`, numbered `index`; `extra` overrides any field. */
export const dispatchRecord = (index: number, seconds: number, extra: Partial<DispatchRecord> = {}): DispatchRecord => ({
  schemaVersion: SCHEMA_VERSION,
  index,
  startedAt: `2026-11-21T10:0${index}:00.000Z`,
  wallMs: seconds * 1000,
  stopReason: 'stop',
  expectationsMet: true,
  completed: true,
  outputSha256: 'h',
  outputFile: `outputs/00${index}.txt`,
  ...extra,
});

/** A session on disk that still lacks all its dispatches, as `lab resume` finds one. */
export function pendingSession(labDir: string, config: string, endpoint: string, repeats = 6, id = `20261201T120000Z-quick-check-${Math.random().toString(16).slice(2, 6)}`): Session {
  const w = BUILTIN_WORKLOADS[0]!;
  const s = newSession(id, w, w.prompt!, repeats, { configPath: config, loadedModels: [], machine: { memoryBytes: 1, cpus: 1, cpuModel: 'x', os: 'x' }, endpoint });
  writeSession(labDir, s);
  return s;
}

/** One wire record of a model request (fields as the recorder writes them). */
export function wireRecord(seq: number, o: Partial<WireRecord>): WireRecord {
  return {
    schemaVersion: WIRE_SCHEMA_VERSION,
    dispatch: 0,
    seq,
    upstream: 'http://127.0.0.1:1234',
    startedAt: `2026-12-01T12:00:0${seq}.000Z`,
    method: 'POST',
    path: '/v1/chat/completions',
    api: 'chat',
    model: 'qwen/qwen3-coder-30b',
    status: 200,
    stream: true,
    terminated: true,
    requestBytes: 1,
    responseBytes: 1,
    requestSha256: 'x',
    responseSha256: 'y',
    ttfbMs: 5,
    firstTokenMs: 10,
    endMs: 20,
    messages: 2,
    tools: 0,
    promptTokens: 100,
    cachedTokens: null,
    completionTokens: 10,
    finishReason: 'stop',
    toolCalls: [],
    toolCallsAsText: null,
    reasoningInContent: null,
    summary: false,
    firstChangedMessage: null,
    ...o,
  };
}

/**
 * A session of `configPath` recorded in the lab folder `lab` (made if missing) whose compactions took
 * `compactionSeconds`, one per dispatch, with a wire of one model request (first token `firstTokenMs`), one
 * compaction summary and one listing; returns `lab`.
 */
export function recordedTimings(lab: string, configPath: string, compactionSeconds: readonly number[], id: string, firstTokenMs = 10): string {
  const s = sessionRecord(id, null, '2026-12-01T12:00:00.000Z');
  writeSession(lab, { ...s, environment: { ...s.environment, configPath, compactor: null, wire: { recorded: true, notes: [] } } });
  compactionSeconds.forEach((sec, i) =>
    appendDispatch(lab, id, dispatchRecord(i, sec + 5, { compactions: [{ startedAt: null, durationMs: sec * 1000, tokensBefore: 30000, tokensAfter: 4000, model: 'lmstudio/qwen/qwen3-coder-30b', trigger: 'threshold', modelFrom: 'wire' }] }), 'done'),
  );
  const lines = [wireRecord(0, { firstTokenMs }), wireRecord(1, { summary: true, firstTokenMs: 999_000, endMs: 999_000 }), wireRecord(2, { api: 'models', firstTokenMs: 999_000 })];
  fs.writeFileSync(path.join(lab, 'runs', id, 'wire.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  return lab;
}
