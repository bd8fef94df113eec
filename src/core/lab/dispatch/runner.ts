import { spawn } from 'node:child_process';
import v8 from 'node:v8';
import { Worker } from 'node:worker_threads';
import type { DispatchOutcome, Dispatcher } from './types.js';
import { strategyOf } from './evidence.js';
import { appendDispatch, lockSession, readSession, writeSession, SCHEMA_VERSION, type DispatchRecord, type Session } from '../records/store.js';
import type { Workload } from '../workloadSchema.js';
import { sha256 } from '../../fsutil.js';

export interface RunOptions {
  readonly root: string;
  readonly session: Session;
  readonly dispatcher: Dispatcher;
  readonly signal?: AbortSignal;
  /** Where a verify command runs. */
  readonly cwd: string;
  readonly onDispatch?: (r: DispatchRecord, done: number, total: number) => void;
  readonly onStart?: (index: number, total: number) => void;
  /** Default REGEX_TIMEOUT_MS. */
  readonly regexTimeoutMs?: number;
}

export interface ExpectationResult {
  /** true/false when the workload has expectations; null when it has none. */
  readonly met: boolean | null;
  /** Why it is not met when that is not plain (a timed-out check, a verify command that did not finish). */
  readonly note?: string;
  /** The check was cancelled (Ctrl-C): the dispatch is not a sample. */
  readonly cancelled?: boolean;
}

/**
 * A full garbage collection before a session's first clock, where the process offers one (`globalThis.gc`: the CLI
 * sets it, see src/cli/labEnv.ts; the extension host does not). A fresh process's first major collection otherwise
 * lands where its old generation happens to fill, which after the CLI's start was inside the first dispatch
 * (7–60 ms, incremental marking and mark-compact under a PerformanceObserver for 'gc').
 */
export function collectBeforeFirstClock(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

const newSpaceUsed = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_used_size ?? 0;

/**
 * Lets the young generation's garbage collection happen now, before a clock starts, instead of inside the
 * dispatch: allocates short-lived objects until a scavenge has emptied the new space (at most `maxBytes`).
 * Preparation (loading an SDK, a rehearsal) fills the new space, and its scavenge landed in the first
 * dispatch every time (2–16 ms under --trace-gc here); settling before each dispatch gives every one the
 * same empty nursery. Returns whether a scavenge was seen.
 */
export function settleYoungGeneration(maxBytes = 64 * 1024 * 1024): boolean {
  let last = newSpaceUsed();
  let sink: number[] = [];
  // 64 KB arrays of small integers: one allocation each, in the new space (a few ms for the whole nursery).
  for (let allocated = 0; allocated < maxBytes; allocated += 64 * 1024) {
    sink = new Array<number>(8000).fill(0);
    const now = newSpaceUsed();
    if (now < last) return sink.length > 0;
    last = now;
  }
  return false;
}

/** How long a workload's `expectations.regex` may run on one reply before it counts as not met. */
export const REGEX_TIMEOUT_MS = 5000;

/**
 * The regex runs in a worker thread that is terminated after `timeoutMs`: a user regex with catastrophic
 * backtracking (`^(a+)+$`) cannot freeze the lab, and Ctrl-C still works while it runs.
 */
export function regexMatches(source: string, text: string, timeoutMs: number, signal?: AbortSignal): Promise<'match' | 'no-match' | 'timeout' | 'cancelled'> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve('cancelled');
    const code = `const { parentPort, workerData } = require('node:worker_threads');
parentPort.postMessage(new RegExp(workerData.source).test(workerData.text));`;
    const worker = new Worker(code, { eval: true, workerData: { source, text }, resourceLimits: { maxOldGenerationSizeMb: 256 } });
    let settled = false;
    const finish = (v: 'match' | 'no-match' | 'timeout' | 'cancelled') => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      void worker.terminate();
      resolve(v);
    };
    const timer = setTimeout(() => finish('timeout'), timeoutMs);
    const onAbort = () => finish('cancelled');
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.once('message', (m: boolean) => finish(m ? 'match' : 'no-match'));
    worker.once('error', () => finish('no-match'));
    worker.once('exit', () => finish('no-match'));
  });
}

/**
 * Runs a verify command in its own process group and waits for the whole group's output to close: at the
 * timeout (or cancel) the group is killed, so a command that leaves a child behind (`sh -c "sleep 300 &"`)
 * cannot hold the lab past its timeout, and stragglers are reaped after a normal exit too.
 */
export function runVerify(command: readonly string[], cwd: string, timeoutMs: number, signal?: AbortSignal): Promise<{ exitCode: number | null; ended?: 'timeout' | 'cancelled'; error?: string }> {
  return new Promise((resolve) => {
    const [cmd, ...args] = command;
    const child = spawn(cmd!, args, { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let ended: 'timeout' | 'cancelled' | undefined;
    const killGroup = (sig: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, sig);
      } catch {
        /* gone */
      }
    };
    const stop = (why: 'timeout' | 'cancelled') => {
      if (ended) return;
      ended = why;
      killGroup('SIGTERM');
      setTimeout(() => killGroup('SIGKILL'), 2000).unref();
    };
    // Drained, never kept: only the exit code decides.
    child.stdout!.resume();
    child.stderr!.resume();
    const timer = setTimeout(() => stop('timeout'), timeoutMs);
    const onAbort = () => stop('cancelled');
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) onAbort();
    let exitCode: number | null = null;
    child.once('exit', (code) => (exitCode = code));
    const done = (error?: string) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      killGroup('SIGKILL');
      resolve({ exitCode, ended, error });
    };
    child.once('error', (err) => done(err.message));
    child.once('close', (code) => {
      exitCode = code;
      done();
    });
  });
}

