import * as z from 'zod/mini';
import { FIRST_TURN_TOKENS } from '../../openclaw/context.js';
import type { ServerState } from '../../servers/types.js';
import { serverName } from '../../servers/models.js';
import { serverModel } from '../../rules/transport.js';
import { modelExchanges, requestJson, type ProbeExchange } from './probeWire.js';

/**
 * The fill probe's analysis (#24, "the context that is not there"), pure so it can be tested on recorded
 * exchanges: what OpenClaw believes (registered C, its predicted trigger), what the server loaded, and per turn
 * the prompt the request carried against the prompt the server said it read. The first of three events decides:
 * a compaction summary request (OpenClaw compacted), a refusal (the server or OpenClaw's precheck said the prompt
 * is too long), a silent truncation (the server answered a prompt larger than it holds and counted fewer tokens).
 * A server that never reports usage comes before all of them: OpenClaw's meter reads 0 and cannot see the fill.
 */

export const FILL_VERDICTS = ['compaction before the limit', 'never compacts: overflows first', 'silent truncation', 'meter reads 0', 'turn cap reached', 'no verdict'] as const;
export type FillVerdict = (typeof FILL_VERDICTS)[number];
export const GOOD_FILL_VERDICT: FillVerdict = 'compaction before the limit';

/** One model request as the fill probe keeps it (no bodies: sizes and the server's counters). */
export const FillRequestSchema = z.looseObject({
  seq: z.int(),
  /** The probe turn it belonged to (null: outside any turn). */
  turn: z.nullable(z.int()),
  api: z.string(),
  status: z.nullable(z.int()),
  /** An OpenClaw compaction summary request. */
  summary: z.boolean(),
  memoryFlush: z.boolean(),
  /** The prompt's approximate size: request bytes / 4. */
  sentTokens: z.number(),
  /** The server's prompt-token count (usage.prompt_tokens, prompt_eval_count, …); null: it reported none. */
  reported: z.nullable(z.number()),
  /** The server refused it for its context length. */
  refused: z.boolean(),
  /** Ollama options.num_ctx, when the request set one. */
  requestedContext: z.nullable(z.number()),
  /** OpenAI chat: stream_options.include_usage was asked for (null: not an OpenAI chat request, or the body was not kept). */
  usageAsked: z.nullable(z.boolean()),
});
export type FillRequest = z.infer<typeof FillRequestSchema>;

export const FillTurnSchema = z.looseObject({
  index: z.int(),
  /** 'plant', 'grow 1', …, 'recall'. */
  what: z.string(),
  /** Characters of the message sent. */
  messageChars: z.int(),
  error: z.optional(z.string()),
});
export type FillTurn = z.infer<typeof FillTurnSchema>;

/** OpenClaw's registered context for the primary and where it predicts compaction (session.ts predictedCompaction). */
export const RegisteredSchema = z.looseObject({ model: z.string(), contextTokens: z.number(), reserveTokens: z.number(), compactAt: z.number(), formula: z.string() });
export type Registered = z.infer<typeof RegisteredSchema>;

/** The context the server holds for the primary, and where that figure came from. */
export const ServerContextSchema = z.looseObject({ kind: z.nullable(z.string()), context: z.nullable(z.number()), source: z.string() });
export type ServerContext = z.infer<typeof ServerContextSchema>;

/** Ollama's server default when nothing sets num_ctx (runtimes.md §4: the older FAQ's 4096, VRAM < 24 GiB). */
export const OLLAMA_DEFAULT_NUM_CTX = 4096;

/**
 * The server's loaded context for the primary, from the look's server inspection. For Ollama the num_ctx in
 * effect: the request's options.num_ctx, else the Modelfile's, else what /api/ps says it loaded, else its default.
 */
export function serverContext(state: ServerState | undefined, modelId: string | undefined, requested: number | null = null): ServerContext {
  if (!state) return { kind: null, context: null, source: 'the server was not inspected (not a local server this config names)' };
  const name = serverName(state);
  if (state.status !== 'ok') return { kind: state.kind ?? null, context: null, source: `${name} could not be read (${state.status}${state.detail ? `: ${state.detail}` : ''})` };
  const m = serverModel(state, modelId);
  if (state.kind === 'ollama') {
    if (requested) return { kind: 'ollama', context: requested, source: 'options.num_ctx in the request' };
    if (m?.modelfileNumCtx) return { kind: 'ollama', context: m.modelfileNumCtx, source: "the Modelfile's num_ctx (/api/show); the request sets none" };
    if (m?.loaded?.loadedContextLength) return { kind: 'ollama', context: m.loaded.loadedContextLength, source: 'Ollama /api/ps; the request sets no num_ctx' };
    return { kind: 'ollama', context: OLLAMA_DEFAULT_NUM_CTX, source: `Ollama's default num_ctx (assumed: the request sets none and /api/ps does not say)` };
  }
  const loaded = m?.loaded?.loadedContextLength;
  if (loaded) return { kind: state.kind ?? null, context: loaded, source: `what ${name} reports loaded` };
  return { kind: state.kind ?? null, context: null, source: `${name} does not say what context it loaded` };
}

