import crypto from 'node:crypto';
import type { RuleId } from '../../rules/registry.js';
import { REASONING_MARKERS, TOOL_TEXT_MARKERS } from '../wire/parse.js';
import { contentText, modelExchanges, requestJson, type ProbeExchange } from './probeWire.js';

/*
 * The tools probe's analysis (#24, "Tool calls that are not calls"), pure: what one OpenClaw turn's exchanges and
 * reply say about tool calling, and a verdict per model × API mode. The method is darkmux's nonce provenance: a
 * task's right answer is a fresh random code that only a tool result can carry, so an answer is checkable by a
 * machine: the code in the reply and in a tool result of a later request (the tool ran, the model read it); a code
 * in the reply that no tool returned (invented); a tool call in the text (printed, never run); or no call at all.
 */

export const TOOL_TASKS = ['read', 'exec', 'impossible'] as const;
export type ToolTask = (typeof TOOL_TASKS)[number];

/** The API modes a row can run in, and OpenClaw's `api` value for each (openclaw.md §4). */
export const API_MODES = ['completions', 'responses', 'ollama'] as const;
export type ApiMode = (typeof API_MODES)[number];
export const MODE_API: Readonly<Record<ApiMode, string>> = { completions: 'openai-completions', responses: 'openai-responses', ollama: 'ollama' };
export function modeOfApi(api: string): ApiMode | undefined {
  return API_MODES.find((m) => MODE_API[m] === api);
}

export const TOOL_VERDICTS = ['tools work', 'tool calls as text', 'invents tool output', 'reasoning leaks', 'hangs', 'no tool calls', 'did not complete'] as const;
export type ToolVerdict = (typeof TOOL_VERDICTS)[number];

/* ---------- the tasks ---------- */

const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
/** A run-unique code `LAL-XXXX-XXXX` (32 symbols a place: 40 bits). */
export function makeNonce(bytes: (n: number) => Uint8Array = (n) => crypto.randomBytes(n)): string {
  const b = bytes(8);
  const s = [...b].map((x) => ALPHABET[x % ALPHABET.length]).join('');
  return `LAL-${s.slice(0, 4)}-${s.slice(4, 8)}`;
}

/** The placeholder the prompts use for the form; never a code. */
const PLACEHOLDER = 'LAL-XXXX-XXXX';
const SHAPE = /\bLAL-[A-Z0-9]{4}-[A-Z0-9]{4}\b/gi;

/** Every nonce-shaped value in a text (upper-cased), the prompts' placeholder left out. */
export function nonceShaped(text: string): string[] {
  return [...new Set((text.match(SHAPE) ?? []).map((v) => v.toUpperCase()).filter((v) => v !== PLACEHOLDER))];
}

export interface TaskPlan {
  readonly task: ToolTask;
  /** The file in the agent's workspace the task is about (for `impossible`: one that does not exist). */
  readonly file: string;
  /** The code the file holds; null for `impossible`. */
  readonly nonce: string | null;
  readonly message: string;
  /** What the task needs, in words (the dry run and the view). */
  readonly needs: string;
}

/**
 * One task of a row: `read` (the read tool), `exec` (the exec tool, `cat`), `impossible` (a file that does not
 * exist: the honest answer is that it cannot be done). `tag` makes the file names of a run unique; the code is never
 * in the prompt, so only a tool can bring it.
 */
export function taskPlan(task: ToolTask, tag: string, nonce: string | null): TaskPlan {
  const file = `lal-tools-${tag}-${task}.txt`;
  switch (task) {
    case 'read':
      return { task, file, nonce, needs: 'the read tool returns a code', message: `Use your read tool to open the file ${file} in your workspace. It holds one code of the form ${PLACEHOLDER}. Reply with that code and nothing else.` };
    case 'exec':
      return { task, file, nonce, needs: 'the exec tool prints a code', message: `Use your exec tool to run the shell command \`cat ${file}\` in your workspace. It prints one code of the form ${PLACEHOLDER}. Reply with that code and nothing else.` };
    case 'impossible':
      return {
        task,
        file,
        nonce: null,
        needs: 'the file does not exist: the honest answer is that it cannot be done',
        message: `Use your read tool to open the file ${file} in your workspace and reply with the code of the form ${PLACEHOLDER} it holds. If you cannot, say plainly that you cannot; do not guess a code.`,
      };
  }
}

/* ---------- one task's turn ---------- */

export interface TaskTurn {
  readonly task: ToolTask;
  readonly nonce: string | null;
  /** OpenClaw's reply (payload text, or its error text). */
  readonly reply: string;
  readonly error?: string;
  readonly exitCode: number | null;
  /** The wire's exchanges of this turn. */
  readonly exchanges: readonly ProbeExchange[];
  /** How long the turn took, and its timeout: a turn that lasted its timeout ran into it, whatever OpenClaw printed. */
  readonly elapsedMs?: number;
  readonly timeoutMs?: number;
}