/** Whether the reply meets the workload's expectations; null when it has none. */
export async function checkExpectations(w: Workload, output: string, cwd: string, signal?: AbortSignal, opts: { regexTimeoutMs?: number } = {}): Promise<ExpectationResult> {
  const e = w.expectations;
  if (!e || (!e.contains?.length && !e.regex && !e.verify)) return { met: null };
  if (e.contains?.some((s) => !output.includes(s))) return { met: false };
  if (e.regex) {
    const r = await regexMatches(e.regex, output, opts.regexTimeoutMs ?? REGEX_TIMEOUT_MS, signal);
    if (r === 'cancelled') return { met: false, cancelled: true };
    if (r === 'timeout') return { met: false, note: 'expectation check timed out' };
    if (r === 'no-match') return { met: false };
  }
  if (e.verify) {
    const r = await runVerify(e.verify.command, cwd, e.verify.timeoutSeconds * 1000, signal);
    if (r.ended === 'cancelled') return { met: false, cancelled: true };
    if (r.ended === 'timeout') return { met: false, note: `verify command timed out after ${e.verify.timeoutSeconds} s (its process group was killed)` };
    if (r.error) return { met: false, note: `verify command could not run: ${r.error}` };
    if (r.exitCode !== 0) return { met: false };
  }
  return { met: true };
}

/**
 * Runs the dispatches the session still lacks, one after another. Each record is flushed as its dispatch
 * ends, so a killed lab leaves a readable session that `resume` continues. Cancel stops the current
 * dispatch (the dispatcher ends its process tree) and keeps the finished ones.
 */
export async function runSession(o: RunOptions): Promise<{ session: Session; dispatches: DispatchRecord[] }> {
  const { root } = o;
  // Throws SessionLocked when another live process runs this session.
  const release = lockSession(root, o.session.id);
  try {
    return await runLocked(o);
  } finally {
    release();
  }
}

async function runLocked(o: RunOptions): Promise<{ session: Session; dispatches: DispatchRecord[] }> {
  const { root, dispatcher } = o;
  let session: Session = { ...o.session, status: 'running', endedAt: null };
  writeSession(root, session);
  const existing = readSession(root, session.id).dispatches;
  const done = new Set(existing.map((d) => d.index));
  const records = [...existing];
  const signal = o.signal ?? new AbortController().signal;
  let first = true;
  for (let i = 0; i < session.repeats; i++) {
    if (done.has(i)) continue;
    if (signal.aborted) break;
    o.onStart?.(i, session.repeats);
    const startedAt = new Date().toISOString();
    await dispatcher.prepare?.();
    if (first) collectBeforeFirstClock();
    first = false;
    settleYoungGeneration();
    const t0 = performance.now();
    const raw = await dispatcher(i, signal);
    const wallMs = performance.now() - t0;
    if (raw.errorKind === 'cancelled') break; // an interrupted dispatch is not a sample
    // The clock has stopped: reading the runtime's records is the harness's time, not the dispatch's.
    const out: DispatchOutcome = { ...raw, ...(dispatcher.collect ? await dispatcher.collect(i, raw, signal).catch(() => ({})) : {}) };
    const check: ExpectationResult = out.errorKind ? { met: false } : await checkExpectations(session.workload, out.output, o.cwd, signal, { regexTimeoutMs: o.regexTimeoutMs });
    if (check.cancelled) break;
    const met = check.met;
    const record = appendDispatch(
      root,
      session.id,
      {
        schemaVersion: SCHEMA_VERSION,
        index: i,
        startedAt,
        wallMs,
        runtimeMs: out.runtimeMs,
        ttftMs: out.ttftMs,
        tokensIn: out.tokensIn,
        tokensOut: out.tokensOut,
        tokensPerSecond: out.tokensPerSecond,
        stopReason: out.stopReason,
        expectationsMet: met,
        completed: !out.errorKind && !!out.stopReason && met !== false,
        errorKind: out.errorKind,
        errorMessage: out.errorMessage ?? check.note,
        turns: out.turns,
        toolCalls: out.toolCalls,
        tools: out.tools,
        compactions: out.compactions ? [...out.compactions] : undefined,
        finalMessage: out.finalMessage,
        strategy: strategyOf(out.turns),
        exitCode: out.exitCode,
        outputSha256: sha256(out.output),
        transport: out.transport,
        serverTimings: out.serverTimings,
        requests: out.requests,
        prefillMs: out.prefillMs,
        promptTokensMax: out.promptTokensMax,
        promptTokensTotal: out.promptTokensTotal,
        layer: out.layer ? { ...out.layer, toolsInjected: [...out.layer.toolsInjected], factsLost: [...out.layer.factsLost], toolsAltered: [...out.layer.toolsAltered] } : undefined,
      },
      out.output,
    );
    records.push(record);
    o.onDispatch?.(record, records.length, session.repeats);
  }
  records.sort((a, b) => a.index - b.index);
  const finished = records.length >= session.repeats;
  session = { ...session, status: finished ? 'complete' : signal.aborted ? 'cancelled' : 'failed', endedAt: new Date().toISOString() };
  writeSession(root, session);
  return { session, dispatches: records };
}
