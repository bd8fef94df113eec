import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import * as z from 'zod/mini';
import { WorkloadSchema } from './workload.js';

export const SCHEMA_VERSION = 1;

const opt = <T extends z.ZodMiniType>(t: T) => z.optional(z.nullable(t));

/** One dispatch, as it ended. Appended to dispatches.jsonl and flushed before the next starts. */
export const DispatchRecordSchema = z.looseObject({
  schemaVersion: z.literal(SCHEMA_VERSION),
  index: z.int().check(z.gte(0)),
  startedAt: z.string(),
  wallMs: z.number(),
  /** What the runtime says it took (OpenClaw meta.durationMs; server generation time). */
  runtimeMs: opt(z.number()),
  ttftMs: opt(z.number()),
  tokensIn: opt(z.number()),
  tokensOut: opt(z.number()),
  tokensPerSecond: opt(z.number()),
  stopReason: opt(z.string()),
  /** true/false when the workload has expectations; null when it has none. */
  expectationsMet: z.nullable(z.boolean()),
  /** Why it is not a success, when it is not: a dispatch that exits cleanly can still miss its wrap-up. */
  completed: z.boolean(),
  errorKind: opt(z.string()),
  errorMessage: opt(z.string()),
  compactions: opt(z.number()),
  compactionEvents: opt(z.array(z.looseObject({ tokensBefore: opt(z.number()), tokensAfter: opt(z.number()) }))),
  exitCode: opt(z.number()),
  outputSha256: z.string(),
  outputFile: z.string(),
  transport: opt(z.string()),
  serverTimings: opt(z.record(z.string(), z.unknown())),
});
export type DispatchRecord = z.infer<typeof DispatchRecordSchema>;

export const EnvironmentSchema = z.looseObject({
  configPath: opt(z.string()),
  configSha256: opt(z.string()),
  profile: opt(z.string()),
  openclawVersion: opt(z.string()),
  loadedModels: z.array(z.looseObject({ provider: z.string(), id: z.string(), context: opt(z.number()) })),
  machine: z.looseObject({ memoryBytes: z.number(), cpus: z.number(), cpuModel: z.string(), os: z.string() }),
  endpoint: opt(z.string()),
});
export type Environment = z.infer<typeof EnvironmentSchema>;

export const SessionSchema = z.looseObject({
  schemaVersion: z.literal(SCHEMA_VERSION),
  id: z.string(),
  workload: WorkloadSchema,
  prompt: z.string(),
  repeats: z.int(),
  environment: EnvironmentSchema,
  startedAt: z.string(),
  endedAt: opt(z.string()),
  status: z.enum(['running', 'complete', 'cancelled', 'failed']),
  note: opt(z.string()),
});
export type Session = z.infer<typeof SessionSchema>;

export function newSessionId(workload: string, now = new Date()): string {
  return `${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${workload}-${randomBytes(2).toString('hex')}`;
}

export function sessionDir(root: string, id: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(id)) throw new Error(`not a lab session id: ${id}`);
  return path.join(root, 'runs', id);
}

/** Write-then-rename, so a reader never sees half a session.json. */
export function writeSession(root: string, s: Session): void {
  const dir = sessionDir(root, s.id);
  fs.mkdirSync(path.join(dir, 'outputs'), { recursive: true });
  const tmp = path.join(dir, `.session.json.${process.pid}.tmp`);
  fs.writeFileSync(tmp, JSON.stringify(s, null, 2) + '\n');
  fs.renameSync(tmp, path.join(dir, 'session.json'));
}

/** Appends one record and its output, flushed to disk before returning. */
export function appendDispatch(root: string, id: string, record: Omit<DispatchRecord, 'outputFile'>, output: string): DispatchRecord {
  const dir = sessionDir(root, id);
  const outputFile = path.join('outputs', `${String(record.index).padStart(3, '0')}.txt`);
  fs.writeFileSync(path.join(dir, outputFile), output);
  const full = { ...record, outputFile } as DispatchRecord;
  const fd = fs.openSync(path.join(dir, 'dispatches.jsonl'), 'a');
  try {
    fs.writeSync(fd, JSON.stringify(full) + '\n');
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  return full;
}

export interface LoadedSession {
  readonly session: Session;
  readonly dispatches: DispatchRecord[];
  /** Lines that could not be read (a half-written last line after a kill). */
  readonly skippedLines: number;
}

export class SessionUnreadable extends Error {}

export function readSession(root: string, id: string): LoadedSession {
  const dir = sessionDir(root, id);
  let session: Session;
  try {
    const r = SessionSchema.safeParse(JSON.parse(fs.readFileSync(path.join(dir, 'session.json'), 'utf8')));
    if (!r.success) throw new SessionUnreadable(`${dir}/session.json: ${r.error.issues[0]!.path.join('.')}: ${r.error.issues[0]!.message}`);
    session = r.data;
  } catch (err) {
    if (err instanceof SessionUnreadable) throw err;
    throw new SessionUnreadable(`no readable lab session ${id} in ${path.join(root, 'runs')}: ${(err as Error).message}`);
  }
  const dispatches: DispatchRecord[] = [];
  let skipped = 0;
  let text = '';
  try {
    text = fs.readFileSync(path.join(dir, 'dispatches.jsonl'), 'utf8');
  } catch {
    text = '';
  }
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const r = DispatchRecordSchema.safeParse(JSON.parse(line));
      if (r.success) dispatches.push(r.data);
      else skipped++;
    } catch {
      skipped++;
    }
  }
  dispatches.sort((a, b) => a.index - b.index);
  return { session, dispatches, skippedLines: skipped };
}

export function listSessions(root: string): LoadedSession[] {
  let ids: string[] = [];
  try {
    ids = fs.readdirSync(path.join(root, 'runs'));
  } catch {
    return [];
  }
  const out: LoadedSession[] = [];
  for (const id of ids.sort()) {
    try {
      out.push(readSession(root, id));
    } catch {
      /* not a session folder */
    }
  }
  return out;
}
