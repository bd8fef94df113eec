/**
 * What a layer between OpenClaw and the server did to one request: the body OpenClaw sent (before) against the body
 * the server received (after). Pure, over parsed JSON bodies that are held in memory only for this reading.
 *
 * Lines are the unit inside tool outputs because that is how the reported corruptions look: a grep match dropped,
 * a line present after that the tool never printed ("a match that does not exist"), matches re-sorted, two matches
 * fused into a false `path:line:content` pair (headroom#3545). A marker line (`[200 matches compressed to 30 …]`)
 * is the layer speaking for itself, counted apart from invented lines.
 */

export interface ToolOutputDiff {
  /** Lines the tool printed that did not reach the server (each occurrence once). */
  readonly dropped: readonly string[];
  /** Lines the server received that the tool never printed and that are not the layer's markers (fused ones included). */
  readonly invented: readonly string[];
  /** The subset of `invented` made of the start of one printed line and the end of another. */
  readonly fused: readonly string[];
  readonly markers: readonly string[];
  /** Kept lines that arrived out of the tool's order (the fewest moves that explain the new order). */
  readonly reordered: number;
}

const MARKER = /^\s*[[(<].*\b(compress(?:ed|ion)?|omitted|truncated|retrieve|elided|hash=|more (?:lines|items|matches))\b.*[\])>]\s*$/i;

const linesOf = (text: string) =>
  text
    .split(/\r?\n/)
    .map((l) => l.replace(/\s+$/, ''))
    .filter((l) => l.length > 0);

/** The length-of-longest-increasing-subsequence complement: kept lines that moved. */
function movedCount(seq: readonly number[]): number {
  const tails: number[] = [];
  for (const x of seq) {
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (tails[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    tails[lo] = x;
  }
  return seq.length - tails.length;
}

/** A line made of one printed line's start up to a separator and another printed line's end from it. */
function isFused(line: string, printed: readonly string[]): boolean {
  if (printed.length > 2000) return false; // quadratic; a tool output that long is judged by the other counts
  for (let i = 1; i < line.length - 1; i++) {
    const c = line[i]!;
    if (c !== ':' && c !== '\t' && c !== ' ' && c !== '=' && c !== ',') continue;
    const head = line.slice(0, i + 1);
    const tail = line.slice(i + 1);
    if (!tail.trim()) continue;
    const a = printed.findIndex((p) => p.startsWith(head) && p !== line);
    if (a < 0) continue;
    if (printed.some((p, j) => j !== a && p.endsWith(tail) && !printed[a]!.endsWith(tail))) return true;
  }
  return false;
}

export function diffToolOutput(before: string, after: string): ToolOutputDiff {
  const b = linesOf(before);
  const a = linesOf(after);
  // Multisets: a line printed twice and delivered once is one dropped.
  const left = new Map<string, number[]>();
  b.forEach((l, i) => left.set(l, [...(left.get(l) ?? []), i]));
  const keptOrder: number[] = [];
  const extra: string[] = [];
  for (const l of a) {
    const idx = left.get(l);
    if (idx?.length) keptOrder.push(idx.shift()!);
    else extra.push(l);
  }
  const dropped: string[] = [];
  for (const [l, idx] of left) for (let k = 0; k < idx.length; k++) dropped.push(l);
  const markers = extra.filter((l) => MARKER.test(l));
  const invented = extra.filter((l) => !MARKER.test(l));
  const fused = invented.filter((l) => isFused(l, b));
  return { dropped, invented, fused, markers, reordered: movedCount(keptOrder) };
}

/** One chat message as the diff reads it. */
interface Msg {
  readonly role: string;
  readonly text: string;
  /** For a tool result: the tool that printed it (from the assistant call it answers). */
  readonly tool?: string;
  readonly key: string;
}

const textOf = (content: unknown): string => {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((p) => (typeof p === 'string' ? p : p && typeof p === 'object' && typeof (p as { text?: unknown }).text === 'string' ? (p as { text: string }).text : '')).join('\n');
  return '';
};

/** The messages of an OpenAI chat-completions body, or of a responses body's `input`. */
export function messagesOf(body: unknown): Msg[] {
  if (!body || typeof body !== 'object') return [];
  const o = body as { messages?: unknown; input?: unknown };
  const out: Msg[] = [];
  const toolNames = new Map<string, string>();
  if (Array.isArray(o.messages)) {
    for (const m of o.messages) {
      if (!m || typeof m !== 'object') continue;
      const msg = m as { role?: unknown; content?: unknown; tool_calls?: unknown; tool_call_id?: unknown; name?: unknown };
      const role = typeof msg.role === 'string' ? msg.role : '?';
      if (Array.isArray(msg.tool_calls)) for (const c of msg.tool_calls) {
        const call = c as { id?: unknown; function?: { name?: unknown } };
        if (typeof call?.id === 'string' && typeof call.function?.name === 'string') toolNames.set(call.id, call.function.name);
      }
      const text = textOf(msg.content);
      const tool = role === 'tool' ? (typeof msg.tool_call_id === 'string' ? toolNames.get(msg.tool_call_id) : undefined) ?? (typeof msg.name === 'string' ? msg.name : undefined) : undefined;
      out.push({ role, text, ...(tool ? { tool } : {}), key: `${role}\u0000${text}\u0000${JSON.stringify(msg.tool_calls ?? null)}` });
    }
  } else if (Array.isArray(o.input)) {
    for (const m of o.input) {
      if (!m || typeof m !== 'object') continue;
      const it = m as { type?: unknown; role?: unknown; content?: unknown; output?: unknown; call_id?: unknown; name?: unknown };
      if (it.type === 'function_call' && typeof it.call_id === 'string' && typeof it.name === 'string') toolNames.set(it.call_id, it.name);
      if (it.type === 'function_call_output') {
        const text = textOf(it.output);
        const tool = typeof it.call_id === 'string' ? toolNames.get(it.call_id) : undefined;
        out.push({ role: 'tool', text, ...(tool ? { tool } : {}), key: `tool\u0000${text}` });
      } else {
        const role = typeof it.role === 'string' ? it.role : String(it.type ?? '?');
        const text = textOf(it.content);
        out.push({ role, text, key: `${role}\u0000${text}\u0000${JSON.stringify(it.type === 'function_call' ? m : null)}` });
      }
    }
  }
  return out;
}

const toolNamesOf = (body: unknown): string[] => {
  const tools = body && typeof body === 'object' ? (body as { tools?: unknown }).tools : undefined;
  if (!Array.isArray(tools)) return [];
  return tools.map((t) => {
    const x = t as { name?: unknown; function?: { name?: unknown } };
    return typeof x?.function?.name === 'string' ? x.function.name : typeof x?.name === 'string' ? x.name : '?';
  });
};

/** The index of the first message that differs between two requests (their length when one extends the other). */
export function firstDifference(x: readonly Msg[], y: readonly Msg[]): number {
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i]!.key !== y[i]!.key) return i;
  return n;
}

