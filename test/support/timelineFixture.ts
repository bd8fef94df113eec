import type { AnomalyInput } from '../../src/core/lab/timeline/anomalies.js';
import { TELEMETRY_SCHEMA_VERSION, type TelemetryRecord } from '../../src/core/lab/timeline/telemetry.js';
import type { WireRecord } from '../../src/core/lab/wire/schema.js';
import { wireRecord } from './labRecords.js';

/** Records as the recorder and the sampler write them, for tests of what is read from them (pure tier and the panel page). */
export const t0 = Date.parse('2026-12-05T10:00:00.000Z');
export const at = (ms: number) => new Date(t0 + ms).toISOString();
export const base = { schemaVersion: TELEMETRY_SCHEMA_VERSION } as const;

/** A model request of the clean session's size (the common fields are labRecords' wireRecord), at `ms` from t0. */
export function req(p: Partial<WireRecord> & { seq: number; dispatch: number | null; ms: number }): WireRecord {
  const { ms, ...rest } = p;
  return wireRecord(p.seq, {
    startedAt: at(ms),
    requestBytes: 900,
    responseBytes: 4000,
    requestSha256: 'a',
    responseSha256: 'b',
    ttfbMs: 40,
    firstTokenMs: 500,
    endMs: 2500,
    messages: 3,
    tools: 2,
    promptTokens: 10_000,
    cachedTokens: 8000,
    completionTokens: 200,
    ...rest,
  });
}

/** A clean session: two 10 s dispatches sampled every second, one model at one context, one server process. */
export function clean(): AnomalyInput {
  const samples: TelemetryRecord[] = [{ ...base, t: at(-1000), dispatch: null, kind: 'sampler', intervalMs: 1000, servers: ['http://127.0.0.1:1234'] }];
  const dispatches = [
    { index: 0, startedAt: at(0), wallMs: 10_000 },
    { index: 1, startedAt: at(11_000), wallMs: 10_000 },
  ];
  for (let ms = 0; ms <= 21_000; ms += 1000) {
    const dispatch = ms < 10_000 ? 0 : ms >= 11_000 ? 1 : null;
    samples.push({ ...base, t: at(ms), dispatch, kind: 'loaded', server: 'http://127.0.0.1:1234', status: 'ok', models: [{ id: 'qwen/qwen3-coder-30b', context: 65536 }] });
    samples.push({ ...base, t: at(ms), dispatch, kind: 'process', server: 'http://127.0.0.1:1234', pid: 4100, socket: '77', rssBytes: 2e10, cpuPct: 300 });
    samples.push({ ...base, t: at(ms), dispatch, kind: 'memory', totalBytes: 64e9, availableBytes: 20e9, usedPct: 68.8 });
  }
  return {
    environment: { compactionThreshold: { model: 'lmstudio/qwen/qwen3-coder-30b', contextTokens: 65536, reserveTokens: 16384, compactAt: 49152, memoryFlushAt: 45152, formula: 'x' }, compactor: 'lmstudio/qwen3-4b-instruct-2507' },
    dispatches,
    requests: [req({ seq: 0, dispatch: 0, ms: 100 }), req({ seq: 1, dispatch: 0, ms: 3000 }), req({ seq: 2, dispatch: 1, ms: 11_100 }), req({ seq: 3, dispatch: 1, ms: 14_000, summary: true, model: 'qwen3-4b-instruct-2507' })],
    samples,
  };
}

