import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as z from 'zod/mini';
import { WorkloadSchema } from '../workloadSchema.js';
import { appendLine, readLines } from './jsonl.js';
import { processAlive, randomHex } from '../../fsutil.js';
import { openLines, readRecordText, recordDir, writeRecordFile } from './safe.js';

export const SCHEMA_VERSION = 1;

const opt = <T extends z.ZodMiniType>(t: T) => z.optional(z.nullable(t));

const CompactionSchema = z.looseObject({
  startedAt: z.nullable(z.string()),
  durationMs: z.nullable(z.number()),
  tokensBefore: z.nullable(z.number()),
  tokensAfter: z.nullable(z.number()),
  model: z.nullable(z.string()),
  trigger: z.nullable(z.string()),
  /** 'wire': model and duration from the summary request the recorder saw; 'runtime' (or absent): as the runtime reported. */
  modelFrom: z.optional(z.enum(['wire', 'runtime'])),
});

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
  /** Model requests in the dispatch (compaction summaries not counted). */
  turns: opt(z.number()),
  toolCalls: opt(z.number()),
  /** Tool name → calls (null: named by the runtime, count not reported). */
  tools: opt(z.record(z.string(), z.nullable(z.number()))),
  /** One entry per compaction (records before 2026-12 hold a count). */
  compactions: opt(z.union([z.number(), z.array(CompactionSchema)])),
  /** Older records: tokens before/after each compaction from the trajectory export. */
  compactionEvents: opt(z.array(z.looseObject({ tokensBefore: opt(z.number()), tokensAfter: opt(z.number()) }))),
  finalMessage: opt(z.enum(['present', 'cut', 'missing'])),
  /** Derived from turns by STRATEGY_RULE (evidence.ts). */
  strategy: opt(z.enum(['all-at-once', 'step-by-step'])),
  exitCode: opt(z.number()),
  outputSha256: z.string(),
  outputFile: z.string(),
  transport: opt(z.string()),
  serverTimings: opt(z.record(z.string(), z.unknown())),
  /** From the wire (runs/<id>/wire.jsonl): model requests, summed time to first token, the largest prompt in tokens. */
  requests: opt(z.number()),
  prefillMs: opt(z.number()),
  promptTokensMax: opt(z.number()),
  /** Prompt tokens of every model request of the dispatch, as the server counted them (the wire's server side). */
  promptTokensTotal: opt(z.number()),
  /** With a proxy between OpenClaw and the server: what the layer did, summed (layer/diff.ts summarizeLayer). */
  layer: opt(
    z.looseObject({
      tokensSaved: z.nullable(z.number()),
      linesDropped: z.number(),
      linesInvented: z.number(),
      reordered: z.number(),
      toolsInjected: z.array(z.string()),
      olderTurnsRewritten: z.number(),
      markerLines: z.number(),
      factsLost: z.array(z.string()),
      toolsAltered: opt(z.array(z.string())),
      requestsBefore: z.number(),
      requestsAfter: z.number(),
    }),
  ),
});
export type DispatchRecord = z.infer<typeof DispatchRecordSchema>;

export const EnvironmentSchema = z.looseObject({
  configPath: opt(z.string()),
  configSha256: opt(z.string()),
  profile: opt(z.string()),
  /** The profile in force before a lab run applied its own (null: none recorded); restored after the run. */
  profileBefore: opt(z.string()),
  openclawVersion: opt(z.string()),
  loadedModels: z.array(z.looseObject({ provider: z.string(), id: z.string(), context: opt(z.number()) })),
  machine: z.looseObject({ memoryBytes: z.number(), cpus: z.number(), cpuModel: z.string(), os: z.string() }),
  endpoint: opt(z.string()),
  /** compaction.model as configured (provider/model), null when unset: a summary asked of the primary anyway is an anomaly. */
  compactor: opt(z.string()),
  /** What the installed release's math predicts for the model under test (the hover's code): where compaction fires. */
  /** The session was recorded on the wire (runs/<id>/wire.jsonl); what the wire could not see, in words. */
  wire: opt(z.looseObject({ recorded: z.boolean(), notes: z.array(z.string()) })),
  /** The compression proxy the session's requests went through (a declared proxy, started fresh for the session). */
  proxy: opt(z.looseObject({ name: z.string(), command: z.array(z.string()) })),
  compactionThreshold: opt(
    z.looseObject({ model: z.string(), contextTokens: z.number(), reserveTokens: z.number(), compactAt: z.number(), memoryFlushAt: z.number(), formula: z.string() }),
  ),
});
export type Environment = z.infer<typeof EnvironmentSchema>;