export interface LayerRequestDiff {
  /** Messages whose content the layer changed (compared by position; added or removed ones count too). */
  readonly messagesChanged: number;
  readonly toolOutputsChanged: number;
  readonly linesDropped: number;
  readonly linesInvented: number;
  readonly linesFused: number;
  readonly linesReordered: number;
  readonly markerLines: number;
  /** Examples, for the view (at most 5 each). */
  readonly inventedExamples: readonly string[];
  readonly droppedExamples: readonly string[];
  /** Per tool name: lines dropped / invented in its outputs (what `--protect-tool-results` would be about). */
  readonly byTool: Readonly<Record<string, { readonly dropped: number; readonly invented: number }>>;
  /** Tools the server was offered that OpenClaw did not offer (e.g. an injected retrieve tool). */
  readonly toolsInjected: readonly string[];
  /** Characters of message text before and after. */
  readonly charsBefore: number;
  readonly charsAfter: number;
  /** Given the previous exchange of the dispatch: the layer changed a message OpenClaw had kept as it was (a prefix bust). */
  readonly olderTurnsRewritten: boolean;
  /** Planted facts (lines) OpenClaw sent that the server did not receive. */
  readonly factsLost: readonly string[];
}

const sample = (xs: readonly string[]) => xs.slice(0, 5).map((x) => (x.length > 160 ? x.slice(0, 157) + '…' : x));

