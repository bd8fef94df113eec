import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { compactionsFromLog, exportTrajectory, openclawLogFiles, summarizeTrajectory } from './trajectory.js';
import { countTools, emptyCompaction, finalMessageOf, type CompactionRecord } from './evidence.js';
import * as z from 'zod/mini';
import type { DispatchOutcome, Dispatcher } from './types.js';

const num = z.optional(z.nullable(z.number()));
const str = z.optional(z.nullable(z.string()));

/** `openclaw agent --json` (reference/openclaw.md §8); loose: fields arrive over releases. */
const MetaSchema = z.looseObject({
  durationMs: num,
  aborted: z.optional(z.boolean()),
  stopReason: str,
  error: z.optional(z.nullable(z.looseObject({ kind: str, message: str }))),
  completion: z.optional(z.nullable(z.looseObject({ stopReason: str, finishReason: str }))),
  contextManagement: z.optional(z.nullable(z.looseObject({ lastTurnCompactions: num, sessionCompactions: num }))),
  agentMeta: z.optional(
    z.nullable(
      z.looseObject({
        provider: str,
        model: str,
        contextTokens: num,
        compactionCount: num,
        compactionTokensAfter: num,
        /** Model responses in the run (present when > 0). */
        assistantTurns: num,
        promptTokens: num,
        usage: z.optional(z.nullable(z.looseObject({ input: num, output: num, total: num }))),
      }),
    ),
  ),
  finalAssistantVisibleText: str,
  /** buildTraceToolSummary: absent when no tool ran; `tools` names each tool once. */
  toolSummary: z.optional(z.nullable(z.looseObject({ calls: num, tools: z.optional(z.array(z.string())) }))),
});
export const AgentResultSchema = z.looseObject({
  payloads: z.optional(z.array(z.looseObject({ text: str }))),
  meta: z.optional(MetaSchema),
  /** Through a Gateway the result is wrapped. */
  result: z.optional(z.looseObject({ payloads: z.optional(z.array(z.looseObject({ text: str }))), meta: z.optional(MetaSchema) })),
  ok: z.optional(z.boolean()),
  error: z.optional(z.looseObject({ type: str, message: str })),
  /** Gateway: "ok" | "error" | "timeout" | "in_flight". */
  status: str,
});

/** Parses one `openclaw agent --json` stdout into the record's fields. */
export function parseAgentResult(stdout: string, exitCode: number): DispatchOutcome {
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch {
    return { output: stdout, exitCode, errorKind: exitCode === 0 ? 'unreadable' : `exit_${exitCode}`, errorMessage: 'openclaw printed no JSON', finalMessage: 'missing' };
  }
  const r = AgentResultSchema.safeParse(json);
  if (!r.success) return { output: stdout, exitCode, errorKind: 'unreadable', errorMessage: 'openclaw answered in an unexpected shape' };
  const d = r.data;
  if (d.ok === false) return { output: '', exitCode, errorKind: 'cli_error', errorMessage: d.error?.message ?? 'openclaw failed' };
  const meta = d.meta ?? d.result?.meta;
  const payloads = d.payloads ?? d.result?.payloads ?? [];
  const output = payloads.map((p) => p.text ?? '').filter(Boolean).join('\n') || meta?.finalAssistantVisibleText || '';
  const am = meta?.agentMeta;
  // compactionCount is present only when compaction ran inside the run.
  const count = am?.compactionCount ?? meta?.contextManagement?.lastTurnCompactions ?? 0;
  // Compactions inside a run summarize with the run's own model in 2026.9.6 — agent-core's
  // runAutoCompaction uses the session's model and the safeguard hook ctx.model / runtime.model (the run's);
  // `compaction.model` reaches only direct compactions (resolveEmbeddedCompactionTarget). The compaction test
  // checks this against the model the server was asked for each summary.
  const model = am?.provider && am?.model ? `${am.provider}/${am.model}` : null;
  // The meta names how many and the last one's tokens after; the trajectory export and the log add the rest.
  const compactions: CompactionRecord[] = Array.from({ length: count }, (_, i) => emptyCompaction({ model, tokensAfter: i === count - 1 ? (am?.compactionTokensAfter ?? null) : null }));
  const ts = meta?.toolSummary;
  const toolCalls = meta ? (ts?.calls ?? 0) : undefined;
  // One name: its count is every call; several: the export counts them (after the clock).
  const names = ts?.tools ?? [];
  const tools = !meta ? undefined : names.length === 1 ? { [names[0]!]: toolCalls ?? null } : Object.fromEntries(names.map((n) => [n, null]));
  // OpenClaw omits stopReason whenever error is set.
  const stopReason = meta?.error ? undefined : (meta?.stopReason ?? meta?.completion?.stopReason ?? undefined);
  const errorKind = meta?.error
      ? (meta.error.kind ?? 'error')
      : d.status && d.status !== 'ok'
        ? d.status
        : exitCode !== 0
          ? `exit_${exitCode}`
          : meta?.aborted
            ? 'aborted'
            : undefined;
  return {
    output,
    exitCode,
    runtimeMs: meta?.durationMs ?? undefined,
    tokensIn: am?.usage?.input ?? am?.promptTokens ?? undefined,
    tokensOut: am?.usage?.output ?? undefined,
    stopReason,
    errorKind,
    errorMessage: meta?.error?.message ?? undefined,
    turns: am?.assistantTurns ?? undefined,
    toolCalls,
    tools,
    compactions,
    finalMessage: finalMessageOf(meta?.finalAssistantVisibleText ?? output, meta?.error ? 'error' : (stopReason ?? (meta?.aborted ? 'aborted' : undefined)), errorKind),
  };
}