export const SessionSchema = z.looseObject({
  schemaVersion: z.literal(SCHEMA_VERSION),
  id: z.string(),
  workload: WorkloadSchema,
  /** The prompt's text, for a workload's inline prompt only: a promptFile's text is never stored (promptSha256). */
  prompt: opt(z.string()),
  /** sha256 of a promptFile's text; resume reads workload.promptFile again and must find this. */
  promptSha256: opt(z.string()),
  repeats: z.int(),
  environment: EnvironmentSchema,
  startedAt: z.string(),
  endedAt: opt(z.string()),
  /** 'interrupted' is never written: it is how a reader sees a 'running' session whose process died. */
  status: z.enum(['running', 'complete', 'cancelled', 'failed', 'interrupted']),
  note: opt(z.string()),
});
export type Session = z.infer<typeof SessionSchema>;

export function newSessionId(workload: string, now = new Date()): string {
  return `${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${workload}-${randomHex(2)}`;
}

export class SessionUnreadable extends Error {}

/** A session id names one folder under runs/: no separators, no leading dot, so `../x` is refused. */
export function isSessionId(id: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/.test(id) && !id.includes('..');
}

export function sessionDir(root: string, id: string): string {
  if (!isSessionId(id)) throw new SessionUnreadable(`not a lab session id: "${id}" (ids look like 20261201T141500Z-quick-check-1a2b; see lab list)`);
  return path.join(root, 'runs', id);
}

/**
 * A session id, or a unique prefix of one (as in git): `lab show 20261201T14` finds the one session that
 * starts so. No match, or several, is one clear line naming what to do.
 */
export function resolveSessionId(root: string, idOrPrefix: string): string {
  sessionDir(root, idOrPrefix); // refuses paths and odd characters before anything is read
  const runs = path.join(root, 'runs');
  if (fs.existsSync(path.join(runs, idOrPrefix, 'session.json'))) return idOrPrefix;
  let names: string[] = [];
  try {
    names = fs.readdirSync(runs).filter((n) => n.startsWith(idOrPrefix) && isSessionId(n));
  } catch {
    names = [];
  }
  if (names.length === 1) return names[0]!;
  if (names.length === 0) throw new SessionUnreadable(`no lab session ${idOrPrefix} in ${runs} (see lab list)`);
  throw new SessionUnreadable(`${idOrPrefix} matches ${names.length} lab sessions (${names.slice(0, 3).join(', ')}${names.length > 3 ? ', …' : ''}); give more of the id`);
}

/** Write-then-rename, so a reader never sees half a session.json. */
export function writeSession(root: string, s: Session): void {
  const dir = recordDir(root, sessionDir(root, s.id));
  recordDir(root, path.join(dir, 'outputs'));
  const tmp = path.join(dir, `.session.json.${process.pid}.tmp`);
  fs.rmSync(tmp, { force: true });
  writeRecordFile(tmp, JSON.stringify(s, null, 2) + '\n');
  fs.renameSync(tmp, path.join(dir, 'session.json'));
}