export function diffRequest(before: unknown, after: unknown, opts: { readonly previous?: { readonly before: unknown; readonly after: unknown }; readonly facts?: readonly string[] } = {}): LayerRequestDiff {
  const b = messagesOf(before);
  const a = messagesOf(after);
  let messagesChanged = Math.abs(b.length - a.length);
  let toolOutputsChanged = 0;
  let dropped: string[] = [];
  let invented: string[] = [];
  let fused = 0;
  let reordered = 0;
  let markers = 0;
  const byTool: Record<string, { dropped: number; invented: number }> = {};
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i]!.key === b[i]!.key) continue;
    messagesChanged++;
    if (b[i]!.role !== 'tool') continue;
    toolOutputsChanged++;
    const d = diffToolOutput(b[i]!.text, a[i]!.text);
    dropped = dropped.concat(d.dropped);
    invented = invented.concat(d.invented);
    fused += d.fused.length;
    reordered += d.reordered;
    markers += d.markers.length;
    const t = (byTool[b[i]!.tool ?? '?'] ??= { dropped: 0, invented: 0 });
    t.dropped += d.dropped.length;
    t.invented += d.invented.length;
  }
  const offered = new Set(toolNamesOf(before));
  const toolsInjected = [...new Set(toolNamesOf(after).filter((t) => !offered.has(t)))];
  let olderTurnsRewritten = false;
  if (opts.previous) {
    const kept = firstDifference(messagesOf(opts.previous.before), b);
    const keptAfter = firstDifference(messagesOf(opts.previous.after), a);
    olderTurnsRewritten = keptAfter < kept;
  }
  const sent = b.map((m) => m.text).join('\n');
  const received = a.map((m) => m.text).join('\n');
  const factsLost = (opts.facts ?? []).filter((f) => sent.includes(f) && !received.includes(f));
  return {
    messagesChanged,
    toolOutputsChanged,
    linesDropped: dropped.length,
    linesInvented: invented.length,
    linesFused: fused,
    linesReordered: reordered,
    markerLines: markers,
    inventedExamples: sample(invented),
    droppedExamples: sample(dropped),
    byTool,
    toolsInjected,
    charsBefore: sent.length,
    charsAfter: received.length,
    olderTurnsRewritten,
    factsLost,
  };
}

/** A dispatch's layer, summed over its requests (what the lab records and the sweep compares). */
export interface LayerSummary {
  /** Prompt tokens the layer saved: the server's count through the layer against the same requests' estimate without it. */
  readonly tokensSaved: number | null;
  readonly linesDropped: number;
  readonly linesInvented: number;
  readonly reordered: number;
  readonly toolsInjected: readonly string[];
  readonly olderTurnsRewritten: number;
  readonly markerLines: number;
  readonly factsLost: readonly string[];
  /** Tools whose outputs lost or gained lines (what `--protect-tool-results` would name). */
  readonly toolsAltered: readonly string[];
  /** Requests the layer answered without the server (a response cache), or sent more of (retrieve round trips). */
  readonly requestsBefore: number;
  readonly requestsAfter: number;
}

/**
 * Sums per-request diffs. `tokens` gives, per request, the prompt tokens the server counted for what it received;
 * the tokens OpenClaw's own request would have cost are estimated from the characters the layer removed at the
 * same tokens-per-character, so the estimate is labelled as such where it is shown. The server-counted figure
 * across arms (direct against through the layer) is the sweep's.
 */
export function summarizeLayer(diffs: readonly { readonly diff: LayerRequestDiff; readonly promptTokens: number | null }[], requestsBefore: number, requestsAfter: number): LayerSummary {
  let saved = 0;
  let known = false;
  const injected = new Set<string>();
  const lost = new Set<string>();
  let dropped = 0;
  let invented = 0;
  let reordered = 0;
  let rewritten = 0;
  let markers = 0;
  const altered = new Set<string>();
  for (const { diff, promptTokens } of diffs) {
    for (const [tool, t] of Object.entries(diff.byTool)) if (t.dropped || t.invented) altered.add(tool);
    dropped += diff.linesDropped;
    invented += diff.linesInvented;
    reordered += diff.linesReordered;
    markers += diff.markerLines;
    if (diff.olderTurnsRewritten) rewritten++;
    for (const t of diff.toolsInjected) injected.add(t);
    for (const f of diff.factsLost) lost.add(f);
    if (promptTokens !== null && diff.charsAfter > 0) {
      known = true;
      saved += Math.round((promptTokens * (diff.charsBefore - diff.charsAfter)) / diff.charsAfter);
    }
  }
  return {
    tokensSaved: known ? saved : null,
    linesDropped: dropped,
    linesInvented: invented,
    reordered,
    toolsInjected: [...injected],
    olderTurnsRewritten: rewritten,
    markerLines: markers,
    factsLost: [...lost],
    toolsAltered: [...altered],
    requestsBefore,
    requestsAfter,
  };
}