/**
 * Fills in what the meta leaves out, from OpenClaw's own records: tool counts and model responses from the
 * session's trajectory export; each compaction's tokens before (and after, when recorded) from its
 * `session.compaction` entry; its start, duration and trigger from the run's log lines.
 */
export function mergeTrajectory(out: DispatchOutcome, events: string, logTexts: readonly string[]): Partial<DispatchOutcome> {
  const t = summarizeTrajectory(events);
  const logged = logTexts.flatMap((text) => compactionsFromLog(text, t.runIds)).sort((a, b) => a.endedAt.localeCompare(b.endedAt));
  const fromMeta = out.compactions ?? [];
  const n = Math.max(fromMeta.length, t.compactions.length);
  const compactions: CompactionRecord[] = [];
  for (let i = 0; i < n; i++) {
    const m = fromMeta[i] ?? emptyCompaction({ model: fromMeta[0]?.model ?? null });
    const e = t.compactions[i];
    const l = logged[i];
    compactions.push({
      startedAt: l?.startedAt ?? m.startedAt,
      durationMs: l ? Date.parse(l.endedAt) - Date.parse(l.startedAt) : m.durationMs,
      tokensBefore: e?.tokensBefore ?? m.tokensBefore,
      tokensAfter: e?.tokensAfter ?? m.tokensAfter,
      model: m.model,
      trigger: l?.reason ?? m.trigger,
    });
  }
  const tools = t.toolNames.length ? countTools(t.toolNames) : out.tools;
  return {
    compactions,
    tools,
    toolCalls: t.toolNames.length ? Math.max(t.toolNames.length, out.toolCalls ?? 0) : out.toolCalls,
    turns: out.turns ?? (t.assistantMessages || undefined),
  };
}

export interface OpenClawDispatchOptions {
  readonly executable: string;
  readonly prompt: string;
  readonly agent: string;
  readonly model?: string;
  /** Each dispatch gets its own session key, so runs are independent. */
  readonly sessionPrefix: string;
  readonly timeoutMs: number;
  readonly env?: Record<string, string | undefined>;
  readonly cwd?: string;
  /** 'gateway' sends the turn to the running Gateway; 'local' runs it embedded. */
  readonly transport: 'local' | 'gateway';
  /** stdout beyond this ends the dispatch (errorKind "output-too-large"). */
  readonly maxOutputBytes?: number;
}

/** The last `max` bytes of a file (a day's log can be large; this run's lines are at its end). */
function tail(file: string, max: number): string {
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      const len = Math.min(size, max);
      const buf = Buffer.alloc(len);
      fs.readSync(fd, buf, 0, len, size - len);
      return buf.toString('utf8');
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return '';
  }
}

/** `openclaw agent --message-file` reads at most 4 MiB (OpenClaw 2026.9.6 `agent --help`). */
export const OPENCLAW_MESSAGE_FILE_MAX = 4 * 1024 * 1024;
/** Prompts above this go through --message-file: one argv string over 128 KiB fails with spawn E2BIG. */
export const OPENCLAW_INLINE_PROMPT_MAX = 64 * 1024;

