import fs from 'node:fs';
import path from 'node:path';
import * as z from 'zod/mini';
import { sessionDir } from '../records/store.js';
import { endsTorn, parseLines, readLines } from '../records/jsonl.js';
import { openLines, recordDir } from '../records/safe.js';

export const WIRE_SCHEMA_VERSION = 1;

const opt = <T extends z.ZodMiniType>(t: T) => z.optional(z.nullable(t));
const ms = z.nullable(z.number());
const count = z.nullable(z.number());

/** Which API a request spoke, from its path (parse.ts classifyPath). */
export const WIRE_APIS = [
  'chat',
  'responses',
  'completions',
  'ollama-chat',
  'ollama-generate',
  'lmstudio-chat',
  'lmstudio-load',
  'lmstudio-unload',
  'lmstudio-rest',
  'models',
  'other',
] as const;
export type WireApi = (typeof WIRE_APIS)[number];

/**
 * One model-server request as it crossed the recorder. Bodies are never stored: only sizes, hashes and
 * what was read out of them. Times are milliseconds from the moment the recorder received the request.
 * Appended to `runs/<id>/wire.jsonl` as each exchange ends (so lines are in end order; `seq` is arrival order).
 */
export const WireRecordSchema = z.looseObject({
  schemaVersion: z.literal(WIRE_SCHEMA_VERSION),
  /** The lab's dispatch index when the request arrived (null: outside any dispatch, e.g. a rehearsal). */
  dispatch: z.nullable(z.int()),
  /** Arrival order, from 0: within one recorder, or across the recorders that share a counter. */
  seq: z.int().check(z.gte(0)),
  /** The model server's base URL (the recorder's upstream). */
  upstream: z.string(),
  startedAt: z.string(),
  method: z.string(),
  /** The path without its query (a query may carry a key). */
  path: z.string(),
  api: z.string(),
  model: z.nullable(z.string()),
  /** The upstream's status; null when it never answered (see `error`). */
  status: z.nullable(z.int()),
  /** The request asked to stream, or the answer was SSE / NDJSON. */
  stream: z.boolean(),
  /** A proper end: SSE `[DONE]` or a finish reason, NDJSON `done: true`, a whole non-streamed body. False for a cut. */
  terminated: z.boolean(),
  requestBytes: z.number(),
  responseBytes: z.number(),
  requestSha256: z.string(),
  responseSha256: z.string(),
  /** Response headers from the upstream. */
  ttfbMs: ms,
  /** First content, reasoning or tool-call delta (null when none, or the answer was not streamed). */
  firstTokenMs: ms,
  endMs: z.number(),
  messages: count,
  tools: count,
  /** As the server counted them: OpenAI `usage`, llama.cpp `timings`, LM Studio `stats`, Ollama `*_eval_count`. */
  promptTokens: count,
  cachedTokens: count,
  completionTokens: count,
  finishReason: z.nullable(z.string()),
  /** Names of the structured tool calls in the answer, in order. */
  toolCalls: z.array(z.string()),
  /** The marker of a tool call that arrived as text in the content (e.g. `<tool_call>`); null when none. */
  toolCallsAsText: z.nullable(z.string()),
  /** The marker of reasoning that arrived in the visible content (e.g. `<think>`); null when none. */
  reasoningInContent: z.nullable(z.string()),
  /** An OpenClaw compaction summary request (its summarization system prompt or instructions). */
  summary: z.boolean(),
  /** Index of the first message that differs from the previous request of the same dispatch; null for the first. */
  firstChangedMessage: z.nullable(z.int()),
  /**
   * With a proxy: 'sent' marks the recorder between OpenClaw and the proxy (what OpenClaw sent); records without it
   * are what the server received. Evidence is read from the server's side only.
   */
  side: z.optional(z.literal('sent')),
  /** On a server-side record with a proxy: what the layer changed in this request (layer/diff.ts, examples omitted). */
  layer: z.optional(z.looseObject({ sentSeq: z.nullable(z.int()), messagesChanged: z.number(), linesDropped: z.number(), linesInvented: z.number(), linesFused: z.number(), linesReordered: z.number(), markerLines: z.number(), toolsInjected: z.array(z.string()), olderTurnsRewritten: z.boolean(), factsLost: z.array(z.string()), charsBefore: z.number(), charsAfter: z.number() })),
  /** OpenClaw's pre-compaction memory-flush turn (asked of the primary before a compaction). */
  memoryFlush: opt(z.boolean()),
  /** Server-measured phases: llama.cpp `timings`, Ollama `*_duration`, LM Studio `stats`. */
  serverPrefillMs: opt(z.number()),
  serverGenerationMs: opt(z.number()),
  /** A model load the request caused or was (LM Studio load endpoint, `model_load_time_seconds`, Ollama `load_duration`). */
  loadMs: opt(z.number()),
  /** The context the request asked for (LM Studio load `context_length`, Ollama `options.num_ctx`). */
  requestedContext: opt(z.number()),
  /** The context the server says it serves with (LM Studio load `load_config`, v0 `model_info`). */
  servedContext: opt(z.number()),
  /** The server's own error message, cut to 300 characters. */
  serverError: opt(z.string()),
  /** The server refused the request for its context length. */
  contextRefused: opt(z.boolean()),
  /** What went wrong on the way, when something did. */
  error: opt(z.looseObject({ kind: z.string(), message: z.string() })),
  /** Parts that exceeded the recorder's caps and were not read ('request', 'response', 'content'). */
  capped: opt(z.array(z.string())),
});
export type WireRecord = z.infer<typeof WireRecordSchema>;

