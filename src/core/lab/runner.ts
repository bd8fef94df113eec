import { createHash } from 'node:crypto';
import { execa } from 'execa';
import type { Dispatcher } from './dispatch/types.js';
import { appendDispatch, readSession, writeSession, SCHEMA_VERSION, type DispatchRecord, type Session } from './store.js';
import type { Workload } from './workload.js';

export interface RunOptions {
  readonly root: string;
  readonly session: Session;
  readonly dispatcher: Dispatcher;
  readonly signal?: AbortSignal;
  /** Where a verify command runs. */
  readonly cwd: string;
  readonly onDispatch?: (r: DispatchRecord, done: number, total: number) => void;
  readonly onStart?: (index: number, total: number) => void;
}

/** Whether the reply meets the workload's expectations; null when it has none. */
export async function checkExpectations(w: Workload, output: string, cwd: string, signal?: AbortSignal): Promise<boolean | null> {
  const e = w.expectations;
  if (!e || (!e.contains?.length && !e.regex && !e.verify)) return null;
  if (e.contains?.some((s) => !output.includes(s))) return false;
  if (e.regex && !new RegExp(e.regex).test(output)) return false;
  if (e.verify) {
    const [cmd, ...args] = e.verify.command;
    const r = await execa(cmd!, args, { cwd, timeout: e.verify.timeoutSeconds * 1000, reject: false, cancelSignal: signal, stdin: 'ignore', forceKillAfterDelay: 2000 });
    if (r.exitCode !== 0) return false;
  }
  return true;
}

/**
 * Runs the dispatches the session still lacks, one after another. Each record is flushed as its dispatch
 * ends, so a killed lab leaves a readable session that `resume` continues. Cancel stops the current
 * dispatch (the dispatcher ends its process tree) and keeps the finished ones.
 */
export async function runSession(o: RunOptions): Promise<{ session: Session; dispatches: DispatchRecord[] }> {
  const { root, dispatcher } = o;
  let session: Session = { ...o.session, status: 'running', endedAt: null };
  writeSession(root, session);
  const existing = readSession(root, session.id).dispatches;
  const done = new Set(existing.map((d) => d.index));
  const records = [...existing];
  const signal = o.signal ?? new AbortController().signal;
  for (let i = 0; i < session.repeats; i++) {
    if (done.has(i)) continue;
    if (signal.aborted) break;
    o.onStart?.(i, session.repeats);
    const startedAt = new Date().toISOString();
    await dispatcher.prepare?.();
    const t0 = performance.now();
    const out = await dispatcher(i, signal);
    const wallMs = performance.now() - t0;
    if (out.errorKind === 'cancelled') break; // an interrupted dispatch is not a sample
    const met = out.errorKind ? false : await checkExpectations(session.workload, out.output, o.cwd, signal);
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
        errorMessage: out.errorMessage,
        compactions: out.compactions,
        compactionEvents: out.compactionEvents,
        exitCode: out.exitCode,
        outputSha256: createHash('sha256').update(out.output).digest('hex'),
        transport: out.transport,
        serverTimings: out.serverTimings,
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