export type TaskOutcome = {
  readonly task: ToolTask;
  /** Model requests the turn made (compaction summaries not counted). */
  readonly requests: number;
  /** Tools OpenClaw offered in the turn's first request (null: unknown). */
  readonly toolsOffered: number | null;
  /** The model the wire saw asked (the first request's `model`). */
  readonly model: string | null;
  /** Structured tool calls, by name, in order. */
  readonly toolCalls: string[];
  /** A tool call's marker found in the visible content (wire) or the reply. */
  readonly toolCallsAsText: string | null;
  /** A reasoning marker in the visible content on the wire. */
  readonly reasoningInContent: string | null;
  /** A reasoning marker in OpenClaw's reply. */
  readonly reasoningInReply: boolean;
  /** The server streamed reasoning (reasoning / reasoning_content / thinking deltas, responses reasoning events). */
  readonly reasoningStreamed: boolean;
  /** A tool result in a later request carried the task's code. */
  readonly nonceInToolResult: boolean;
  readonly nonceInReply: boolean;
  /** A code the reply gives that no tool returned: a made-up one, or the right one with no tool result carrying it. */
  readonly invented: string | null;
  /** The turn ran into its timeout: a stream that never ended, or requests that never stopped. */
  readonly hang: 'stream' | 'loop' | null;
  /** The turn ended by itself with an answer, and its last answer ended properly. */
  readonly completed: boolean;
  /** read/exec: the code came from a tool and was answered; impossible: the answer says it cannot, and gives no code. */
  readonly right: boolean;
  /** The reply, cut to 240 characters. */
  readonly reply: string;
  readonly error?: string;
}

/** The texts of the tool results a request carries: chat/Ollama `tool` messages, responses `function_call_output` items, `tool_result` parts. */
export function toolResultTexts(body: unknown): string[] {
  if (!body || typeof body !== 'object') return [];
  const b = body as { messages?: unknown; input?: unknown };
  const out: string[] = [];
  const items = [...(Array.isArray(b.messages) ? b.messages : []), ...(Array.isArray(b.input) ? b.input : [])];
  for (const m of items) {
    if (!m || typeof m !== 'object') continue;
    const o = m as { role?: unknown; type?: unknown; content?: unknown; output?: unknown };
    if (o.role === 'tool' || o.role === 'toolResult') out.push(contentText(o.content));
    if (o.type === 'function_call_output') out.push(typeof o.output === 'string' ? o.output : contentText(o.output));
    if (Array.isArray(o.content)) for (const p of o.content) if (p && typeof p === 'object' && (p as { type?: unknown }).type === 'tool_result') out.push(contentText((p as { content?: unknown }).content));
  }
  return out;
}

const REASONING_STREAMED = /"(?:reasoning_content|reasoning|thinking)"\s*:\s*"[^"]|"type"\s*:\s*"response\.reasoning/;
const markerIn = (markers: readonly [string, RegExp][], text: string) => markers.find(([, re]) => re.test(text))?.[0] ?? null;
const TIMED_OUT = /timed out|no answer within/i;

export function analyzeTask(t: TaskTurn): TaskOutcome {
  const model = modelExchanges(t.exchanges).filter((x) => !x.record.summary);
  const nonce = t.nonce?.toUpperCase() ?? null;
  const toolCalls = model.flatMap((x) => x.record.toolCalls);
  const toolCallsAsText = model.map((x) => x.record.toolCallsAsText).find((m) => m) ?? markerIn(TOOL_TEXT_MARKERS, t.reply);
  const reasoningInContent = model.map((x) => x.record.reasoningInContent).find((m) => m) ?? null;
  const reasoningInReply = markerIn(REASONING_MARKERS, t.reply) !== null;
  const reasoningStreamed = model.some((x) => x.response !== null && REASONING_STREAMED.test(x.response.toString('utf8')));
  const nonceInToolResult = nonce !== null && model.some((x) => toolResultTexts(requestJson(x)).some((s) => s.toUpperCase().includes(nonce)));
  const failed = t.exitCode !== 0 || !!t.error;
  const timedOut = failed && (TIMED_OUT.test(t.error ?? '') || TIMED_OUT.test(t.reply) || (t.elapsedMs !== undefined && t.timeoutMs !== undefined && t.elapsedMs >= t.timeoutMs));
  // The client gave up on an answer still streaming (OpenClaw's timeout closed it; a server that drops the stream is a cut, not this).
  const abandoned = model.some((x) => !x.record.terminated && x.record.status !== null && (x.record.error?.kind === 'client-closed' || timedOut));
  const hang = !failed ? null : abandoned || (timedOut && model.length === 0) ? 'stream' : timedOut ? 'loop' : null;
  // A timed-out turn's reply is OpenClaw's error text, not the model's answer.
  const answer = hang ? '' : t.reply;
  const shaped = nonceShaped(answer);
  const nonceInReply = nonce !== null && shaped.includes(nonce);
  const madeUp = shaped.find((v) => v !== nonce);
  const invented = madeUp ?? (nonceInReply && !nonceInToolResult ? nonce : null);
  const last = model.at(-1);
  const completed = !hang && t.exitCode === 0 && !t.error && answer.trim() !== '' && (last?.record.terminated ?? false);
  const right = t.task === 'impossible' ? completed && shaped.length === 0 : completed && nonceInReply && nonceInToolResult && !madeUp;
  const first = model[0]?.record;
  return {
    task: t.task,
    requests: model.length,
    toolsOffered: first?.tools ?? null,
    model: first?.model ?? null,
    toolCalls,
    toolCallsAsText,
    reasoningInContent,
    reasoningInReply,
    reasoningStreamed,
    nonceInToolResult,
    nonceInReply,
    invented,
    hang,
    completed,
    right,
    reply: t.reply.length > 240 ? `${t.reply.slice(0, 239)}…` : t.reply,
    ...(t.error ? { error: t.error.replace(ANSI, '') } : {}),
  };
}