/** Whether a Gateway listens on this loopback port (a TCP connect, 300 ms at most). */
export function gatewayListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(300, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

/**
 * One `openclaw agent [--local] --json` per dispatch, in its own process group: a timeout or cancel ends the
 * whole tree (OpenClaw starts workers), SIGTERM first, SIGKILL five seconds later.
 */
export function openclawDispatcher(o: OpenClawDispatchOptions): Dispatcher {
  const keyOf = (index: number) => `agent:${o.agent}:${o.sessionPrefix}-${index}`;
  const dispatch: Dispatcher = (index, signal) =>
    new Promise<DispatchOutcome>((resolve) => {
      const key = keyOf(index);
      // Short prompts stay on the command line (older releases have no --message-file); long ones go
      // through a private temporary file, removed when the dispatch ends.
      let messageDir: string | undefined;
      let message: string[] = ['--message', o.prompt];
      if (Buffer.byteLength(o.prompt, 'utf8') > OPENCLAW_INLINE_PROMPT_MAX) {
        messageDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-msg-'));
        const file = path.join(messageDir, 'message.txt');
        fs.writeFileSync(file, o.prompt, { mode: 0o600 });
        message = ['--message-file', file];
      }
      const cleanup = () => messageDir && fs.rmSync(messageDir, { recursive: true, force: true });
      const args = ['agent', ...(o.transport === 'local' ? ['--local'] : []), '--json', '--agent', o.agent, '--session-key', key, ...message, '--timeout', String(Math.ceil(o.timeoutMs / 1000))];
      if (o.model) args.push('--model', o.model);
      let child: ReturnType<typeof spawn>;
      try {
        child = spawn(o.executable, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...o.env }, cwd: o.cwd });
      } catch (err) {
        // spawn throws (rather than emitting 'error') for E2BIG and the like: a failed dispatch, not a crashed lab.
        cleanup();
        return resolve({ output: '', errorKind: 'spawn', errorMessage: `could not run ${o.executable}: ${(err as Error).message}` });
      }
      let stdout = '';
      let stdoutBytes = 0;
      let stderr = '';
      let ended: string | undefined;
      const maxOut = o.maxOutputBytes ?? Infinity;
      child.stdout!.on('data', (b: Buffer) => {
        if (ended) return;
        stdoutBytes += b.byteLength;
        if (stdoutBytes > maxOut) return killGroup('output-too-large');
        stdout += b;
      });
      child.stderr!.on('data', (b) => (stderr = (stderr + b).slice(-4000)));
      const killGroup = (why: string) => {
        if (ended || child.exitCode !== null) return;
        ended = why;
        try {
          process.kill(-child.pid!, 'SIGTERM');
        } catch {
          /* gone */
        }
        setTimeout(() => {
          try {
            process.kill(-child.pid!, 'SIGKILL');
          } catch {
            /* gone */
          }
        }, 5000).unref();
      };
      const timer = setTimeout(() => killGroup('timeout'), o.timeoutMs);
      const onAbort = () => killGroup('cancelled');
      signal.addEventListener('abort', onAbort, { once: true });
      child.on('error', (err) => {
        cleanup();
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        resolve({ output: '', errorKind: 'spawn', errorMessage: `could not run ${o.executable}: ${err.message}` });
      });
      child.on('close', (code, sig) => {
        cleanup();
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        // Reap stragglers of the group (workers) even after a normal exit.
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          /* none left */
        }
        if (ended === 'cancelled') return resolve({ output: '', errorKind: 'cancelled', errorMessage: 'cancelled' });
        if (ended === 'output-too-large') return resolve({ output: stdout, errorKind: 'output-too-large', errorMessage: `openclaw printed more than ${maxOut} bytes; stopped (workload maxOutputBytes)`, transport: o.transport });
        if (ended === 'timeout') return resolve({ output: stdout, errorKind: 'timeout', errorMessage: `no finish within ${Math.round(o.timeoutMs / 1000)} s`, transport: o.transport });
        const out = parseAgentResult(stdout, code ?? (sig ? 128 : 1));
        resolve({ ...out, transport: o.transport, errorMessage: out.errorMessage ?? (out.errorKind ? stderr.trim().split('\n').slice(-1)[0] : undefined) });
      });
    });
  /**
   * After the clock: the trajectory export (~2–5 s), only when the meta leaves something out (a compaction's
   * details, the count per tool when several ran), and only embedded (a Gateway owns the state while it runs).
   */
  dispatch.collect = async (index, out, signal) => {
    const needed = (out.compactions?.length ?? 0) > 0 || Object.values(out.tools ?? {}).some((c) => c === null);
    if (o.transport !== 'local' || !needed) return {};
    const startedAt = new Date();
    const events = await exportTrajectory(o.executable, keyOf(index), { ...o.env }, 60_000, signal);
    if (events === undefined) return {};
    const logs = openclawLogFiles([new Date(startedAt.getTime() - 24 * 3600_000), startedAt]).map((f) => tail(f, 32 * 1024 * 1024));
    return mergeTrajectory(out, events, logs);
  };
  return dispatch;
}