export function wireFile(root: string, id: string): string {
  return path.join(sessionDir(root, id), 'wire.jsonl');
}

export interface WireLog {
  readonly file: string;
  /**
   * Queues one record. Records are written in order, each flushed to disk (fdatasync) before the next is
   * written, on the thread pool: a disk's flush never holds up the event loop the recorder streams on.
   */
  append(record: WireRecord): void;
  /** Resolves once every record appended so far is on disk; rejects with the first write that failed. */
  flush(): Promise<void>;
  /** Flushes, then closes the file. */
  close(): Promise<void>;
}

/**
 * Opens `runs/<id>/wire.jsonl` for appending, one record a line, so a killed lab keeps every request whose
 * record was flushed. The file stays open between records: a request costs one write and one fdatasync.
 */
export function openWireLog(root: string, id: string): WireLog {
  const file = wireFile(root, id);
  recordDir(root, path.dirname(file));
  const fd = openLines(file);
  // A kill mid-write leaves a last line without its newline: end it, so the next record starts its own line.
  let pendingNewline = endsTorn(fd);
  let chain: Promise<void> = Promise.resolve();
  let failure: unknown;
  let closed = false;
  const write = (text: string) => new Promise<void>((resolve, reject) => fs.write(fd, text, (err) => (err ? reject(err) : fs.fdatasync(fd, (e) => (e ? reject(e) : resolve())))));
  const flush = async () => {
    await chain;
    if (failure !== undefined) throw failure;
  };
  return {
    file,
    append(record) {
      if (closed) throw new Error(`${file}: the wire log is closed`);
      const line = (pendingNewline ? '\n' : '') + JSON.stringify(record) + '\n';
      pendingNewline = false;
      chain = chain.then(() => (failure === undefined ? write(line).catch((err: unknown) => void (failure = err)) : undefined));
    },
    flush,
    async close() {
      if (closed) return flush();
      closed = true;
      try {
        await flush();
      } finally {
        fs.closeSync(fd);
      }
    },
  };
}

export interface LoadedWire {
  /** In arrival order (start time, then `seq`). */
  readonly records: WireRecord[];
  /** Lines that could not be read (a half-written last line after a kill, a record of a newer schema). */
  readonly skippedLines: number;
}

/** The session's wire records; none when it was recorded without the wire (old sessions, `--no-wire`). */
export function readWire(root: string, id: string): LoadedWire {
  return fromLines(readLines(wireFile(root, id), WireRecordSchema, root));
}

export function parseWireLines(text: string): LoadedWire {
  return fromLines(parseLines(text, WireRecordSchema));
}

function fromLines(l: { records: WireRecord[]; skipped: number }): LoadedWire {
  return { records: l.records.sort((a, b) => (a.startedAt < b.startedAt ? -1 : a.startedAt > b.startedAt ? 1 : a.seq - b.seq)), skippedLines: l.skipped };
}