/** Terminal colours in OpenClaw's stderr lines (the error of a turn that printed no JSON). */
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

/* ---------- a row: one model in one API mode ---------- */

export type RowFacts = {
  /** provider/id */
  readonly ref: string;
  readonly mode: ApiMode;
  /** The provider's (or row's) `api` as configured. */
  readonly configuredApi: string;
  /** The row's `reasoning` as written (null: unset, OpenClaw's default false). */
  readonly reasoning: boolean | null;
  /** The row's `compat.supportsTools` as written (null: unset). */
  readonly supportsTools: boolean | null;
  /** What the look says the server is (lmstudio, ollama, llamacpp, vllm, …), when it knows. */
  readonly server: string | null;
}

export type RowFix = {
  /** The config change, in words (`compat.supportsTools: false on the row`). */
  readonly change: string;
  /** The rule that finds it in the config (README "Rules"), when one does. */
  readonly rule: RuleId | null;
  readonly why: string;
}

export type RowResult = RowFacts & {
  readonly tasks: TaskOutcome[];
  readonly verdict: ToolVerdict;
  /** What the verdict rests on, in one sentence. */
  readonly evidence: string;
  readonly fix: RowFix | null;
  /** Why the row did not run (a config the validator rejects in this mode, …). */
  readonly error?: string;
}

const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

/** The verdict of a row from its tasks, the worst first: a hang hides everything else. */
export function rowVerdict(tasks: readonly TaskOutcome[]): { verdict: ToolVerdict; evidence: string } {
  const hung = tasks.find((t) => t.hang);
  if (hung)
    return {
      verdict: 'hangs',
      evidence:
        hung.hang === 'stream'
          ? `task ${hung.task}: the answer's stream never ended${hung.reasoningStreamed ? ' (it streamed reasoning)' : ''}; the turn ran into its timeout`
          : `task ${hung.task}: ${count(hung.requests, 'request')}, and the turn still ran into its timeout`,
    };
  const asText = tasks.find((t) => t.toolCallsAsText);
  if (asText) return { verdict: 'tool calls as text', evidence: `task ${asText.task}: a tool call arrived as text (${asText.toolCallsAsText})${asText.toolCalls.length ? '' : ', and no structured call'}: it never ran` };
  const invented = tasks.find((t) => t.invented);
  if (invented) return { verdict: 'invents tool output', evidence: `task ${invented.task}: the reply gives ${invented.invented}, which no tool returned${invented.toolCalls.length ? '' : ' (no tool was called)'}` };
  const calls = tasks.reduce((n, t) => n + t.toolCalls.length, 0);
  if (calls === 0 && tasks.length) {
    const offered = tasks.map((t) => t.toolsOffered).find((n) => n !== null);
    return { verdict: 'no tool calls', evidence: `no structured tool call in ${count(tasks.length, 'task')}${offered === 0 ? ' (OpenClaw offered no tools)' : offered ? ` (OpenClaw offered ${count(offered, 'tool')})` : ''}` };
  }
  const leaked = tasks.find((t) => t.reasoningInContent || t.reasoningInReply);
  if (leaked) return { verdict: 'reasoning leaks', evidence: `task ${leaked.task}: reasoning in the visible answer (${leaked.reasoningInContent ?? 'in the reply'}${leaked.reasoningInReply ? ', and it reached the reply' : ''})` };
  const wrong = tasks.find((t) => !t.right);
  if (wrong)
    return {
      verdict: 'did not complete',
      evidence: `task ${wrong.task}: ${wrong.error ?? (!wrong.completed ? 'the turn ended without a proper answer' : wrong.task === 'impossible' ? 'the answer gave a code' : wrong.nonceInToolResult ? 'the tool returned the code, but the answer does not give it' : 'no tool result carried the code')}`,
    };
  return { verdict: 'tools work', evidence: `${count(calls, 'structured tool call')}; every code came from a tool result${tasks.some((t) => t.task === 'impossible') ? '; the impossible task was declined' : ''}` };
}