/** Appends one record and its output, flushed to disk before returning. */
export function appendDispatch(root: string, id: string, record: Omit<DispatchRecord, 'outputFile'>, output: string): DispatchRecord {
  const dir = recordDir(root, sessionDir(root, id));
  recordDir(root, path.join(dir, 'outputs'));
  // Named by the dispatch's number as the panel and the CLI show it (1-based): dispatch 1 is outputs/001.txt.
  const outputFile = path.join('outputs', `${String(Number(record.index) + 1).padStart(3, '0')}.txt`);
  writeRecordFile(path.join(dir, outputFile), output);
  const full = { ...record, outputFile } as DispatchRecord;
  const fd = openLines(path.join(dir, 'dispatches.jsonl'));
  try {
    // A kill mid-write leaves a last line without its newline; end it first, so this record starts a line
    // of its own instead of being glued onto the torn one (which would make both unreadable).
    appendLine(fd, full);
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

export function readSession(root: string, id: string): LoadedSession {
  const dir = sessionDir(root, id);
  let session: Session;
  try {
    const text = readRecordText(path.join(dir, 'session.json'), root);
    if (text === undefined) throw new Error('session.json does not exist');
    const r = SessionSchema.safeParse(JSON.parse(text));
    if (!r.success) throw new SessionUnreadable(`${dir}/session.json: ${r.error.issues[0]!.path.join('.')}: ${r.error.issues[0]!.message}`);
    session = r.data;
  } catch (err) {
    if (err instanceof SessionUnreadable) throw err;
    throw new SessionUnreadable(`no readable lab session ${id} in ${path.join(root, 'runs')}: ${(err as Error).message}`);
  }
  const { records: dispatches, skipped } = readLines(path.join(dir, 'dispatches.jsonl'), DispatchRecordSchema, root);
  dispatches.sort((a, b) => a.index - b.index);
  // 'running' is only true while a live process holds the session's lock; otherwise it died mid-run.
  if (session.status === 'running' && !lockOwner(dir)?.alive) session = { ...session, status: 'interrupted' };
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

/* One process at a time runs a session: `runs/<id>/lock` holds the owner's pid. */

export class SessionLocked extends Error {
  constructor(
    readonly id: string,
    readonly pid: number,
    readonly host?: string,
  ) {
    super(`lab session ${id} is already running (process ${pid}${host && host !== os.hostname() ? ` on ${host}` : ''}); wait for it to finish or stop that process`);
  }
}

const LockSchema = z.looseObject({ pid: z.int(), host: z.optional(z.string()), since: z.optional(z.string()) });

const pidAlive = (pid: number) => Number.isInteger(pid) && pid > 0 && processAlive(pid);

/** Whether the process that wrote `owner` may still run: one on another machine (a shared folder) cannot be judged here, so it may. */
export function ownerMayRun(owner: { pid: number; host?: string }): boolean {
  return owner.host !== undefined && owner.host !== os.hostname() ? true : pidAlive(owner.pid);
}

function lockOwner(dir: string): { pid: number; host?: string; alive: boolean; raw: string } | undefined {
  return lockOwnerOf(dir, path.join(dir, 'lock'));
}

function lockOwnerOf(dir: string, file: string): { pid: number; host?: string; alive: boolean; raw: string } | undefined {
  let raw: string | undefined;
  try {
    raw = readRecordText(file, dir);
  } catch {
    // A lock that is no plain file (a FIFO, a link out) proves no owner: it is held, never read.
    return { pid: NaN, alive: true, raw: '' };
  }
  if (raw === undefined) return undefined;
  let pid = NaN;
  let host: string | undefined;
  try {
    ({ pid, host } = LockSchema.parse(JSON.parse(raw)));
  } catch {
    /* a torn lock file: nobody can be proven to own it */
  }
  // A lock taken on another machine (a shared folder) cannot be judged by pid here: it counts as held.
  return { pid, host, alive: ownerMayRun({ pid, host }), raw };
}

/** Waits `ms` without a timer: lockSession is synchronous, and the wait is a few milliseconds at most. */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Removes the lock at `lock` if it is still the one judged dead (`raw`), atomically against every other process
 * doing the same: only the holder of `lock.takeover` (created with link(2), so exactly one) may remove a lock, and
 * it re-reads the lock first. Reading, then unlinking, without it let a second process remove a lock a third had
 * just taken: two holders. A takeover left by a killed process is itself moved aside (rename is atomic) and
 * checked; one from a live process is waited for.
 */
function removeStaleLock(dir: string, lock: string, raw: string, mine: string): void {
  const takeover = `${lock}.takeover`;
  const tmp = path.join(dir, `.takeover.${process.pid}.${randomHex(4)}`);
  fs.writeFileSync(tmp, mine);
  try {
    for (let attempt = 0; attempt < 200; attempt++) {
      try {
        fs.linkSync(tmp, takeover);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const other = lockOwnerOf(dir, takeover);
        if (other && !other.alive) {
          const aside = path.join(dir, `.takeover.stale.${process.pid}.${randomHex(4)}`);
          try {
            fs.renameSync(takeover, aside);
            const moved = lockOwnerOf(dir, aside);
            // Moved a live one by mistake (it was replaced since we looked): put it back.
            if (moved?.alive) fs.linkSync(aside, takeover);
          } catch {
            /* gone meanwhile, or put back by its owner's retry */
          }
          fs.rmSync(aside, { force: true });
        } else pause(2);
        continue;
      }
      try {
        if (readRecordText(lock, dir) === raw) fs.unlinkSync(lock);
      } catch {
        /* someone released it meanwhile */
      } finally {
        fs.rmSync(takeover, { force: true });
      }
      return;
    }
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/**
 * Takes the session's lock for this process, or throws SessionLocked when a live process holds it. A lock
 * whose pid is dead (a killed lab) is stale and taken over (removeStaleLock). The lock is created with link(2)
 * from a private temporary file, so exactly one of two racing processes gets it. Returns the release function.
 */
export function lockSession(root: string, id: string): () => void {
  const dir = sessionDir(root, id);
  fs.mkdirSync(dir, { recursive: true });
  const lock = path.join(dir, 'lock');
  const mine = JSON.stringify({ pid: process.pid, host: os.hostname(), since: new Date().toISOString() }) + '\n';
  const tmp = path.join(dir, `.lock.${process.pid}.${randomHex(4)}`);
  fs.writeFileSync(tmp, mine);
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        fs.linkSync(tmp, lock);
        return () => {
          try {
            if (readRecordText(lock, dir) === mine) fs.unlinkSync(lock);
          } catch {
            /* already gone */
          }
        };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const owner = lockOwner(dir);
      if (owner?.alive) throw new SessionLocked(id, owner.pid, owner.host);
      if (owner) removeStaleLock(dir, lock, owner.raw, mine);
    }
    const owner = lockOwner(dir);
    throw new SessionLocked(id, owner?.pid ?? -1);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}
