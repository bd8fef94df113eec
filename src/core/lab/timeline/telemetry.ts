import fs from 'node:fs';
import path from 'node:path';
import * as z from 'zod/mini';
import { sessionDir } from '../records/store.js';
import { endsTorn, parseLines, readLines } from '../records/jsonl.js';
import { openLines, recordDir } from '../records/safe.js';

export const TELEMETRY_SCHEMA_VERSION = 1;

const base = {
  schemaVersion: z.literal(TELEMETRY_SCHEMA_VERSION),
  /** When the sample was taken (ISO). */
  t: z.string(),
  /** The dispatch running then; null between dispatches. */
  dispatch: z.nullable(z.int()),
};
const bytes = z.nullable(z.number());

/** The sampler started: its interval (a longer silence is a gap) and the servers it watches. */
const SamplerStart = z.looseObject({ ...base, kind: z.literal('sampler'), intervalMs: z.number(), servers: z.array(z.string()) });
/** What one server had loaded, as its REST API said (`models: null`: the server cannot tell). */
const Loaded = z.looseObject({
  ...base,
  kind: z.literal('loaded'),
  server: z.string(),
  status: z.string(),
  models: z.nullable(z.array(z.looseObject({ id: z.string(), context: z.nullable(z.number()) }))),
  detail: z.optional(z.string()),
});
/** The machine's memory: what is available without swapping (Linux MemAvailable; macOS free + inactive + purgeable). */
const Memory = z.looseObject({ ...base, kind: z.literal('memory'), totalBytes: z.number(), availableBytes: z.number(), usedPct: z.number() });
/** The process listening on a server's port, when the server runs on this machine. */
const Proc = z.looseObject({ ...base, kind: z.literal('process'), server: z.string(), pid: z.nullable(z.int()), socket: z.nullable(z.string()), rssBytes: bytes, cpuPct: z.nullable(z.number()) });
/** The OpenClaw Gateway's process, when a Gateway serves the dispatches. */
const Gateway = z.looseObject({ ...base, kind: z.literal('gateway'), port: z.int(), pid: z.nullable(z.int()), socket: z.nullable(z.string()) });

export const TelemetryRecordSchema = z.discriminatedUnion('kind', [SamplerStart, Loaded, Memory, Proc, Gateway]);
export type TelemetryRecord = z.infer<typeof TelemetryRecordSchema>;
export type LoadedSample = z.infer<typeof Loaded>;
export type MemorySample = z.infer<typeof Memory>;
export type ProcessSample = z.infer<typeof Proc>;
export type GatewaySample = z.infer<typeof Gateway>;

export function telemetryFile(root: string, id: string): string {
  return path.join(sessionDir(root, id), 'telemetry.jsonl');
}

/**
 * `runs/<id>/telemetry.jsonl`, written in batches between dispatches (never while a clock runs, like the wire's
 * records): a killed lab loses at most the samples of the dispatch it was in.
 */
export function appendTelemetry(root: string, id: string, records: readonly TelemetryRecord[]): void {
  if (!records.length) return;
  const file = telemetryFile(root, id);
  // As every lab record: never written through a link, nor into a folder that leads out of the lab folder.
  recordDir(root, path.dirname(file));
  const fd = openLines(file);
  try {
    fs.writeSync(fd, (endsTorn(fd) ? '\n' : '') + records.map((r) => JSON.stringify(r)).join('\n') + '\n');
    fs.fdatasyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

export interface LoadedTelemetry {
  readonly records: TelemetryRecord[];
  readonly skippedLines: number;
}

/** The session's samples in time order; none for sessions recorded before the sampler or without the wire. */
export function readTelemetry(root: string, id: string): LoadedTelemetry {
  return sorted(readLines(telemetryFile(root, id), TelemetryRecordSchema, root));
}

export function parseTelemetryLines(text: string): LoadedTelemetry {
  return sorted(parseLines(text, TelemetryRecordSchema));
}

function sorted(l: { records: TelemetryRecord[]; skipped: number }): LoadedTelemetry {
  return { records: l.records.sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : 0)), skippedLines: l.skipped };
}