/**
 * The config change that fixes a row's verdict, where one exists, with the matching rule: another API mode that
 * worked for the same model in this run first (a measured fix beats a known one), then what the verdict points at.
 */
export function rowFix(row: RowFacts, verdict: ToolVerdict, tasks: readonly TaskOutcome[], sameModel: readonly { mode: ApiMode; verdict: ToolVerdict }[]): RowFix | null {
  if (verdict === 'tools work' || verdict === 'did not complete') return null;
  const better = sameModel.find((r) => r.mode !== row.mode && r.verdict === 'tools work');
  const ollamaRule = (mode: ApiMode): RuleId | null => (mode === 'ollama' ? 'ollama-openai-compat' : null);
  if (better)
    return {
      change: `api: "${MODE_API[better.mode]}"${better.mode === 'ollama' ? ' (the baseUrl without /v1)' : ''} on ${row.ref.split('/')[0]}`,
      rule: ollamaRule(better.mode),
      why: `the same model gave "tools work" over ${MODE_API[better.mode]} in this run`,
    };
  const streamed = tasks.some((t) => t.reasoningStreamed || t.reasoningInContent);
  switch (verdict) {
    case 'hangs':
      if (row.reasoning === true && row.mode === 'completions')
        return { change: 'reasoning: false on the row', rule: 'reasoning-mismatch', why: 'a row with reasoning: true hung on openai-completions (openclaw#144286); check what the server says of the model\'s thinking' };
      if (streamed && row.reasoning !== true) return { change: 'reasoning: true on the row', rule: 'reasoning-mismatch', why: 'the server streams reasoning for a row that says it does not reason, so OpenClaw neither budgets nor separates it' };
      return null;
    case 'tool calls as text':
      if (row.server === 'ollama' && row.mode !== 'ollama') return { change: `api: "ollama" (the baseUrl without /v1) on ${row.ref.split('/')[0]}`, rule: 'ollama-openai-compat', why: "Ollama's OpenAI-compatible API returns tool calls as text; its native API returns them structured" };
      return row.supportsTools === false ? null : { change: 'compat.supportsTools: false on the row', rule: 'model-lacks-tools', why: 'the model does not call tools in a form OpenClaw reads: with supportsTools false OpenClaw stops offering tools it prints instead of calling (or use a model trained for tool use)' };
    case 'invents tool output':
    case 'no tool calls':
      if (row.supportsTools === false) return null;
      return { change: 'compat.supportsTools: false on the row', rule: 'model-lacks-tools', why: verdict === 'no tool calls' ? 'the model never calls the tools OpenClaw offers: say so, so OpenClaw stops offering them (or use a model trained for tool use)' : 'the model answers with output no tool gave: it does not use the tools OpenClaw offers; say so (or use a model trained for tool use)' };
    case 'reasoning leaks':
      if (row.reasoning !== true) return { change: 'reasoning: true on the row', rule: 'reasoning-mismatch', why: 'the model reasons, and the row says it does not, so its thinking lands in the answer' };
      return null;
  }
}

/** Verdicts, evidence and fixes for finished rows (the fixes compare rows of the same model). */
export function judgeRows(rows: readonly (RowFacts & { tasks: TaskOutcome[]; error?: string })[]): RowResult[] {
  const judged = rows.map((r) => {
    const v = rowVerdict(r.tasks);
    // A row that stopped short (cancelled, rejected by the validator) cannot say its tools work.
    return { r, ...(r.error && (!r.tasks.length || v.verdict === 'tools work') ? { verdict: 'did not complete' as const, evidence: r.error } : v) };
  });
  return judged.map(({ r, verdict, evidence }) => ({
    ...r,
    verdict,
    evidence,
    fix: r.error && !r.tasks.length ? null : rowFix(r, verdict, r.tasks, judged.filter((j) => j.r.ref === r.ref).map((j) => ({ mode: j.r.mode, verdict: j.verdict }))),
  }));
}

/** Good only when every row's tools work. */
export function overallGood(rows: readonly RowResult[]): boolean {
  return rows.length > 0 && rows.every((r) => r.verdict === 'tools work');
}
