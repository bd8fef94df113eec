import { createHash } from 'node:crypto';
import { contentText, requestJson, type ProbeExchange } from './probeWire.js';

/*
 * The prefix-stability probe's analysis, pure: the model requests of one OpenClaw session as they crossed the wire,
 * each compared with the previous model request of the session (across turns, from the request bodies), the server's
 * cache counter against what could have been reused, and each cache bust attributed to a cause. No I/O.
 *
 * Estimates, said once here and in the README:
 * - A prompt is read as the pieces a chat template renders in order: the leading system message(s), then the tools
 *   (most templates — Qwen, Hermes, Mistral — render the tool list into the system turn, after its text), then each
 *   message. Characters are converted to the server's tokens with this request's own ratio (its prompt tokens over
 *   its characters), else 4 characters a token.
 * - What an append-only session reuses: the previous request up to and including its last operator message (the
 *   runtime-context carrier OpenClaw adds after it is per-turn and is not kept in the history).
 * - A cache bust: the server's cached tokens fall below that reusable prefix by more than max(64 tokens, 2 %); without
 *   a cache counter (Ollama, LM Studio's OpenAI endpoint), the prefix OpenClaw sent unchanged falls below it by as much.
 */

export const CAUSES = [
  'time/date text',
  'section order',
  'memory prepended',
  'compaction',
  'tool list changed',
  'workspace file edit',
  'between OpenClaw and the server',
  'other prompt change',
] as const;
export type Cause = (typeof CAUSES)[number];

/** The fix per cause, where one exists (reference/openclaw.md, compression.md; OpenClaw 2026.9.6 docs). */
export const FIXES: Record<Cause, string | null> = {
  'time/date text':
    "OpenClaw 2026.9.6 keeps the date (`## Temporal Context`, day granularity) below its system-prompt cache boundary, so a date or time-zone change re-prefills only what follows it — the dynamic tail and the whole history; no setting removes it (docs/concepts/timezone.md). Pin `agents.defaults.userTimezone` so a host time-zone change cannot change it; a server or proxy that drops more than that is the server's own problem.",
  'section order': 'the system prompt\'s sections moved between requests (openclaw#40256): update OpenClaw, and report the two orders with the section names',
  'memory prepended': "context is inserted before the operator's message (active memory's prependContext, openclaw#79532): turn that recall off for a local server, or have it appended after the history",
  compaction:
    'a compaction rewrites the history (openclaw#147017): expected once per compaction; give the compactor its own server or slot (`compaction.model` on another server, llama-server `--parallel 2`) so its summary request does not evict the session',
  'tool list changed': 'the tools array changed mid-session (a plugin, skill or MCP server came or went): keep the tool set fixed during a session',
  'workspace file edit': 'edit workspace files (AGENTS.md, SOUL.md, …) between sessions, not mid-session: each edit re-prefills everything after that file',
  'between OpenClaw and the server':
    "OpenClaw sent the same prefix; the server did not reuse it: slot eviction or another client on the slot (llama-server `--parallel`, `--cache-reuse`, enough KV cache; vLLM `--enable-prefix-caching`), or a proxy rewriting the prompt in between (compression layer: headroom's `token` mode rewrites older turns, `--mode cache` freezes them)",
  'other prompt change': null,
};

const COMPACTED_MARKER = 'compacted into the following summary';
const CARRIER = '<<<BEGIN_OPENCLAW_INTERNAL';

/** A cache counter the server reported, by name; null when it reports none. */
export type CounterKind = 'llama.cpp timings.cache_n' | 'usage.prompt_tokens_details.cached_tokens' | 'cached tokens' | null;

export interface PrefixRequest {
  /** Order among the session's model requests, from 0. */
  readonly index: number;
  /** The probe turn (the wire record's `dispatch`). */
  readonly turn: number | null;
  readonly kind: 'model' | 'summary' | 'memory-flush';
  readonly messages: number | null;
  /** First message (by index) that differs from the previous model request's; null for the first or a summary. */
  readonly firstChangedMessage: number | null;
  /** Where the prefix broke, in words: `system prompt`, `tools`, `message 3 (user)`, `appended only`. */
  readonly changedAt: string | null;
  /** Inside the system prompt: the first section whose text differs, e.g. `## AGENTS.md under # Project Context`. */
  readonly changedSection: string | null;
  readonly toolsChanged: boolean;
  readonly promptTokens: number | null;
  readonly cachedTokens: number | null;
  readonly counter: CounterKind;
  /** Tokens an append-only session would reuse from the previous request (estimate). */
  readonly reusableTokens: number | null;
  /** Tokens of that prefix OpenClaw sent unchanged (estimate). */
  readonly unchangedTokens: number | null;
  readonly prefillMs: number | null;
  readonly prefillSource: 'server' | 'first token' | null;
  readonly bust: boolean;
  readonly cause: Cause | null;
  /** Prefill time lost to the bust (estimate: this request's prefill per processed token × tokens not reused). */
  readonly lostMs: number | null;
  readonly detail: string | null;
}

