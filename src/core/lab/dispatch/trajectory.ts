import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';

/** Each JSON object line of a JSON-lines text; unreadable and empty lines are skipped. */
export function* jsonLines(text: string, keep: (line: string) => boolean = () => true): Generator<Record<string, unknown>> {
  for (const line of text.split('\n')) {
    if (!line.trim() || !keep(line)) continue;
    let e: unknown;
    try {
      e = JSON.parse(line);
    } catch {
      continue;
    }
    if (e && typeof e === 'object' && !Array.isArray(e)) yield e as Record<string, unknown>;
  }
}

/**
 * A trajectory line that is a compaction, and its entry: `session.compaction` carries the transcript's compaction
 * entry in `data`; an older `compaction` line carries it at the top level.
 */
export function compactionEntry(e: Record<string, unknown>): Record<string, unknown> | undefined {
  if (e.type !== 'session.compaction' && e.type !== 'compaction') return undefined;
  return (e.data && typeof e.data === 'object' ? e.data : e) as Record<string, unknown>;
}

/** What a dispatch's trajectory export says it did. */
export interface TrajectorySummary {
  /** `assistant.message` events from the transcript: one per model response. */
  readonly assistantMessages: number;
  /** One name per `tool.call` event (the export emits one per tool-call block of an assistant message). */
  readonly toolNames: string[];
  /** `session.compaction` events, in order; `endedAt` is the compaction entry's timestamp (written when it ended). */
  readonly compactions: { endedAt: string | null; tokensBefore: number | null; tokensAfter: number | null; summary: string | null }[];
  /** The runs (`runId` of runtime events) the session holds: the keys into OpenClaw's log. */
  readonly runIds: string[];
}

const numOrNull = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/**
 * Reads an `openclaw sessions export-trajectory` events.jsonl (OpenClaw 2026.9.6 export-trajectory:
 * buildTranscriptEvents emits `assistant.message`, `tool.call {name}` and `session.compaction {tokensBefore}`;
 * runtime events carry `runId`). Unreadable lines are skipped.
 */
export function summarizeTrajectory(eventsJsonl: string): TrajectorySummary {
  const out: { -readonly [K in keyof TrajectorySummary]: TrajectorySummary[K] } = { assistantMessages: 0, toolNames: [], compactions: [], runIds: [] };
  for (const e of jsonLines(eventsJsonl)) {
    const d = (e.data && typeof e.data === 'object' ? e.data : {}) as Record<string, unknown>;
    if (typeof e.runId === 'string' && !out.runIds.includes(e.runId)) out.runIds.push(e.runId);
    if (e.type === 'assistant.message' && e.source !== 'runtime') out.assistantMessages++;
    // The transcript's tool calls only: the runtime records each call as a `tool.call` event of its own too.
    else if (e.type === 'tool.call' && e.source !== 'runtime') out.toolNames.push(typeof d.name === 'string' && d.name ? d.name : '(unnamed)');
    else {
      const c = compactionEntry(e);
      if (c) out.compactions.push({ endedAt: typeof e.ts === 'string' ? e.ts : null, tokensBefore: numOrNull(c.tokensBefore), tokensAfter: numOrNull(c.tokensAfter), summary: typeof c.summary === 'string' ? c.summary : null });
    }
  }
  return out;
}

export interface LoggedCompaction {
  readonly runId: string;
  readonly startedAt: string;
  readonly endedAt: string;
  readonly reason: string | null;
}

/**
 * Completed compactions of the given runs from OpenClaw's JSON-lines log: the embedded runner logs
 * `embedded_run_compaction_start` and `embedded_run_compaction_end` (with runId, reason and, at the end,
 * completed) at info level (2026.9.6 handleCompactionStart/handleCompactionEnd). Each completed end is
 * paired with the last open start of its run.
 */
export function compactionsFromLog(logText: string, runIds: readonly string[]): LoggedCompaction[] {
  const open = new Map<string, { at: string; reason: string | null }[]>();
  const out: LoggedCompaction[] = [];
  for (const e of jsonLines(logText, (line) => line.includes('compaction') && runIds.some((r) => line.includes(r)))) {
    const meta = Object.values(e).find((v): v is Record<string, unknown> => !!v && typeof v === 'object' && typeof (v as { event?: unknown }).event === 'string');
    if (!meta || typeof meta.runId !== 'string' || !runIds.includes(meta.runId)) continue;
    const at = typeof e.time === 'string' ? e.time : typeof (e._meta as { date?: unknown } | undefined)?.date === 'string' ? ((e._meta as { date: string }).date) : undefined;
    if (!at) continue;
    const reason = typeof meta.reason === 'string' ? meta.reason : null;
    const starts = open.get(meta.runId) ?? [];
    if (meta.event === 'embedded_run_compaction_start') {
      starts.push({ at, reason });
      open.set(meta.runId, starts);
    } else if (meta.event === 'embedded_run_compaction_end') {
      const start = starts.pop();
      if (start && meta.completed === true) out.push({ runId: meta.runId, startedAt: new Date(start.at).toISOString(), endedAt: new Date(at).toISOString(), reason: reason ?? start.reason });
    }
  }
  return out.sort((a, b) => a.endedAt.localeCompare(b.endedAt));
}

/** OpenClaw's log files for the local dates of `times` (OpenClaw names them by local date, in /tmp/openclaw). */
export function openclawLogFiles(times: readonly Date[], dirs: readonly string[] = ['/tmp/openclaw', path.join(os.tmpdir(), 'openclaw')]): string[] {
  const day = (d: Date) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
  const files = new Set<string>();
  for (const dir of new Set(dirs)) for (const t of times) files.add(path.join(dir, `openclaw-${day(t)}.log`));
  return [...files].filter((f) => fs.existsSync(f));
}

/** Exports one session's trajectory into a temporary folder and returns its events.jsonl (~2–5 s). */
export function exportTrajectory(executable: string, sessionKey: string, env: Record<string, string | undefined>, timeoutMs = 60_000, signal?: AbortSignal): Promise<string | undefined> {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-traj-'));
  return new Promise((resolve) => {
    const child = spawn(executable, ['sessions', 'export-trajectory', '--session-key', sessionKey, '--workspace', ws, '--output', 'lab', '--json'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'ignore'] });
    let stdout = '';
    child.stdout.on('data', (b) => (stdout += b));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const onAbort = () => child.kill('SIGKILL');
    signal?.addEventListener('abort', onAbort, { once: true });
    const finish = (v: string | undefined) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      fs.rmSync(ws, { recursive: true, force: true });
      resolve(v);
    };
    child.on('error', () => finish(undefined));
    child.on('close', (code) => {
      if (code !== 0) return finish(undefined);
      try {
        const dir = (JSON.parse(stdout) as { outputDir?: string }).outputDir ?? path.join(ws, '.openclaw', 'trajectory-exports', 'lab');
        finish(fs.readFileSync(path.join(dir, 'events.jsonl'), 'utf8'));
      } catch {
        finish(undefined);
      }
    });
  });
}