/** The fill probe's model requests, read off the wire (summaries included, the model list excluded). */
export function fillRequests(xs: readonly ProbeExchange[]): FillRequest[] {
  return modelExchanges(xs).map((x) => {
    const r = x.record;
    const body = r.api === 'chat' ? requestJson(x) : null;
    const b = body && typeof body === 'object' ? (body as { stream_options?: { include_usage?: unknown }; options?: { num_ctx?: unknown } }) : undefined;
    const so = b?.stream_options;
    // OpenClaw injects options.num_ctx on Ollama's OpenAI-compatible route too (rule ollama-openai-compat).
    const compatNumCtx = typeof b?.options?.num_ctx === 'number' ? b.options.num_ctx : null;
    return {
      seq: r.seq,
      turn: r.dispatch,
      api: r.api,
      status: r.status,
      summary: r.summary,
      memoryFlush: r.memoryFlush === true,
      sentTokens: Math.ceil(r.requestBytes / 4),
      reported: r.promptTokens,
      refused: r.contextRefused === true,
      requestedContext: r.requestedContext ?? compatNumCtx,
      usageAsked: body && typeof body === 'object' ? so?.include_usage === true : null,
    };
  });
}

/** OpenClaw's own refusal of a prompt too large for the model (its precheck, or overflow recovery giving up). */
const OVERFLOW_ERROR = /context[ _-]?overflow|prompt too large|context length|context window/i;

export interface TurnPoint {
  readonly turn: number;
  readonly what: string;
  /** The turn's largest request (bytes / 4); null when the turn sent none. */
  readonly sent: number | null;
  /** What the server reported for that request. */
  readonly reported: number | null;
  readonly events: string[];
}

export interface FillEvent {
  readonly turn: number;
  readonly seq: number;
  readonly what: string;
}

