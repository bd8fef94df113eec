import { newSession } from '../../src/core/lab/session.js';
import { SCHEMA_VERSION, writeSession, type DispatchRecord, type Session } from '../../src/core/lab/records/store.js';
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