export interface CauseTotal {
  readonly cause: Cause;
  readonly busts: number;
  readonly lostMs: number;
  readonly fix: string | null;
}

export interface PrefixAnalysis {
  readonly requests: PrefixRequest[];
  readonly busts: number;
  readonly summaries: number;
  readonly byCause: CauseTotal[];
  readonly counters: string;
  readonly notes: string[];
}

/* ---------- the system prompt's sections ---------- */

export interface Section {
  /** The header line (or `(start)` for the text before the first header). */
  readonly header: string;
  /** The enclosing headers, outermost first. */
  readonly parents: readonly string[];
  readonly text: string;
  /** For a Project Context file's section: its file name. */
  readonly file?: string;
}

/** Sections OpenClaw writes after the Project Context files (2026.9.6), which end the last file's text. */
const AFTER_FILES = /^## (Temporal Context|Assistant Output Directives|Silent Replies|UI Presentation|Messaging|Runtime|Reasoning Format|Group Chat Context|Reactions|Voice|Collapsible Details|Project Memory|Heartbeats?)\s*$/;
/** OpenClaw's cache-boundary markers (`<!-- /openclaw:attempt:STABLE -->`, …). */
const OPENCLAW_MARKER = /^<!--\s*\/?openclaw:/;
const HEADER = /^(#{1,6})\s+(.*\S)\s*$/;
const FILE_HEADER = /^##\s+(?:.*[/\\])?([^/\\\s]+\.[A-Za-z0-9]{1,8})\s*$/;

/**
 * The system prompt split into Markdown sections by header lines, as the prompt-sections probe reads headers. Under
 * `# Project Context`, a `## <path>` header opens a workspace file's section, which runs (the file's own headers
 * included) to the next file, one of OpenClaw's marker comments or one of OpenClaw's own later sections.
 */
export function systemSections(text: string): Section[] {
  const out: Section[] = [];
  let cur: { header: string; parents: string[]; lines: string[]; file?: string } = { header: '(start)', parents: [], lines: [] };
  const stack: { level: number; header: string }[] = [];
  let inContext = false;
  let inFile = false;
  const flush = () => {
    if (cur.header !== '(start)' || cur.lines.length) out.push({ header: cur.header, parents: cur.parents, text: cur.lines.join('\n'), ...(cur.file ? { file: cur.file } : {}) });
  };
  for (const line of text.split('\n')) {
    const h = HEADER.exec(line);
    const fileHeader = inContext ? FILE_HEADER.exec(line) : null;
    if (inFile && !fileHeader && (OPENCLAW_MARKER.test(line) || AFTER_FILES.test(line))) {
      inFile = false;
      inContext = false;
      stack.length = 0;
      if (!h) {
        flush();
        cur = { header: '(after Project Context)', parents: [], lines: [line] };
        continue;
      }
    }
    if (fileHeader) {
      flush();
      inFile = true;
      cur = { header: `## ${fileHeader[1]}`, parents: ['# Project Context'], lines: [line], file: fileHeader[1] };
      continue;
    }
    if (!h || inFile) {
      cur.lines.push(line);
      continue;
    }
    flush();
    const level = h[1]!.length;
    while (stack.length && stack[stack.length - 1]!.level >= level) stack.pop();
    const header = `${h[1]} ${h[2]}`;
    cur = { header, parents: stack.map((s) => s.header), lines: [line] };
    stack.push({ level, header });
    if (level === 1) inContext = header === '# Project Context';
  }
  flush();
  return out;
}

export function sectionName(s: Section): string {
  return s.parents.length ? `${s.header} under ${s.parents[s.parents.length - 1]}` : s.header;
}

/* ---------- date and time text ---------- */

const DATE_TIME = [
  /\b\d{4}-\d{2}-\d{2}(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?/g,
  /\b\d{1,2}:\d{2}(?::\d{2})?(?:\s?[AaPp]\.?[Mm]\.?)?/g,
  /\b\d{1,2}\/\d{1,2}\/\d{2,4}\b/g,
  /\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*\b/g,
  /\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\b/g,
  /\b\d{1,2}(?:st|nd|rd|th)\b/g,
  /\b(?:Africa|America|Antarctica|Asia|Atlantic|Australia|Europe|Indian|Pacific|Etc)\/[A-Za-z_+\-0-9/]+/g,
  /\b(?:UTC|GMT)(?:[+-]\d{1,2}(?::?\d{2})?)?\b/g,
  /\b(?:[ECMPA][SD]T|CES?T|BST|IST|JST|AES?T|AEDT|HKT|SGT|KST|WES?T|EES?T|MSK)\b/g,
  /\b1\d{9}(?:\d{3})?\b/g,
  /\b(?:19|20)\d{2}\b/g,
];

/** The text with its dates, times, weekdays, months, time zones and timestamps replaced by one mark. */
export function withoutDateTime(s: string): string {
  return DATE_TIME.reduce((t, re) => t.replace(re, '⏱'), s);
}

/** Two different texts that differ only in date and time text. */
export function differsOnlyInDateTime(a: string, b: string): boolean {
  return a !== b && withoutDateTime(a) === withoutDateTime(b);
}

/* ---------- a request as pieces ---------- */

interface Piece {
  readonly kind: 'system' | 'tools' | 'message';
  /** The message's index in the request's list (null for the tools). */
  readonly index: number | null;
  readonly role: string;
  readonly text: string;
}

interface Rendered {
  readonly pieces: Piece[];
  readonly chars: number;
  readonly messageTexts: string[];
  readonly systemText: string;
  readonly toolNames: string[];
  readonly toolsHash: string;
  /** Characters up to and including the last operator message (not a runtime-context carrier). */
  readonly keepChars: number;
  readonly compacted: boolean;
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function messagesOf(body: Json): Json[] {
  if (Array.isArray(body.messages)) return body.messages.filter(isObj);
  const lead = typeof body.instructions === 'string' ? [{ role: 'system', content: body.instructions }] : typeof body.system_prompt === 'string' ? [{ role: 'system', content: body.system_prompt }] : [];
  const input = typeof body.input === 'string' ? [{ role: 'user', content: body.input }] : Array.isArray(body.input) ? body.input.filter(isObj) : [];
  return [...lead, ...input];
}

function messageText(m: Json): string {
  const parts = [contentText(m.content)];
  for (const k of ['tool_calls', 'tool_call_id', 'name', 'arguments', 'call_id', 'output']) if (m[k] !== undefined) parts.push(typeof m[k] === 'string' ? (m[k] as string) : JSON.stringify(m[k]));
  return parts.join('\n');
}

const sha = (s: string) => createHash('sha1').update(s).digest('hex').slice(0, 16);

/** A request body as the pieces a template renders (null when the body is missing or not a chat request). */
export function renderRequest(body: unknown): Rendered | null {
  if (!isObj(body)) return null;
  const msgs = messagesOf(body);
  if (!msgs.length) return null;
  const tools = Array.isArray(body.tools) ? body.tools : [];
  const toolNames = tools.map((t) => (isObj(t) && isObj(t.function) && typeof t.function.name === 'string' ? t.function.name : isObj(t) && typeof t.name === 'string' ? t.name : '?'));
  const toolsText = tools.length ? JSON.stringify(tools) : '';
  const pieces: Piece[] = [];
  let i = 0;
  const role = (m: Json) => (typeof m.role === 'string' ? m.role : typeof m.type === 'string' ? m.type : '?');
  for (; i < msgs.length && (role(msgs[i]!) === 'system' || role(msgs[i]!) === 'developer'); i++) pieces.push({ kind: 'system', index: i, role: role(msgs[i]!), text: `${role(msgs[i]!)}\n${messageText(msgs[i]!)}` });
  if (toolsText) pieces.push({ kind: 'tools', index: null, role: 'tools', text: toolsText });
  for (; i < msgs.length; i++) pieces.push({ kind: 'message', index: i, role: role(msgs[i]!), text: `${role(msgs[i]!)}\n${messageText(msgs[i]!)}` });
  const chars = pieces.reduce((n, p) => n + p.text.length, 0);
  let keepEnd = pieces.length;
  for (let k = pieces.length - 1; k >= 0; k--) {
    const p = pieces[k]!;
    if (p.kind === 'message' && p.role === 'user' && !p.text.slice(5).trimStart().startsWith(CARRIER)) {
      keepEnd = k + 1;
      break;
    }
  }
  const systemText = msgs.filter((m) => role(m) === 'system' || role(m) === 'developer').map((m) => contentText(m.content)).join('\n');
  return {
    pieces,
    chars,
    messageTexts: msgs.map((m) => `${role(m)}\n${messageText(m)}`),
    systemText,
    toolNames,
    toolsHash: sha(toolsText),
    keepChars: pieces.slice(0, keepEnd).reduce((n, p) => n + p.text.length, 0),
    compacted: msgs.some((m) => role(m) === 'user' && contentText(m.content).includes(COMPACTED_MARKER)),
  };
}

function commonPrefix(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

interface Break {
  /** Characters of `prev` that `next` repeats from the start. */
  readonly shared: number;
  /** The first piece that differs (in `next`; undefined when `next` only appends). */
  readonly at?: { readonly prev?: Piece; readonly next?: Piece };
}

function prefixBreak(prev: Rendered, next: Rendered): Break {
  let shared = 0;
  for (let k = 0; k < prev.pieces.length; k++) {
    const a = prev.pieces[k]!;
    const b = next.pieces[k];
    if (b && a.text === b.text && a.kind === b.kind) {
      shared += a.text.length;
      continue;
    }
    return { shared: shared + (b ? commonPrefix(a.text, b.text) : 0), at: { prev: a, next: b } };
  }
  return { shared };
}

/** What changed at the break, and the cause when OpenClaw's own change broke the prefix. */
function attribute(prev: Rendered, next: Rendered, at: Break['at']): { cause: Cause; changedAt: string; section: string | null; detail: string | null } {
  const a = at?.prev;
  const b = at?.next;
  if (!b) return { cause: 'other prompt change', changedAt: 'messages dropped', section: null, detail: `the request ends before the previous one's ${a?.kind === 'tools' ? 'tools' : `message ${a?.index}`}` };
  if (a?.kind === 'tools' || b.kind === 'tools') {
    const added = next.toolNames.filter((t) => !prev.toolNames.includes(t));
    const removed = prev.toolNames.filter((t) => !next.toolNames.includes(t));
    const what = [added.length ? `added ${added.join(', ')}` : '', removed.length ? `removed ${removed.join(', ')}` : ''].filter(Boolean).join('; ') || 'same names, other schemas or order';
    return { cause: 'tool list changed', changedAt: 'tools', section: null, detail: what };
  }
  if (b.kind === 'system' && a?.kind === 'system') {
    const ps = systemSections(a.text.slice(a.role.length + 1));
    const ns = systemSections(b.text.slice(b.role.length + 1));
    const key = (s: Section) => `${s.parents.join('\u0000')}\u0000${s.header}`;
    const pk = ps.map(key);
    const nk = ns.map(key);
    const sameSet = pk.length === nk.length && [...pk].sort().join('\u0001') === [...nk].sort().join('\u0001');
    for (let k = 0; k < Math.max(ps.length, ns.length); k++) {
      const p = ps[k];
      const n = ns[k];
      if (p && n && key(p) === key(n) && p.text === n.text) continue;
      if (!n) return { cause: 'other prompt change', changedAt: 'system prompt', section: p ? sectionName(p) : null, detail: 'sections removed at the end' };
      const name = sectionName(n);
      if (!p || key(p) !== key(n)) {
        if (sameSet) return { cause: 'section order', changedAt: 'system prompt', section: name, detail: `${p ? `"${sectionName(p)}" was here before` : ''}` || null };
        if (!pk.includes(key(n))) return { cause: 'memory prepended', changedAt: 'system prompt', section: name, detail: 'a section that was not in the previous request' };
        return { cause: 'other prompt change', changedAt: 'system prompt', section: p ? sectionName(p) : name, detail: 'a section was removed' };
      }
      if (differsOnlyInDateTime(p.text, n.text)) return { cause: 'time/date text', changedAt: 'system prompt', section: name, detail: dateDiff(p.text, n.text) };
      if (n.file) return { cause: 'workspace file edit', changedAt: 'system prompt', section: name, detail: `${n.file} changed` };
      return { cause: 'other prompt change', changedAt: 'system prompt', section: name, detail: null };
    }
    return { cause: 'other prompt change', changedAt: 'system prompt', section: null, detail: null };
  }
  const idx = b.index ?? 0;
  const changedAt = `message ${idx} (${b.role})`;
  if (b.text.includes(COMPACTED_MARKER) && !(a?.text.includes(COMPACTED_MARKER) ?? false)) return { cause: 'compaction', changedAt, section: null, detail: 'earlier messages were replaced by a summary' };
  if (a) {
    if (next.messageTexts.slice(idx + 1).includes(a.text)) return { cause: 'memory prepended', changedAt, section: null, detail: `a ${b.role} message was inserted before it` };
    const at = a.text.slice(a.role.length + 1);
    const bt = b.text.slice(b.role.length + 1);
    if (a.role === b.role && at !== bt && (bt.endsWith(at) || at.endsWith(bt))) return { cause: 'memory prepended', changedAt, section: null, detail: `context ${bt.endsWith(at) ? 'prepended to' : 'removed from before'} the ${b.role} message` };
    if (differsOnlyInDateTime(a.text, b.text)) return { cause: 'time/date text', changedAt, section: null, detail: dateDiff(a.text, b.text) };
  }
  return { cause: 'other prompt change', changedAt, section: null, detail: 'an earlier message was rewritten' };
}

/** Only the date and time text of a line (the record keeps no prompt text, only what changed in it). */
function dateTimeParts(line: string): string {
  const found: string[] = [];
  DATE_TIME.reduce((t, re) => t.replace(re, (m) => (found.push(m), '⏱')), line);
  return found.join(' ');
}

/** The date and time text of the first differing line of two texts, before and after. */
function dateDiff(a: string, b: string): string {
  const al = a.split('\n');
  const bl = b.split('\n');
  for (let i = 0; i < Math.max(al.length, bl.length); i++) if (al[i] !== bl[i]) return `date/time text changed: ${dateTimeParts(al[i] ?? '')} → ${dateTimeParts(bl[i] ?? '')}`;
  return 'date/time text changed';
}

function firstChangedIndex(prev: Rendered, next: Rendered): number {
  const n = Math.min(prev.messageTexts.length, next.messageTexts.length);
  for (let i = 0; i < n; i++) if (prev.messageTexts[i] !== next.messageTexts[i]) return i;
  return n;
}

function counterOf(x: ProbeExchange): CounterKind {
  if (x.record.cachedTokens === null) return null;
  const text = x.response ? x.response.toString('utf8') : '';
  if (/"timings"\s*:/.test(text) && /"cache_n"\s*:/.test(text)) return 'llama.cpp timings.cache_n';
  if (/"cached_tokens"\s*:/.test(text)) return 'usage.prompt_tokens_details.cached_tokens';
  return 'cached tokens';
}

const SLACK_TOKENS = 64;
const SLACK_SHARE = 0.02;

/**
 * Every model request of one session (the probe's exchanges, in arrival order): compared with the previous model
 * request, its cache counter judged, its bust attributed. Compaction summaries and memory-flush turns are reported
 * and skipped as baselines (a summary between two requests is itself a cause).
 */
export function analyzePrefix(exchanges: readonly ProbeExchange[]): PrefixAnalysis {
  const requests: PrefixRequest[] = [];
  const notes: string[] = [];
  let prev: { rendered: Rendered } | null = null;
  let between = 0;
  let summaries = 0;
  const counters = new Set<string>();
  let noCounter = 0;
  let unreadable = 0;
  for (const [index, x] of exchanges.entries()) {
    const r = x.record;
    const kind: PrefixRequest['kind'] = r.summary ? 'summary' : r.memoryFlush ? 'memory-flush' : 'model';
    const counter = counterOf(x);
    const prefillMs = r.serverPrefillMs ?? r.firstTokenMs ?? null;
    const base = {
      index,
      turn: r.dispatch,
      kind,
      messages: r.messages,
      promptTokens: r.promptTokens,
      cachedTokens: r.cachedTokens,
      counter,
      prefillMs,
      prefillSource: r.serverPrefillMs != null ? ('server' as const) : r.firstTokenMs != null ? ('first token' as const) : null,
    };
    const blank = { firstChangedMessage: null, changedAt: null, changedSection: null, toolsChanged: false, reusableTokens: null, unchangedTokens: null, bust: false, cause: null, lostMs: null };
    if (kind !== 'model') {
      summaries += kind === 'summary' ? 1 : 0;
      between++;
      requests.push({ ...base, ...blank, detail: kind === 'summary' ? 'compaction summary request (not counted)' : 'memory flush before a compaction (not counted)' });
      continue;
    }
    if (counter) counters.add(counter);
    else noCounter++;
    const rendered = renderRequest(requestJson(x));
    if (!rendered) {
      unreadable++;
      requests.push({ ...base, ...blank, detail: 'request body not readable (over the cap or not JSON)' });
      continue;
    }
    if (!prev) {
      prev = { rendered };
      between = 0;
      requests.push({ ...base, ...blank, detail: 'first request of the session (cold)' });
      continue;
    }
    const p = prev.rendered;
    const k = r.promptTokens && rendered.chars ? r.promptTokens / rendered.chars : 0.25;
    const brk = prefixBreak(p, rendered);
    const reusable = Math.round(p.keepChars * k);
    const unchanged = Math.round(Math.min(brk.shared, p.keepChars) * k);
    const slack = Math.max(SLACK_TOKENS, SLACK_SHARE * reusable);
    const openclawChanged = unchanged < reusable - slack;
    const summaryBetween = between > 0;
    const cached = r.cachedTokens;
    const bust = cached !== null ? cached < reusable - slack : openclawChanged || summaryBetween;
    const where = brk.at ? attribute(p, rendered, brk.at) : null;
    let cause: Cause | null = null;
    // A break past the reusable prefix (the previous carrier replaced) is no change of OpenClaw's worth a word.
    let detail: string | null = openclawChanged || where?.section ? (where?.detail ?? null) : null;
    if (bust) {
      if (summaryBetween || rendered.compacted !== p.compacted) {
        cause = 'compaction';
        detail = summaryBetween ? `${between} compaction request(s) ran on the server between this request and the previous one` : (detail ?? 'earlier messages were replaced by a summary');
      } else if (!openclawChanged) {
        cause = 'between OpenClaw and the server';
        detail = `OpenClaw sent the previous ${unchanged} tokens unchanged; the server reused ${cached ?? '?'}`;
      } else {
        cause = where?.cause ?? 'other prompt change';
        if (cached !== null && cached < unchanged - slack) detail = `${detail ? `${detail}; ` : ''}the server also dropped ${unchanged - cached} tokens OpenClaw left unchanged before it`;
      }
    }
    let lostMs: number | null = null;
    if (bust && prefillMs !== null) {
      const lostTokens = Math.max(0, reusable - (cached ?? unchanged));
      const processed = r.promptTokens !== null ? Math.max(1, r.promptTokens - (cached ?? 0)) : Math.max(1, Math.round(rendered.chars / 4));
      lostMs = Math.round((prefillMs / processed) * lostTokens);
    }
    requests.push({
      ...base,
      firstChangedMessage: firstChangedIndex(p, rendered),
      changedAt: brk.at ? (where?.changedAt ?? null) : 'appended only',
      changedSection: where?.section ?? null,
      toolsChanged: p.toolsHash !== rendered.toolsHash,
      reusableTokens: reusable,
      unchangedTokens: unchanged,
      bust,
      cause,
      lostMs,
      detail,
    });
    prev = { rendered };
    between = 0;
  }
  const byCause: CauseTotal[] = [];
  for (const c of CAUSES) {
    const hit = requests.filter((q) => q.cause === c);
    if (hit.length) byCause.push({ cause: c, busts: hit.length, lostMs: hit.reduce((n, q) => n + (q.lostMs ?? 0), 0), fix: FIXES[c] });
  }
  const models = requests.filter((q) => q.kind === 'model').length;
  let counterText = [...counters].join(', ');
  if (noCounter) {
    const ollama = exchanges.some((x) => x.record.api === 'ollama-chat' || x.record.api === 'ollama-generate');
    const why = ollama ? 'Ollama reports no cache counter' : 'the server reported no cache counter (LM Studio\'s OpenAI endpoint reports none; vLLM only with prefix caching and usage details)';
    notes.push(`${noCounter} of ${models} model requests without a cache counter: ${why}; their busts are read from the prefix OpenClaw sent (changed early), not from the server's reuse`);
    counterText = counterText ? `${counterText}; none on ${noCounter}` : 'none';
  }
  if (unreadable) notes.push(`${unreadable} request bodies could not be read; those requests are not compared`);
  if (requests.some((q) => q.bust && q.prefillSource === 'first token')) notes.push('prefill from the time to the first token where the server reported no prefill time');
  return { requests, busts: requests.filter((q) => q.bust).length, summaries, byCause, counters: counterText, notes };
}