export interface FillAnalysis {
  readonly verdict: FillVerdict;
  readonly tone: 'good' | 'bad' | 'warn';
  /** The verdict in a sentence. */
  readonly why: string;
  readonly points: TurnPoint[];
  readonly compaction: FillEvent | null;
  readonly truncation: FillEvent | null;
  readonly refusal: FillEvent | null;
  /** Every answered prompt request reported 0 or no usage. */
  readonly meterZero: boolean;
  /** The recall reply held the codeword (null: the recall did not run). */
  readonly codewordSurvived: boolean | null;
  readonly notes: string[];
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const ok = (r: FillRequest) => r.status !== null && r.status < 400 && !r.refused;

/**
 * A prompt request the server answered but did not read whole: larger than the context the server holds while the
 * server counted no more than that context; or, the context unknown, counted under half of what was sent while the
 * count stood still (±2 %) and the request grew. A count that drops is a prompt cache (Ollama counts only what it
 * evaluated), not a cut; with the context known, a prompt that fits is never a cut.
 */
function truncated(r: FillRequest, prev: FillRequest | undefined, ctx: number | null): boolean {
  if (!ok(r) || !r.reported) return false;
  if (ctx) return r.sentTokens > ctx * 1.25 && r.reported <= ctx;
  return !!prev?.reported && r.sentTokens >= 2 * r.reported && r.sentTokens > prev.sentTokens * 1.05 && Math.abs(r.reported - prev.reported) <= prev.reported * 0.02;
}

export function analyzeFill(o: {
  requests: readonly FillRequest[];
  turns: readonly FillTurn[];
  registered: Registered | null;
  server: ServerContext;
  codeword: string;
  /** The recall turn's reply (undefined: no recall turn ran). */
  recallReply?: string;
}): FillAnalysis {
  const notes: string[] = [];
  const prompts = o.requests.filter((r) => !r.summary && r.turn !== null);
  const answered = prompts.filter(ok);
  const ctx = o.server.context;
  let truncation: FillEvent | null = null;
  let refusal: FillEvent | null = null;
  let compaction: FillEvent | null = null;
  let prev: FillRequest | undefined;
  // Every cut request, by seq: the table says so on each turn; the first is the event.
  const cuts = new Map<number, string>();
  for (const r of prompts) {
    if (truncated(r, prev, ctx)) {
      cuts.set(r.seq, `the server counted ${fmt(r.reported!)} of ~${fmt(r.sentTokens)} tokens sent`);
      truncation ??= { turn: r.turn!, seq: r.seq, what: cuts.get(r.seq)! };
    }
    if (ok(r)) prev = r;
  }
  for (const r of o.requests) {
    if (!refusal && r.refused) refusal = { turn: r.turn ?? -1, seq: r.seq, what: `the server refused ~${fmt(r.sentTokens)} tokens for its context length` };
    if (!compaction && r.summary) compaction = { turn: r.turn ?? -1, seq: r.seq, what: 'OpenClaw sent a compaction summary request' };
  }
  // OpenClaw's own refusal (its precheck, or recovery that gave up) ends the turn with an error; it counts after the turn's requests.
  for (const t of o.turns) {
    if (refusal && refusal.turn <= t.index) break;
    if (t.error && OVERFLOW_ERROR.test(t.error)) {
      const last = Math.max(-1, ...o.requests.filter((r) => r.turn === t.index).map((r) => r.seq));
      refusal = { turn: t.index, seq: last + 0.5, what: `OpenClaw: ${t.error.slice(0, 160)}` };
      break;
    }
  }
  const points: TurnPoint[] = o.turns.map((t) => {
    const mine = prompts.filter((r) => r.turn === t.index);
    const big = mine.reduce<FillRequest | undefined>((a, r) => (!a || r.sentTokens > a.sentTokens ? r : a), undefined);
    const events = [compaction, truncation, refusal].filter((e): e is FillEvent => !!e && e.turn === t.index).map((e) => e.what);
    const cut = big && big.seq !== truncation?.seq ? cuts.get(big.seq) : undefined;
    if (cut) events.push(cut.replace('the server counted', 'cut again: counted'));
    if (t.error && !events.some((e) => e.startsWith('OpenClaw:'))) events.push(`turn failed: ${t.error.slice(0, 160)}`);
    return { turn: t.index, what: t.what, sent: big?.sentTokens ?? null, reported: big?.reported ?? null, events };
  });
  const meterZero = answered.length > 0 && answered.every((r) => !r.reported);
  const codewordSurvived = o.recallReply === undefined ? null : o.recallReply.toLowerCase().includes(o.codeword.toLowerCase());

  const C = o.registered?.contextTokens;
  const trigger = o.registered?.compactAt;
  if (o.registered && ctx && ctx < o.registered.compactAt)
    notes.push(`Predicted before the run: the server holds ${fmt(ctx)} tokens, less than OpenClaw's trigger at ${fmt(o.registered.compactAt)} (C ${fmt(o.registered.contextTokens)} − R ${fmt(o.registered.reserveTokens)}): compaction cannot come first.`);
  const chats = o.requests.filter((r) => r.usageAsked !== null && !r.summary);
  if (chats.length && chats.every((r) => r.usageAsked === false)) notes.push('OpenClaw did not ask this server for usage while streaming (no stream_options.include_usage): see the rule stream-usage-missing.');
  if (o.server.context === null) notes.push(`The server's loaded context is unknown (${o.server.source}): truncation is judged only by the count standing still while the request grew.`);
  notes.push('Sent tokens are the request body in bytes / 4 (tool schemas and JSON included): an estimate, compared with the count the server reported.');

  const first = [compaction, truncation, refusal].filter((e): e is FillEvent => !!e).sort((a, b) => a.seq - b.seq)[0];
  let verdict: FillVerdict;
  let why: string;
  if (!answered.length && !first) {
    verdict = 'no verdict';
    why = 'no prompt request was answered: nothing to measure';
  } else if (meterZero) {
    verdict = 'meter reads 0';
    why = `the server reported ${answered.some((r) => r.reported === 0) ? '0 prompt tokens' : 'no usage'} on every answered request: OpenClaw's context meter cannot see the conversation fill, so its threshold never fires`;
  } else if (!first) {
    verdict = 'turn cap reached';
    why = `no compaction, truncation or refusal within ${o.turns.length} turns (the largest prompt ~${fmt(Math.max(0, ...prompts.map((r) => r.sentTokens)))} tokens${trigger ? `, trigger ${fmt(trigger)}` : ''}): grow further (--max-turns, --step)`;
  } else if (first === compaction) {
    verdict = 'compaction before the limit';
    const before = prompts.filter((r) => r.seq < first.seq).reduce((m, r) => Math.max(m, r.reported ?? r.sentTokens), 0);
    why = `OpenClaw compacted in turn ${first.turn} at ~${fmt(before)} prompt tokens${ctx ? `, before the server's ${fmt(ctx)}` : ''}`;
  } else if (first === truncation) {
    verdict = 'silent truncation';
    why = `in turn ${first.turn} ${first.what}${ctx ? ` (it holds ${fmt(ctx)}; ${o.server.source})` : ''}, without an error${C ? `, while OpenClaw budgets ${fmt(C)}` : ''}`;
  } else {
    verdict = 'never compacts: overflows first';
    why = `in turn ${first.turn} ${first.what}${compaction ? `; OpenClaw compacted only after (turn ${compaction.turn})` : ', before OpenClaw compacted'}`;
  }
  const fix = fixFor(verdict, o.server, chats.length > 0 && chats.every((r) => r.usageAsked === false));
  if (fix) notes.unshift(fix);
  if (codewordSurvived === false && (compaction || truncation)) notes.push(`The codeword ${o.codeword} did not survive: the recall reply lacks it.`);
  const tone = verdict === GOOD_FILL_VERDICT ? 'good' : verdict === 'turn cap reached' || verdict === 'no verdict' ? 'warn' : 'bad';
  return { verdict, tone, why, points, compaction, truncation, refusal, meterZero, codewordSurvived, notes };
}

/** The config change that answers a bad verdict, with the rule that finds it. */
function fixFor(verdict: FillVerdict, server: ServerContext, usageNotAsked: boolean): string | undefined {
  const held = server.context ? fmt(server.context) : "the server's loaded context";
  switch (verdict) {
    case 'silent truncation':
      return server.kind === 'ollama'
        ? `Fix: send Ollama the budget — params.num_ctx and contextTokens on the row (rule ollama-num-ctx-unset) — or lower contextTokens to the ${held} it holds.`
        : `Fix: set contextTokens to at most ${held} (rule context-window-mismatch), or load the model with OpenClaw's C.`;
    case 'never compacts: overflows first':
      return `Fix: set contextTokens to at most ${held} (rule context-window-mismatch), so that C − R falls inside what the server holds, or load the model with OpenClaw's C.`;
    case 'meter reads 0':
      return usageNotAsked
        ? 'Fix: compat.supportsUsageInStreaming: true on the row (rule stream-usage-missing).'
        : 'OpenClaw asked for usage (stream_options.include_usage) and the server sent 0 or none: the fix is on the server (a release that reports usage); until then only OpenClaw\'s own estimate can trigger a compaction.';
    default:
      return undefined;
  }
}

/**
 * Whether the probe has seen enough to stop growing: the first compaction, refusal or truncation, or a meter at 0
 * (it will not start reading later). The recall turn after it is one more measurement of the same.
 */
export function fillSettled(a: FillAnalysis): boolean {
  return !!a.compaction || !!a.refusal || !!a.truncation || a.meterZero;
}

/* ---------- the turns ---------- */

/** The planting message: one codeword (codewords.ts makeCodewords' rule marker), asked for at the end. */
export function fillPlantMessage(codeword: string): string {
  return `Remember this codeword for the whole conversation: ${codeword}. I will ask you for it at the end. Acknowledge briefly. Do not use tools.`;
}

export const FILL_RECALL_MESSAGE = 'What is the codeword I gave you in my first message? Reply with the codeword only. Do not use tools.';

const TOPICS = ['request routing', 'connection pooling', 'backoff strategies', 'cache invalidation', 'structured logging', 'graceful shutdown', 'schema migrations', 'load shedding'];

/** A growth message that adds about `tokens` tokens (4 characters each) of plain notes to the conversation. */
export function fillGrowthMessage(i: number, tokens: number): string {
  const head = `Growth ${i}: here are notes on ${TOPICS[(i - 1) % TOPICS.length]} to keep in mind. Reply with one short sentence. Do not use tools.\n`;
  const lines: string[] = [];
  let chars = head.length;
  for (let n = 0; chars < tokens * 4; n++) {
    const line = `Note ${i}.${n}: the service keeps ${TOPICS[(i + n) % TOPICS.length]} simple, measured and documented for the operators.`;
    lines.push(line);
    chars += line.length + 1;
  }
  return head + lines.join('\n');
}

/** The most one growth message carries: an argument over 128 KiB fails to spawn (E2BIG). */
export const MAX_STEP_TOKENS = 24_000;

/**
 * Tokens each growth turn adds (unless --step says): enough to reach the first limit (the trigger or the server's
 * context, whichever is lower) 15 % over, from OpenClaw's first turn, within six growth turns (fewer when the cap allows fewer).
 */
export function fillStepTokens(o: { compactAt?: number; serverContext?: number | null; growthTurns: number }): number {
  const limits = [o.compactAt, o.serverContext ?? undefined].filter((x): x is number => typeof x === 'number' && x > 0);
  const goal = limits.length ? Math.min(...limits) * 1.15 : 64_000;
  const raw = Math.ceil((goal - FIRST_TURN_TOKENS) / Math.max(1, Math.min(o.growthTurns, 6)));
  return Math.min(MAX_STEP_TOKENS, Math.max(500, raw));
}
